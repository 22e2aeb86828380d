#!/usr/bin/env bash
# `make bench`: builds what is measured, starts the servers it is measured against, runs
# tests/bench and writes docs/BENCHMARKS.md. Not part of `make test` (nothing there
# depends on timing). BENCH_QUICK=1 takes small samples, to try the bench itself.
source "$(dirname "$0")/lib.sh"

FUNCTIONS=(session signin callback register bind-job authorizer)
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/auth-bench.XXXXXX")"
scripts/bootstrap.sh
trap 'stop_bg; rm -rf "$LOG_DIR"' EXIT

say "release binaries of the five functions, and the bench"
cargo build --release --quiet "${FUNCTIONS[@]/#/--package=}"
cargo build --quiet --package bench

say "deployment packages (cargo lambda build --release --arm64)"
ZIP_ARCH=arm64
if rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu; then
  cargo lambda build --release --arm64 --output-format zip --quiet "${FUNCTIONS[@]/#/--package=}"
else
  say "the Rust target aarch64-unknown-linux-gnu cannot be added here: measuring x86_64 zips instead"
  ZIP_ARCH="x86_64 (no arm64 toolchain here)"
  cargo lambda build --release --x86-64 --output-format zip --quiet "${FUNCTIONS[@]/#/--package=}"
fi

say "micro-benchmarks (criterion)"
rm -rf target/criterion
cargo bench --quiet --package passkey-auth --bench core -- --warm-up-time 1 --measurement-time 3 >"$LOG_DIR/criterion.log" 2>&1

say "NextAuth v4 with the DynamoDB adapter (tests/bench/nextauth)"
NEXTAUTH_DIR=tests/bench/nextauth
want="$(sha256sum "$NEXTAUTH_DIR/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$NEXTAUTH_DIR/node_modules/.lock.sha" 2>/dev/null)" != "$want" ]; then
  (cd "$NEXTAUTH_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$NEXTAUTH_DIR/node_modules/.lock.sha"
fi
(cd "$NEXTAUTH_DIR" && NEXT_TELEMETRY_DISABLED=1 npx next build >"$LOG_DIR/next-build.log" 2>&1) \
  || die "next build failed; see $LOG_DIR/next-build.log"

say "local DynamoDB server, and a TLS terminator in front of it"
DYNAMODB_PORT="$(free_port)"
export SESSION_TABLE="auth-sessions-bench"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
start_dynamodb "$DYNAMODB_PORT" "$SESSION_TABLE"

TLS_PORT=""
if ! command -v haproxy >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq haproxy >/dev/null 2>&1 || true
fi
if command -v haproxy >/dev/null && command -v openssl >/dev/null; then
  tls="$LOG_DIR/tls"
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=bench test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
  cat "$tls/server.pem" "$tls/server.key" >"$tls/haproxy.pem"
  TLS_PORT="$(free_port)"
  cat >"$tls/haproxy.cfg" <<EOF
global
  maxconn 1024
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend dynamodb
  bind 127.0.0.1:$TLS_PORT ssl crt $tls/haproxy.pem
  default_backend moto
backend moto
  server moto 127.0.0.1:$DYNAMODB_PORT
EOF
  start_bg "haproxy (TLS) on 127.0.0.1:$TLS_PORT" "$LOG_DIR/haproxy.log" haproxy -db -f "$tls/haproxy.cfg"
  wait_for_port "$TLS_PORT" 10 haproxy
  # The functions, and the bench's own client of the same configuration, trust the
  # test CA through AWS_CA_BUNDLE (passkey_auth::outbound::aws).
  export BENCH_DYNAMODB_TLS="https://127.0.0.1:$TLS_PORT" BENCH_CA_BUNDLE="$tls/ca.pem" AWS_CA_BUNDLE="$tls/ca.pem"
else
  say "haproxy or openssl is missing: the TLS rows are left out"
fi

NEXT_PORT="$(free_port)"
export NEXTAUTH_TABLE="next-auth-bench"
BENCH_NEXTAUTH_TOKEN="$(cd "$NEXTAUTH_DIR" && node seed.mjs 2>>"$LOG_DIR/seed.log")" \
  || die "seeding NextAuth's table failed; see $LOG_DIR/seed.log"
export BENCH_NEXTAUTH_TOKEN
start_bg "NextAuth (next start) on 127.0.0.1:$NEXT_PORT" "$LOG_DIR/next.log" \
  env -C "$NEXTAUTH_DIR" NEXTAUTH_URL="http://127.0.0.1:$NEXT_PORT" \
  NEXTAUTH_SECRET="$(head -c 32 /dev/urandom | base64)" NEXT_TELEMETRY_DISABLED=1 \
  npx next start -H 127.0.0.1 -p "$NEXT_PORT"
wait_for_port "$NEXT_PORT" 30 "next start"
export BENCH_NEXTAUTH_URL="http://127.0.0.1:$NEXT_PORT"

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
mem="$(free -g | awk '/^Mem:/ {print $2}')"
export BENCH_HEADER="Last run: $(date -u '+%Y-%m-%d %H:%M UTC'), \`make bench\`, on $(nproc) cores of ${cpu:-an unknown CPU}, ${mem} GiB, $(uname -sm); $(rustc --version | cut -d' ' -f1-2), moto $(python -c 'import moto; print(moto.__version__)'), Node.js $(node --version), next-auth $(node -p 'require("./tests/bench/nextauth/node_modules/next-auth/package.json").version'), haproxy $(haproxy -v 2>/dev/null | head -1 | awk '{print $3}')."
export BENCH_BIN_DIR="$ROOT/target/release" BENCH_ZIP_DIR="$ROOT/target/lambda" BENCH_ZIP_ARCH="$ZIP_ARCH"
export BENCH_CRITERION_DIR="$ROOT/target/criterion" BENCH_OUT="$ROOT/docs/BENCHMARKS.md"

say "measuring (a few minutes)"
target/debug/bench

say "the site in Chromium: bytes per page, and a sign-in cold and warm (production build, real SDK)"
(
  unset AWS_CA_BUNDLE AWS_ENDPOINT_URL_DYNAMODB BENCH_CA_BUNDLE
  export SESSION_TABLE="bench-site-sessions" DEV_SITE_MODE=preview DEV_SITE_SDK=real
  mkdir -p "$LOG_DIR/site"
  trap 'stop_dev_stack' EXIT
  start_dev_stack "$LOG_DIR/site"
  cd tests/e2e
  SITE_URL="http://localhost:$DEV_SITE_PORT" BI_AUTH_URL="http://127.0.0.1:$DEV_BI_AUTH_PORT" \
    BI_ENV_FILE="$LOG_DIR/site/bi-local.env" ARTIFACTS="$LOG_DIR/site/shots" \
    BENCH_CHROMIUM_VERSION="$(chromium --version 2>/dev/null | awk '{print $2}')" \
    BENCH_SAMPLES="${BENCH_QUICK:+2}" node bench-browser.mjs
)
