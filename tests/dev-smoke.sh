#!/usr/bin/env bash
# Starts `make dev`'s script on free ports, checks that every service it prints answers,
# drives a whole sign-in with curl through the functions under `cargo lambda watch`
# (scripts/try-sign-in.sh, docs/development.md's walkthrough), then stops it and checks that
# nothing it started is left running.
source "$(dirname "$0")/../scripts/lib.sh"

dir="$(mktemp -d "${TMPDIR:-/tmp}/dev-smoke.XXXXXX")"
trap 'stop_dev_stack; rm -rf "$dir"' EXIT
export SESSION_TABLE="smoke-sessions"
start_dev_stack "$dir"

python3 - "$dir/bi-local.env" <<'PY'
import json, sys, urllib.request
env = dict(l.split("=", 1) for l in open(sys.argv[1]).read().splitlines() if l and not l.startswith("#"))
meta = json.load(urllib.request.urlopen(env["BEYOND_IDENTITY_ISSUER"] + "/.well-known/openid-configuration", timeout=5))
assert meta["issuer"] == env["BEYOND_IDENTITY_ISSUER"], meta
outbox = json.load(urllib.request.urlopen(env["BEYOND_IDENTITY_AUTH_BASE_URL"] + "/_emulator/outbox", timeout=5))
assert outbox == {"emails": []}, outbox
PY
python3 scripts/session_table.py --endpoint "http://127.0.0.1:$DEV_DYNAMODB_PORT" --table "$SESSION_TABLE" --wait 5 >/dev/null

# The site (Vite's dev server): the security headers (the strict policy on home, the SDK
# pages' on /bind, /bi-authenticate and /device), and /api/auth/* proxied.
python3 - "http://localhost:$DEV_SITE_PORT" <<'PY'
import json, sys, urllib.request
site = sys.argv[1]
home = urllib.request.urlopen(site + "/", timeout=30)
csp = home.headers["Content-Security-Policy"]
assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, csp
assert "'unsafe-eval'" not in csp, csp
assert home.headers["X-Content-Type-Options"] == "nosniff"
for page in ["/bind?x=1", "/bi-authenticate?request=x", "/device"]:
    answer = urllib.request.urlopen(site + page, timeout=30)
    assert answer.status == 200, page
    assert "'unsafe-eval'" in answer.headers["Content-Security-Policy"], page
assert json.load(urllib.request.urlopen(site + "/api/auth/session", timeout=60)) is False
PY

scripts/try-sign-in.sh smoke@example.com >"$dir/sign-in.out" 2>"$dir/sign-in.err" || { cat "$dir/sign-in.err" >&2; die "the curl sign-in failed"; }
python3 - "$dir/sign-in.out" <<'PY'
import json, sys
session, signed_out_ok, after = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.strip()]
assert session["user"]["email"] == "smoke@example.com", session
assert signed_out_ok == {"ok": True}, signed_out_ok
assert after is False, after
PY

say "forward auth through real nginx and Caddy, against the functions of this stack"
tests/forward-auth/run.sh

stop_dev_stack
for port in "$DEV_DYNAMODB_PORT" "$DEV_BI_AUTH_PORT" "$DEV_BI_API_PORT" "$DEV_FUNCTIONS_PORT" "$DEV_SITE_PORT"; do
  if port_in_use "$port"; then die "something still listens on $port after make dev stopped"; fi
done
say "make dev came up (DynamoDB, bi-local, functions, site), signed in with curl, and stopped cleanly"
