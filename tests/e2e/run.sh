#!/usr/bin/env bash
# The browser tests: starts the whole product on free ports (make dev's script, with the
# site built in mode bilocal and served by vite preview under the strict CSP), runs the
# playwright-core tests in Debian's Chromium, and stops everything. Screenshots land in
# test-artifacts/screenshots/.
source "$(dirname "$0")/../../scripts/lib.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "Chromium is missing: apt-get install chromium (the browser tests drive Debian's Chromium)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
trap 'stop_dev_stack; rm -rf "$dir"' EXIT
export SESSION_TABLE="e2e-sessions" DEV_SITE_MODE=preview
start_dev_stack "$dir"

mkdir -p test-artifacts/screenshots
cd tests/e2e
SITE_URL="http://localhost:$DEV_SITE_PORT" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
  ARTIFACTS="$ROOT/test-artifacts/screenshots" node --test --test-concurrency=1 --test-reporter=spec \
  || { tail -n 40 "$dir/logs/"*.log >&2; die "browser tests failed"; }
