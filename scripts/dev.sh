#!/usr/bin/env bash
# `make dev`: the whole product on this machine, offline. Starts the local DynamoDB
# server with the session table, bi-local (unless Beyond Identity settings are given in
# the environment or .env), and whatever else exists; prints where each listens; Ctrl-C
# stops everything it started.
#
# Ports can be moved with DEV_DYNAMODB_PORT (8000), DEV_BI_AUTH_PORT (8021),
# DEV_BI_API_PORT (8023), DEV_FUNCTIONS_PORT (9000) and DEV_SITE_PORT (3000); DEV_DIR
# (.dev) holds logs, bi-local's state, the development AUTH_SECRET and the functions'
# settings. DEV_SITE_MODE=preview serves a built site instead of Vite's dev server (the
# browser tests do, to run under the strict Content-Security-Policy). DEV_SITE_SDK=real
# serves the production build, with Beyond Identity's real SDK, even against bi-local,
# which then also serves the SDK's cloud protocol over HTTPS (DEV_BI_CLOUD_PORT, 8443) as
# auth-us/api-us.beyondidentity.com; start Chromium with the switches printed at the end
# to bind and sign in with the real SDK (the real-SDK browser tests do).
# BEYOND_IDENTITY_AUTHENTICATOR=hosted (environment or .env) serves the site built for
# Beyond Identity's hosted pages (no SDK anywhere), and makes bi-local's demo
# authenticator config Hosted Web, so that bi-local's stand-ins of those pages bind and
# sign in.
# DEV_APP=nextjs puts the example Next.js app (examples/nextjs: next-auth's own client,
# no [...nextauth] route) in front, on the same origin, as a team's app sits behind the
# deployed stack: it gets every path but /api/auth, /account and the SDK pages, and the
# account page moves to /account. It runs under `next dev` (DEV_APP_PORT, 3100), or built
# and under `next start` with DEV_SITE_MODE=preview.
source "$(dirname "$0")/lib.sh"

DEV_DIR="${DEV_DIR:-$ROOT/.dev}"
LOG_DIR="$DEV_DIR/logs"
DYNAMODB_PORT="${DEV_DYNAMODB_PORT:-8000}"
BI_AUTH_PORT="${DEV_BI_AUTH_PORT:-8021}"
BI_API_PORT="${DEV_BI_API_PORT:-8023}"
BI_CLOUD_PORT="${DEV_BI_CLOUD_PORT:-8443}"
FUNCTIONS_PORT="${DEV_FUNCTIONS_PORT:-9000}"
SITE_PORT="${DEV_SITE_PORT:-3000}"
SITE_MODE="${DEV_SITE_MODE:-dev}"
APP="${DEV_APP:-}"
APP_PORT="${DEV_APP_PORT:-3100}"
FUNCTIONS=(signin callback session register bind-job)
case "$APP" in
  "" | nextjs) ;;
  *) die "DEV_APP=$APP: the app this can put in front is nextjs (examples/nextjs)" ;;
esac
mkdir -p "$LOG_DIR"

scripts/bootstrap.sh
trap 'say "stopping"; stop_bg' EXIT
trap 'exit 0' INT TERM

load_dotenv .env
export AUTH_URL="${AUTH_URL:-http://localhost:$SITE_PORT}"
export SESSION_TABLE="${SESSION_TABLE:-auth-sessions}"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
# The product's own mail (a change of address) goes to the same moto server's SES, which
# keeps it: the mail line below says where to read it.
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$DYNAMODB_PORT"
export AUTH_EMAIL_FROM="${AUTH_EMAIL_FROM:-no-reply@example.com}"
# With an app in front, home is the app's and the account page is /account (as the
# deployed stack sets it with APP_UPSTREAM).
[ -n "$APP" ] && export AUTH_ACCOUNT_PAGE="${AUTH_ACCOUNT_PAGE:-/account}"

start_dynamodb "$DYNAMODB_PORT" "$SESSION_TABLE"
# SES sends only from an identity it knows (a deployment verifies it in SES).
.venv/bin/aws sesv2 create-email-identity --email-identity "$AUTH_EMAIL_FROM" \
  --endpoint-url "$AWS_ENDPOINT_URL_SESV2" --region "$AWS_REGION" >/dev/null 2>&1 || true

