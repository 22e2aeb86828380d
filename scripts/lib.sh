# Shared helpers for the scripts; `source` it. Puts the project's Python tools on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$HOME/.cargo/bin:$PATH"

# Dummy credentials for the local DynamoDB server: the AWS SDK insists on some.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# A TCP port that is free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_in_use PORT: true if something listens on 127.0.0.1:PORT.
port_in_use() {
  python3 -c 'import socket, sys; s = socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

# wait_for_port PORT SECONDS WHAT [PID]: waits until 127.0.0.1:PORT accepts
# connections; gives up early if process PID has exited.
wait_for_port() {
  local deadline=$((SECONDS + $2))
  until port_in_use "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || die "$3 did not start listening on 127.0.0.1:$1 within $2 s"
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
      die "$3 exited before it listened on 127.0.0.1:$1; see its log in ${LOG_DIR:-the log directory}"
    fi
    sleep 0.1
  done
}

# start_bg NAME LOG COMMAND...: runs COMMAND in its own process group, logging to LOG;
# remembers it in BG_PIDS so that stop_bg can end it and everything it started.
BG_PIDS=()
start_bg() {
  local name="$1" log="$2"
  shift 2
  setsid "$@" >"$log" 2>&1 &
  BG_PIDS+=("$!")
  say "started $name (log: $log)"
}

stop_bg() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${BG_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BG_PIDS=()
}

source "$ROOT/scripts/dotenv.sh"

# start_dynamodb PORT TABLE: the local DynamoDB server (moto) and the session table.
start_dynamodb() {
  port_in_use "$1" && die "port $1 is taken; stop what listens there (a DynamoDB server from an earlier run?) or set DEV_DYNAMODB_PORT"
  start_bg "DynamoDB (moto) on 127.0.0.1:$1" "$LOG_DIR/dynamodb.log" moto_server -H 127.0.0.1 -p "$1"
  python3 scripts/session_table.py --endpoint "http://127.0.0.1:$1" --table "$2" --wait 30
}

# start_dev_stack DIR: runs scripts/dev.sh in the background on free ports (the DEV_*
# variables it exports), logging to DIR/out.log, and waits until it is up. Sets DEV_PID;
# stop_dev_stack stops it. For the tests that need the whole product running.
DEV_PID=""
start_dev_stack() {
  export DEV_DIR="$1" DEV_DYNAMODB_PORT="$(free_port)" DEV_BI_AUTH_PORT="$(free_port)" DEV_BI_API_PORT="$(free_port)"
  export DEV_FUNCTIONS_PORT="$(free_port)" DEV_SITE_PORT="$(free_port)" DEV_BI_CLOUD_PORT="$(free_port)"
  export DEV_APP_PORT="$(free_port)"
  # Settings from the environment would make make dev skip bi-local; the tests want it.
  unset BEYOND_IDENTITY_ISSUER BEYOND_IDENTITY_DISCOVERY AUTH_URL
  : >"$1/out.log"
  scripts/dev.sh >"$1/out.log" 2>&1 &
  DEV_PID=$!
  local deadline=$((SECONDS + 600))
  until grep -q "Local stack is up" "$1/out.log"; do
    kill -0 "$DEV_PID" 2>/dev/null || { cat "$1/out.log" >&2; die "make dev exited before it was up"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$1/out.log" >&2; die "make dev was not up within 600 s"; }
    sleep 0.5
  done
}

stop_dev_stack() {
  [ -n "$DEV_PID" ] || return 0
  kill -TERM "$DEV_PID" 2>/dev/null || true
  wait "$DEV_PID" 2>/dev/null || true
  DEV_PID=""
}
