#!/usr/bin/env bash
# The browser tests: starts the whole product on free ports with make dev's script, runs
# the playwright-core tests in Debian's Chromium, and stops everything; twice: against
# the built site served by vite preview under the strict CSP (screenshots land in
# test-artifacts/screenshots/), and against Vite's dev server, as `make dev` serves it to
# a newcomer (test-artifacts/screenshots-dev/); then real-sdk.test.mjs alone against the
# production build, with Beyond Identity's real SDK, under the production headers; then
# hosted.test.mjs alone against the hosted build (BEYOND_IDENTITY_AUTHENTICATOR=hosted),
# with bi-local standing in for Beyond Identity's hosted pages; then nextauth.test.mjs with
# the example Next.js app in front (DEV_APP=nextjs, built: next-auth 4's and 5's own
# clients), with the stand-in, and its next-auth 4 sign-in once more with the real SDK.
source "$(dirname "$0")/../../scripts/lib.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "Chromium is missing: apt-get install chromium (the browser tests drive Debian's Chromium)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
trap 'stop_dev_stack; rm -rf "$dir"' EXIT
export SESSION_TABLE="e2e-sessions"

stand_in_tests=(journey.test.mjs errors.test.mjs account.test.mjs)
for mode in preview dev real-sdk hosted nextauth nextauth-real-sdk; do
  say "browser tests against the site in $mode mode"
  mkdir -p "$dir/$mode"
  shots="$ROOT/test-artifacts/screenshots"
  tests=("${stand_in_tests[@]}")
  only=()
  unset DEV_APP
  case "$mode" in
    preview) export DEV_SITE_MODE=preview DEV_SITE_SDK=standin ;;
    dev) export DEV_SITE_MODE=dev DEV_SITE_SDK=standin; shots="$shots-dev" ;;
    real-sdk) export DEV_SITE_MODE=preview DEV_SITE_SDK=real; tests=(real-sdk.test.mjs) ;;
    hosted) export DEV_SITE_MODE=preview DEV_SITE_SDK=standin BEYOND_IDENTITY_AUTHENTICATOR=hosted; tests=(hosted.test.mjs) ;;
    nextauth) export DEV_SITE_MODE=preview DEV_SITE_SDK=standin DEV_APP=nextjs; tests=(nextauth.test.mjs) ;;
    nextauth-real-sdk)
      export DEV_SITE_MODE=preview DEV_SITE_SDK=real DEV_APP=nextjs; tests=(nextauth.test.mjs)
      only=(--test-name-pattern "^next-auth 4: sign in") ;;
  esac
  start_dev_stack "$dir/$mode"
  mkdir -p "$shots"
  # With an app in front, the account page is /account.
  account="http://localhost:$DEV_SITE_PORT${DEV_APP:+/account}"
  (cd tests/e2e && SITE_URL="http://localhost:$DEV_SITE_PORT" ACCOUNT_URL="$account" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
    BI_ENV_FILE="$dir/$mode/bi-local.env" ARTIFACTS="$shots" node --test --test-concurrency=1 --test-reporter=spec "${only[@]}" "${tests[@]}") \
    || { tail -n 40 "$dir/$mode/logs/"*.log >&2; die "browser tests failed ($mode mode)"; }
  stop_dev_stack
  unset BEYOND_IDENTITY_AUTHENTICATOR
done
