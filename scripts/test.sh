#!/usr/bin/env bash
# `make test`: every check CI runs, in order; stops at the first failure.
source "$(dirname "$0")/lib.sh"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/auth-test.XXXXXX")"
scripts/bootstrap.sh
trap 'stop_bg; rm -rf "$LOG_DIR"' EXIT

say "formatting: cargo fmt --check"
cargo fmt --all -- --check

say "lints: cargo clippy, warnings are errors"
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "TLS is rustls only: no openssl-sys in the dependency tree"
if cargo tree --workspace --target all -i openssl-sys 2>/dev/null | grep -q openssl-sys; then
  cargo tree --workspace --target all -i openssl-sys >&2
  die "openssl-sys is in the dependency tree"
fi

say "infrastructure: cfn-lint, and the template held against the code"
cfn-lint infra/template.yaml infra/waf.yaml
python3 -m unittest discover -s tests/infra

say "deploy script against moto's AWS API server (deploy, update, dry run, teardown)"
tests/infra/deploy-moto.sh

say "local DynamoDB server for the tests"
DYNAMODB_PORT="$(free_port)"
export SESSION_TABLE="auth-sessions-test"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
start_dynamodb "$DYNAMODB_PORT" "$SESSION_TABLE"

say "Rust tests: unit, bi-local, functions, hostile provider"
cargo test --workspace --quiet

say "site: format and lint (biome), type check, a production bundle with the real SDK and none of the stand-in, and a hosted one with neither"
(cd static-site && npx biome ci --colors=off . && npx tsc --noEmit -p . && node --test --test-reporter=dot test/ && npx vite build --logLevel warn)
grep -rqE 'bi-local-(bind|authenticate):|/_emulator/' static-site/dist && die "the production bundle contains the SDK stand-in"
grep -rq 'kmc' static-site/dist/account/assets || die "the production bundle does not contain the real Beyond Identity SDK"
(cd static-site && npx vite build --mode hosted --logLevel warn)
grep -rqE 'kmc|bi-local-(bind|authenticate):|/_emulator/' static-site/dist-hosted && die "the hosted bundle contains an SDK"

say "make dev smoke test (and a curl sign-in through cargo lambda watch)"
tests/dev-smoke.sh

say "browser tests (Chromium, playwright-core)"
tests/e2e/run.sh

say "all tests passed"