if [ -n "${BEYOND_IDENTITY_ISSUER:-}${BEYOND_IDENTITY_DISCOVERY:-}" ]; then
  provider="the OpenID provider in your settings: ${BEYOND_IDENTITY_ISSUER:-$BEYOND_IDENTITY_DISCOVERY}"
else
  say "building bi-local"
  cargo build --quiet -p bi-local
  for port in "$BI_AUTH_PORT" "$BI_API_PORT"; do
    port_in_use "$port" && die "port $port is taken; stop what listens there or set DEV_BI_AUTH_PORT / DEV_BI_API_PORT"
  done
  # With the real SDK, bi-local also serves Beyond Identity's cloud protocol over HTTPS,
  # under Beyond Identity's own hostnames (a browser reaches it with the switches it prints).
  cloud=""
  [ "${DEV_SITE_SDK:-}" = real ] && cloud="--cloud-addr 127.0.0.1:$BI_CLOUD_PORT"
  authenticator="${BEYOND_IDENTITY_AUTHENTICATOR:-embedded}"
  start_bg "bi-local" "$LOG_DIR/bi-local.log" sh -c \
    "exec target/debug/bi-local --auth-addr 127.0.0.1:$BI_AUTH_PORT --api-addr 127.0.0.1:$BI_API_PORT $cloud --authenticator '$authenticator' --app-origin '$AUTH_URL' --state '$DEV_DIR/bi-local.json' >'$DEV_DIR/bi-local.env'"
  wait_for_port "$BI_API_PORT" 30 "bi-local" "${BG_PIDS[-1]}"
  until grep -q '^# BEYOND_IDENTITY_API_TOKEN=' "$DEV_DIR/bi-local.env" 2>/dev/null; do
    kill -0 "${BG_PIDS[-1]}" 2>/dev/null || die "bi-local stopped; see $LOG_DIR/bi-local.log"
    sleep 0.1
  done
  load_dotenv "$DEV_DIR/bi-local.env"
  BI_LOCAL=1
  provider="bi-local, the offline Beyond Identity: http://127.0.0.1:$BI_AUTH_PORT (outbox: http://127.0.0.1:$BI_AUTH_PORT/_emulator/), API http://127.0.0.1:$BI_API_PORT"
  if [ -n "$cloud" ]; then
    provider="$provider
    Real SDK      bi-local's HTTPS host 127.0.0.1:$BI_CLOUD_PORT; start Chromium with: $(sed -n 's/^# The real SDK.s cloud: run Chromium with //p' "$DEV_DIR/bi-local.env")"
  fi
fi

# The functions, under cargo lambda watch (rebuilt when the code changes).
if [ -z "${AUTH_SECRET:-}" ]; then
  [ -s "$DEV_DIR/auth-secret" ] || python3 -c 'import secrets, base64; print(base64.b64encode(secrets.token_bytes(32)).decode())' >"$DEV_DIR/auth-secret"
  AUTH_SECRET="$(cat "$DEV_DIR/auth-secret")"
  export AUTH_SECRET
fi
# Single-quoted: cargo lambda's .env parser refuses a bare value ending in '=' (base64).
env | grep -E '^(AUTH_|BEYOND_IDENTITY_|SESSION_|AWS_ENDPOINT_URL_DYNAMODB=|AWS_ENDPOINT_URL_SESV2=|AWS_ACCESS_KEY_ID=|AWS_SECRET_ACCESS_KEY=|AWS_REGION=|RUST_LOG=)' \
  | sort | sed -E "s/^([A-Z0-9_]+)=(.*)$/\1='\2'/" >"$DEV_DIR/functions.env"
port_in_use "$FUNCTIONS_PORT" && die "port $FUNCTIONS_PORT is taken; stop what listens there or set DEV_FUNCTIONS_PORT"
say "building the functions (${FUNCTIONS[*]})"
cargo build --quiet "${FUNCTIONS[@]/#/--package=}"
start_bg "the functions under cargo lambda watch" "$LOG_DIR/functions.log" \
  cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$FUNCTIONS_PORT" --env-file "$DEV_DIR/functions.env"
