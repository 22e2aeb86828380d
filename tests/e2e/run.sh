#!/usr/bin/env bash
# The browser tests: starts the whole product on free ports with make dev's script, runs
# the playwright-core tests in Debian's Chromium, and stops everything; twice: against
# the built site served by vite preview under the strict CSP (screenshots land in
# test-artifacts/screenshots/), and against Vite's dev server, as `make dev` serves it to
# a newcomer (test-artifacts/screenshots-dev/).
source "$(dirname "$0")/../../scripts/lib.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "Chromium is missing: apt-get install chromium (the browser tests drive Debian's Chromium)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
trap 'stop_dev_stack; rm -rf "$dir"' EXIT
export SESSION_TABLE="e2e-sessions"

for mode in preview dev; do
  say "browser tests against the site in $mode mode"
  mkdir -p "$dir/$mode"
  export DEV_SITE_MODE="$mode"
  start_dev_stack "$dir/$mode"
  shots="$ROOT/test-artifacts/screenshots"
  if [ "$mode" = dev ]; then shots="$shots-dev"; fi
  mkdir -p "$shots"
  (cd tests/e2e && SITE_URL="http://localhost:$DEV_SITE_PORT" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
    ARTIFACTS="$shots" node --test --test-concurrency=1 --test-reporter=spec) \
    || { tail -n 40 "$dir/$mode/logs/"*.log >&2; die "browser tests failed ($mode mode)"; }
  stop_dev_stack
done
