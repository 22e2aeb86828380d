#!/usr/bin/env bash
# The browser tests: starts the whole product on free ports (make dev's script, with the
# site built in mode bilocal and served by vite preview under the strict CSP), runs the
# playwright-core tests in Debian's Chromium, and stops everything. Screenshots land in
# test-artifacts/screenshots/.
source "$(dirname "$0")/../../scripts/lib.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "Chromium is missing: apt-get install chromium (the browser tests drive Debian's Chromium)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
export DEV_DIR="$dir" DEV_DYNAMODB_PORT="$(free_port)" DEV_BI_AUTH_PORT="$(free_port)" DEV_BI_API_PORT="$(free_port)"
export DEV_FUNCTIONS_PORT="$(free_port)" DEV_SITE_PORT="$(free_port)" DEV_SITE_MODE=preview
export SESSION_TABLE="e2e-sessions"
unset BEYOND_IDENTITY_ISSUER BEYOND_IDENTITY_DISCOVERY AUTH_URL

: >"$dir/out.log"
scripts/dev.sh >"$dir/out.log" 2>&1 &
dev=$!
cleanup() {
  kill -TERM "$dev" 2>/dev/null || true
  wait "$dev" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

deadline=$((SECONDS + 600))
until grep -q "Local stack is up" "$dir/out.log"; do
  kill -0 "$dev" 2>/dev/null || { cat "$dir/out.log" >&2; die "make dev exited before it was up"; }
  [ "$SECONDS" -lt "$deadline" ] || { cat "$dir/out.log" >&2; die "make dev was not up within 600 s"; }
  sleep 0.5
done

mkdir -p test-artifacts/screenshots
cd tests/e2e
SITE_URL="http://localhost:$DEV_SITE_PORT" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
  ARTIFACTS="$ROOT/test-artifacts/screenshots" node --test --test-concurrency=1 --test-reporter=spec \
  || { tail -n 40 "$dir/logs/"*.log >&2; die "browser tests failed"; }