wait_for_port "$FUNCTIONS_PORT" 120 "cargo lambda watch" "${BG_PIDS[-1]}"

# The team's app in front: the example Next.js app, told its public origin as next-auth
# is (NEXTAUTH_URL), on which it asks /api/auth/session from its server.
app_line=""
if [ -n "$APP" ]; then
  port_in_use "$APP_PORT" && die "port $APP_PORT is taken; stop what listens there or set DEV_APP_PORT"
  export NEXTAUTH_URL="$AUTH_URL" NEXT_TELEMETRY_DISABLED=1
  if [ "$SITE_MODE" = preview ]; then
    say "building the example app (examples/nextjs, next build)"
    (cd examples/nextjs && npx next build >"$LOG_DIR/app-build.log" 2>&1) \
      || { tail -n 40 "$LOG_DIR/app-build.log" >&2; die "the example app did not build; see $LOG_DIR/app-build.log"; }
    start_bg "the example app (next start)" "$LOG_DIR/app.log" sh -c "cd examples/nextjs && exec npx next start -H 127.0.0.1 -p $APP_PORT"
  else
    start_bg "the example app (next dev)" "$LOG_DIR/app.log" sh -c "cd examples/nextjs && exec npx next dev -H 127.0.0.1 -p $APP_PORT"
  fi
  wait_for_port "$APP_PORT" 120 "the example app" "${BG_PIDS[-1]}"
  export APP_URL="http://127.0.0.1:$APP_PORT"
  app_line="
    App           $APP_URL  (examples/nextjs in front: every path but /api/auth, /account and the SDK pages)"
fi

# The site, with /api/auth/* proxied to the functions. Against bi-local it uses the SDK
# stand-in (mode bilocal); against Beyond Identity, the real SDK; for Beyond Identity's
# hosted pages, no SDK at all (mode hosted).
site_mode=production
if [ -n "${BI_LOCAL:-}" ] && [ "${DEV_SITE_SDK:-}" != real ]; then site_mode=bilocal; fi
if [ "${BEYOND_IDENTITY_AUTHENTICATOR:-embedded}" = hosted ]; then site_mode=hosted; fi
port_in_use "$SITE_PORT" && die "port $SITE_PORT is taken; stop what listens there or set DEV_SITE_PORT"
export SITE_PORT FUNCTIONS_URL="http://127.0.0.1:$FUNCTIONS_PORT" VITE_BI_LOCAL_AUTH_URL="${BEYOND_IDENTITY_AUTH_BASE_URL:-}"
if [ "$SITE_MODE" = preview ]; then
  say "building the site (mode $site_mode)"
  (cd static-site && npx vite build --mode "$site_mode" --logLevel warn)
  start_bg "the site (built, vite preview)" "$LOG_DIR/site.log" sh -c "cd static-site && exec npx vite preview --mode $site_mode"
else
  start_bg "the site (vite dev server)" "$LOG_DIR/site.log" sh -c "cd static-site && exec npx vite --mode $site_mode"
fi
wait_for_port "$SITE_PORT" 60 "the site" "${BG_PIDS[-1]}"

cat <<TXT

  Local stack is up. Open $AUTH_URL
    Site          $AUTH_URL  (mode $site_mode; /api/auth/* proxied to the functions)$app_line
    DynamoDB      http://127.0.0.1:$DYNAMODB_PORT  (table $SESSION_TABLE)
    Mail          http://127.0.0.1:$DYNAMODB_PORT/moto-api/data.json  (what the functions sent, under "ses"; from $AUTH_EMAIL_FROM)
    Provider      $provider
    Functions     http://127.0.0.1:$FUNCTIONS_PORT/lambda-url/<function>/api/auth/...  ($(IFS=,; echo "${FUNCTIONS[*]}"), under cargo lambda watch)
    Settings      $DEV_DIR/functions.env  (logs in $LOG_DIR)

  Ctrl-C stops everything.
TXT

# Stay up until Ctrl-C, or until one of the services dies (then say which).
while true; do
  for pid in "${BG_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a service stopped unexpectedly; see the logs in $LOG_DIR"
  done
  sleep 1
done
