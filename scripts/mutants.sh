#!/usr/bin/env bash
# `make mutants`: mutation testing of the security core with cargo-mutants, in place and
# incrementally, against the local servers the tests need; not part of `make test` (the
# whole core is about 800 mutants, at under 9 s each with JOBS=2 on two cores).
#
#   make mutants                      every file of the core (hours)
#   make mutants FILE=shared/src/oidc/flow.rs   (several: FILE="a.rs b.rs")
#   make mutants SHARD=1/8            one eighth of the core's mutants
#   make mutants JOBS=2 FILE=…        two mutants at once, each in a copy of the tree
#
# In place (JOBS=1, the default) the tree must not be edited while it runs. A test phase
# keeps less than one core busy (its servers wait on sockets), so JOBS=2 overlaps one
# mutant's tests with the next one's build (measured: 444 mutants in 69 minutes, after about
# 6 minutes building the baseline and the two copies). Each copy takes the whole tree, its target
# folder and ignored files included (the tests' npm packages and .venv), so it needs that
# much free disk.
#
# Each run merges its outcomes into docs/mutants-record.json (committed, so that a run on
# any machine adds to what earlier runs measured; each run's raw outcomes are also kept,
# uncommitted, under mutants.out/runs/) and rewrites the table of docs/MUTATION.md from
# that record, with the date and the command. Files
# are tested one after another: to end a long run early and keep the files it finished,
# stop cargo-mutants itself (`pkill -INT cargo-mutants`); a file whose mutants were not
# all tested is not recorded. Equivalent mutants (which cannot change behaviour) are
# listed in docs/mutants-equivalent.txt with the reason, and counted apart.
source "$(dirname "$0")/lib.sh"

CORE=(
  "shared/src/config/*.rs" "shared/src/oidc/*.rs" "shared/src/session/*.rs" "shared/src/http/*.rs"
  "shared/src/routes/*.rs" "shared/src/routes/account/*.rs" shared/src/account.rs
  "shared/src/events/*.rs" shared/src/store/dynamo.rs shared/src/outbound/aws.rs
  shared/src/outbound/aws_json.rs
  shared/src/telemetry/audit.rs shared/src/email.rs shared/src/management.rs
  "verifier/src/*.rs"
  operator/src/sessions.rs operator/src/account.rs "operator/src/tenant/*.rs"
)
files=("${CORE[@]}")
# shellcheck disable=SC2206 # FILE is a space-separated list of paths or globs
[ -n "${FILE:-}" ] && files=($FILE)

# cargo-mutants, pinned, installed into the project (.tools/bin) when missing or of
# another version, as bootstrap installs the other tools: the same mutants and the same
# outcomes on every machine.
CARGO_MUTANTS_VERSION="27.1.0"
export PATH="$ROOT/.tools/bin:$PATH"
if [ "$(cargo mutants --version 2>/dev/null)" != "cargo-mutants $CARGO_MUTANTS_VERSION" ]; then
  say "installing cargo-mutants $CARGO_MUTANTS_VERSION into .tools (once)"
  cargo install cargo-mutants --version "$CARGO_MUTANTS_VERSION" --locked --quiet --root "$ROOT/.tools" \
    || die "could not install cargo-mutants $CARGO_MUTANTS_VERSION (it needs crates.io)"
fi
scripts/bootstrap.sh

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX")"
trap 'stop_bg; rm -rf "$LOG_DIR"' EXIT
port="$(free_port)"
export SESSION_TABLE="mutants-sessions"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
start_dynamodb "$port" "$SESSION_TABLE"

# The session check lives in passkey-verifier; the tests that exercise it most are
# passkey-auth's (function tests through the routes), and the operator's command is built
# on both: the three packages' tests run for every mutant of any of them. (cargo-mutants' baseline runs only the mutated package's tests,
# so its time cannot set the mutants' timeout: --timeout does, about 5x the suite.)
args=(--profile mutants --package passkey-auth --package passkey-verifier
  --package passkey-auth-operator --test-package passkey-auth,passkey-verifier,passkey-auth-operator
  --timeout 120 --output "$LOG_DIR")
if [ "${JOBS:-1}" -gt 1 ]; then
  args+=(--jobs "$JOBS" --gitignore false)
else
  args+=(--in-place)
fi
for f in "${files[@]}"; do args+=(--file "$f"); done
[ -n "${SHARD:-}" ] && args+=(--shard "$SHARD")
# The tests only (unit and integration): no doctests (the one is `no_run` documentation
# that examples/axum.rs compiles), no examples and no benchmarks, which assert nothing and
# would be built again for every mutant.
args+=(--no-shuffle -- --lib --tests)
say "cargo mutants ${args[*]}"
# cargo-mutants exits non-zero when mutants are missed; the table says which.
cargo mutants "${args[@]}" || true
[ -f "$LOG_DIR/mutants.out/outcomes.json" ] || die "cargo mutants tested nothing: docs/MUTATION.md is left as it was"
mkdir -p mutants.out
python3 scripts/mutation_report.py "$LOG_DIR/mutants.out/outcomes.json" mutants.out docs/MUTATION.md \
  "make mutants${JOBS:+ JOBS=$JOBS}${FILE:+ FILE=\"$FILE\"}${SHARD:+ SHARD=$SHARD}"
say "docs/MUTATION.md updated"
