#!/usr/bin/env bash
# A whole sign-in without a browser, with curl, against `make dev` (bi-local and the
# functions under cargo lambda watch). It prints each step; docs/development.md walks through it.
#
#   scripts/try-sign-in.sh [EMAIL]
#   scripts/try-sign-in.sh --keep-session [EMAIL]   stops signed in after step 6, and prints
#                                                   the session token (for the tests that go on)
#
# Reads the settings from $DEV_DIR/functions.env (default .dev); the functions are
# reached at http://127.0.0.1:$DEV_FUNCTIONS_PORT/lambda-url/<function>/...
source "$(dirname "$0")/lib.sh"

keep_session=false
if [ "${1:-}" = "--keep-session" ]; then keep_session=true; shift; fi
DEV_DIR="${DEV_DIR:-$ROOT/.dev}"
FN="http://127.0.0.1:${DEV_FUNCTIONS_PORT:-9000}/lambda-url"
EMAIL="${1:-curl-$RANDOM@example.com}"
[ -f "$DEV_DIR/functions.env" ] || die "run make dev first (no $DEV_DIR/functions.env)"
load_dotenv "$DEV_DIR/functions.env"
jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
step() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }

step "1. POST /api/auth/register: an identity and an enrolment email; the SDK stand-in binds a passkey from its link"
curl -sf -X POST -H "origin: $AUTH_URL" -H 'content-type: application/json' -d "{\"email\":\"$EMAIL\"}" \
  "$FN/register/api/auth/register" >&2
echo >&2
link=$(curl -sf "$BEYOND_IDENTITY_AUTH_BASE_URL/_emulator/outbox" \
  | python3 -c "import json, sys; print([e for e in json.load(sys.stdin)['emails'] if e['to'] == '$EMAIL'][-1]['link'])")
bind=$(curl -sf -o /dev/null -w '%{redirect_url}' "$link")
echo "the email's link leads to $bind" >&2
python3 scripts/passkey.py --store "$DEV_DIR/passkeys.json" bind "$bind" >/dev/null

step "2. GET /api/auth/signin: a flow cookie and a 302 to the provider"
authorize=$(curl -sf -c "$jar" -o /dev/null -w '%{redirect_url}' "$FN/signin/api/auth/signin?callbackUrl=/welcome")
echo "$authorize" >&2

step "3. The provider's /authorize: a 302 to the app's /bi-authenticate page"
bi_authenticate=$(curl -sf -o /dev/null -w '%{redirect_url}' "$authorize")
echo "$bi_authenticate" >&2

step "4. The SDK stand-in signs the request with the passkey: the redirect back with code and state"
callback=$(python3 scripts/passkey.py --store "$DEV_DIR/passkeys.json" authenticate "$bi_authenticate")
echo "$callback" >&2

step "5. GET /api/auth/callback/beyondidentity: checks, code exchange, ID token, session; 303 to /welcome"
path="${callback#"$AUTH_URL"}"
curl -sf -b "$jar" -c "$jar" -o /dev/null -w '%{http_code} %{redirect_url}\n' "$FN/callback$path" >&2

step "6. GET /api/auth/session with the session cookie"
# curl keeps __Host- cookies only for https; hand the session cookie over explicitly.
session=$(awk '$6 == "__Host-session" { print $7 }' "$jar")
[ -n "$session" ] || die "no session cookie was set"
if $keep_session; then
  curl -sf -H "cookie: __Host-session=$session" "$FN/session/api/auth/session" >&2
  echo "$session"
  exit 0
fi
curl -sf -H "cookie: __Host-session=$session" "$FN/session/api/auth/session"
echo

step "7. POST /api/auth/bind-job: a link to add a passkey on another device, bound by the stand-in"
link=$(curl -sf -X POST -H "cookie: __Host-session=$session" -H "origin: $AUTH_URL" -H 'content-type: application/json' -d '{}' \
  "$FN/bind-job/api/auth/bind-job" | json '["credential_binding_link"]')
python3 scripts/passkey.py --store "$DEV_DIR/passkeys.json" bind "$link" >&2

step "8. POST /api/auth/signout, then the session is gone"
curl -sf -X POST -H "cookie: __Host-session=$session" -H "origin: $AUTH_URL" -H 'content-type: application/json' -d '{}' \
  "$FN/session/api/auth/signout"
echo
curl -sf -H "cookie: __Host-session=$session" "$FN/session/api/auth/session"
echo
