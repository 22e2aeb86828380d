#!/usr/bin/env bash
# Forward auth through the real proxies a team runs: nginx (auth_request) and Caddy
# (forward_auth), each in front of a small app (upstream.py), each asking the session
# function under `cargo lambda watch` about every request, with the very configuration
# files docs/front-door.md shows (nginx.conf, Caddyfile). Called by tests/dev-smoke.sh
# with `make dev`'s stack running (DEV_* set); it starts and stops its own processes.
source "$(dirname "$0")/../../scripts/lib.sh"

here="$ROOT/tests/forward-auth"
dir="$(mktemp -d "${TMPDIR:-/tmp}/forward-auth.XXXXXX")"
LOG_DIR="$dir"
trap 'stop_bg; rm -rf "$dir"' EXIT
fn="http://127.0.0.1:$DEV_FUNCTIONS_PORT/lambda-url/session"
load_dotenv "$DEV_DIR/functions.env"

app_port="$(free_port)"
start_bg "the app behind the proxies on 127.0.0.1:$app_port" "$dir/app.log" python3 "$here/upstream.py" "$app_port"
wait_for_port "$app_port" 10 "the app"

nginx_port="$(free_port)"
mkdir -p "$dir/nginx"
sed -e "s|@DIR@|$dir/nginx|g" -e "s|@PORT@|$nginx_port|g" -e "s|@AUTH@|$fn|g" -e "s|@APP@|http://127.0.0.1:$app_port|g" \
  "$here/nginx.conf" >"$dir/nginx/nginx.conf"
start_bg "nginx on 127.0.0.1:$nginx_port" "$dir/nginx.log" nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
wait_for_port "$nginx_port" 10 "nginx"

caddy_port="$(free_port)"
mkdir -p "$dir/caddy"
sed -e "s|@PORT@|$caddy_port|g" -e "s|@AUTH@|127.0.0.1:$DEV_FUNCTIONS_PORT|g" -e "s|@AUTH_PATH@|/lambda-url/session|g" \
  -e "s|@APP@|127.0.0.1:$app_port|g" "$here/Caddyfile" >"$dir/caddy/Caddyfile"
XDG_CONFIG_HOME="$dir/caddy" XDG_DATA_HOME="$dir/caddy" HOME="$dir/caddy" \
  start_bg "Caddy on 127.0.0.1:$caddy_port" "$dir/caddy.log" caddy run --adapter caddyfile --config "$dir/caddy/Caddyfile"
wait_for_port "$caddy_port" 10 "Caddy"

# A user signed in with curl (the session cookie), and the session check's own answer.
token="$(scripts/try-sign-in.sh --keep-session forward-auth@example.com 2>"$dir/sign-in.err")" \
  || { cat "$dir/sign-in.err" >&2; die "the curl sign-in failed"; }

# --token=…: a base64url token may begin with "-", which argparse would take for an option.
python3 "$here/check.py" --auth-url "$AUTH_URL" --session-url "$fn/api/auth/session" --app "http://127.0.0.1:$app_port" \
  --token="$token" --proxy "nginx=http://127.0.0.1:$nginx_port" --proxy "caddy=http://127.0.0.1:$caddy_port" \
  || { tail -n 20 "$dir"/*.log "$dir/nginx/nginx-error.log" >&2; die "forward auth failed"; }
say "forward auth works through nginx and Caddy"
