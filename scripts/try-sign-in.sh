#!/usr/bin/env bash
# A whole sign-in without a browser, with curl, against `make dev` (bi-local and the
# functions under cargo lambda watch). It prints each step; the README walks through it.
#
#   scripts/try-sign-in.sh [EMAIL]
#
# Reads the settings from $DEV_DIR/functions.env (default .dev); the functions are
# reached at http://127.0.0.1:$DEV_FUNCTIONS_PORT/lambda-url/<function>/...
source "$(dirname "$0")/lib.sh"

DEV_DIR="${DEV_DIR:-$ROOT/.dev}"
FN="http://127.0.0.1:${DEV_FUNCTIONS_PORT:-9000}/lambda-url"
EMAIL="${1:-curl-$RANDOM@example.com}"
[ -f "$DEV_DIR/functions.env" ] || die "run make dev first (no $DEV_DIR/functions.env)"
load_dotenv "$DEV_DIR/functions.env"
jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
step() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }

step "1. A user with a passkey: an identity and a RETURN binding job (management API), bound by the SDK stand-in"
token=$(curl -sf -u "$BEYOND_IDENTITY_MGMT_CLIENT_ID:$BEYOND_IDENTITY_MGMT_CLIENT_SECRET" -d grant_type=client_credentials \
  "$BEYOND_IDENTITY_AUTH_BASE_URL/v1/tenants/$BEYOND_IDENTITY_TENANT_ID/realms/$BEYOND_IDENTITY_ADMIN_REALM_ID/applications/$BEYOND_IDENTITY_MGMT_APPLICATION_ID/token" | json '["access_token"]')
realm="$BEYOND_IDENTITY_API_BASE_URL/v1/tenants/$BEYOND_IDENTITY_TENANT_ID/realms/$BEYOND_IDENTITY_REALM_ID"
identity=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' "$realm/identities" \
  -d "{\"identity\":{\"display_name\":\"$EMAIL\",\"traits\":{\"type\":\"traits_v0\",\"username\":\"$EMAIL\",\"primary_email_address\":\"$EMAIL\"}}}" | json '["id"]')
link=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' "$realm/identities/$identity/credential-binding-jobs" \
  -d "{\"job\":{\"delivery_method\":\"RETURN\",\"authenticator_config_id\":\"$BEYOND_IDENTITY_APPLICATION_CONFIG_ID\"}}" | json '["credential_binding_link"]')
python3 scripts/passkey.py --store "$DEV_DIR/passkeys.json" bind "$link" >/dev/null
echo "identity $identity ($EMAIL) has a passkey" >&2

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
curl -sf -H "cookie: __Host-session=$session" "$FN/session/api/auth/session"
echo

step "7. POST /api/auth/signout, then the session is gone"
curl -sf -X POST -H "cookie: __Host-session=$session" -H "origin: $AUTH_URL" -H 'content-type: application/json' -d '{}' \
  "$FN/session/api/auth/signout"
echo
curl -sf -H "cookie: __Host-session=$session" "$FN/session/api/auth/session"
echo
