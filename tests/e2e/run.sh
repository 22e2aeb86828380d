#!/usr/bin/env bash
# The browser tests: starts the whole product on free ports with make dev's script, runs
# the playwright-core tests in Debian's Chromium, and stops everything; twice: against
# the built site served by vite preview under the strict CSP (screenshots land in
# test-artifacts/screenshots/), and against Vite's dev server, as `make dev` serves it to
# a newcomer (test-artifacts/screenshots-dev/); then real-sdk.test.mjs alone against the
# production build, with Beyond Identity's real SDK, under the production headers; then
# hosted.test.mjs alone against the hosted build (BEYOND_IDENTITY_AUTHENTICATOR=hosted),
# with bi-local standing in for Beyond Identity's hosted pages.
source "$(dirname "$0")/../../scripts/lib.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "Chromium is missing: apt-get install chromium (the browser tests drive Debian's Chromium)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
trap 'stop_dev_stack; rm -rf "$dir"' EXIT
export SESSION_TABLE="e2e-sessions"

stand_in_tests=(journey.test.mjs errors.test.mjs account.test.mjs)
for mode in preview dev real-sdk hosted; do
  say "browser tests against the site in $mode mode"
  mkdir -p "$dir/$mode"
  shots="$ROOT/test-artifacts/screenshots"
  tests=("${stand_in_tests[@]}")
  case "$mode" in
    preview) export DEV_SITE_MODE=preview DEV_SITE_SDK=standin ;;
    dev) export DEV_SITE_MODE=dev DEV_SITE_SDK=standin; shots="$shots-dev" ;;
    real-sdk) export DEV_SITE_MODE=preview DEV_SITE_SDK=real; tests=(real-sdk.test.mjs) ;;
    hosted) export DEV_SITE_MODE=preview DEV_SITE_SDK=standin BEYOND_IDENTITY_AUTHENTICATOR=hosted; tests=(hosted.test.mjs) ;;
  esac
  start_dev_stack "$dir/$mode"
  mkdir -p "$shots"
  (cd tests/e2e && SITE_URL="http://localhost:$DEV_SITE_PORT" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
    BI_ENV_FILE="$dir/$mode/bi-local.env" ARTIFACTS="$shots" node --test --test-concurrency=1 --test-reporter=spec "${tests[@]}") \
    || { tail -n 40 "$dir/$mode/logs/"*.log >&2; die "browser tests failed ($mode mode)"; }
  stop_dev_stack
  unset BEYOND_IDENTITY_AUTHENTICATOR
done
