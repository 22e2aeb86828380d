#!/usr/bin/env bash
# Installs what `make dev` and `make test` need and is missing, into the project
# (./.venv for Python tools); says clearly what it cannot install.
source "$(dirname "$0")/lib.sh"

command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs), then run this again."
command -v python3 >/dev/null || die "Python 3 is missing: install python3 (3.9 or newer) with your package manager."

# Python tools: moto (local DynamoDB), cargo-lambda, cfn-lint, awscli. Reinstalled when
# requirements-dev.txt changes.
want="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha 2>/dev/null)" != "$want" ]; then
  say "installing Python tools into .venv (moto, cargo-lambda, cfn-lint, awscli)"
  python3 -m venv .venv || die "python3 cannot make a virtual environment: install python3-venv (Debian: apt-get install python3-venv)."
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" >.venv/.requirements.sha
fi

# The site's, the browser tests', the test provider's and the example app's npm packages,
# from their lock files.
command -v npm >/dev/null || die "Node.js 20+ and npm are missing: install them (Debian: apt-get install nodejs npm), then run this again."
for dir in static-site tests/e2e tests/oidc-provider examples/nextjs; do
  [ -f "$dir/package-lock.json" ] || continue
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$dir/node_modules/.lock.sha" 2>/dev/null)" != "$want" ]; then
    say "installing npm packages in $dir (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$dir/node_modules/.lock.sha"
  fi
done
