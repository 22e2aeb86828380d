#!/usr/bin/env bash
# Deploys the whole product to AWS with one command, and updates it in place when run
# again: builds the arm64 function zips, uploads them, creates or updates the
# CloudFormation stack, builds the site with the real Beyond Identity SDK (or, with
# BEYOND_IDENTITY_AUTHENTICATOR=hosted, with no SDK at all: Beyond Identity's hosted
# pages bind and sign in), uploads it and invalidates CloudFront; prints the URL and the
# values for the Beyond Identity console.
#
#   infra/deploy.sh [--stack NAME] [--dry-run] [--zips DIR] [--template FILE] [--no-tenant-check]
#
#   --stack NAME        the stack (default: $STACK_NAME or passkey-auth)
#   --dry-run           print what would be done; change nothing
#   --zips DIR          use prebuilt DIR/<function>.zip instead of building
#   --template FILE     deploy another template (the tests use a variant for moto)
#   --no-tenant-check   skip `passkey-auth tenant check` against the deployed URL (the
#                       moto test: there is no Beyond Identity there)
#
# Settings come from the environment or .env (the environment wins): AUTH_SECRET and the
# BEYOND_IDENTITY_* values of README.md; optionally APP_ORIGIN for a custom domain and
# WAF_RATE_LIMIT (requests per 5 minutes per address; the stack must be in us-east-1),
# ALARM_TOPIC_ARN (an SNS topic for the alarms), EXAMPLE_PROTECTED_ROUTE=true (adds GET
# /api/example/me behind the session authorizer) and AUTHORIZER_CACHE_SECONDS (default 0:
# how long API Gateway may reuse the authorizer's answer for one Cookie header). AWS
# credentials and region come from the usual AWS CLI configuration (AWS_PROFILE,
# AWS_REGION, …); AWS_ENDPOINT_URL points the whole script at an emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source scripts/dotenv.sh

FUNCTIONS=(signin callback session register bind-job authorizer)
STACK="${STACK_NAME:-passkey-auth}"
DRY_RUN=""
ZIPS=""
TEMPLATE="infra/template.yaml"
TENANT_CHECK=1
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) STACK="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --zips) ZIPS="$2"; shift 2 ;;
    --template) TEMPLATE="$2"; shift 2 ;;
    --no-tenant-check) TENANT_CHECK=""; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "deploy.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mdeploy.sh:\033[0m %s\n' "$*" >&2; exit 1; }
# run CMD…: runs it, or in --dry-run prints it (secrets never reach the command line).
run() {
  if [ -n "$DRY_RUN" ]; then printf '  would run: %s\n' "$*" >&2; else "$@"; fi
}

# 1. Prerequisites and settings.
export PATH="$ROOT/.venv/bin:$PATH"
missing=()
command -v aws >/dev/null || missing+=("the AWS CLI (scripts/bootstrap.sh installs it into .venv)")
command -v npm >/dev/null || missing+=("Node.js and npm")
command -v python3 >/dev/null || missing+=("python3")
if [ -z "$ZIPS" ]; then
  command -v cargo >/dev/null || missing+=("Rust (rustup)")
  command -v cargo-lambda >/dev/null || missing+=("cargo-lambda (scripts/bootstrap.sh installs it into .venv)")
fi
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"

load_dotenv .env
required=(AUTH_SECRET BEYOND_IDENTITY_ISSUER BEYOND_IDENTITY_CLIENT_ID BEYOND_IDENTITY_CLIENT_SECRET
  BEYOND_IDENTITY_TENANT_ID BEYOND_IDENTITY_REALM_ID BEYOND_IDENTITY_APPLICATION_CONFIG_ID)
if [ -z "${BEYOND_IDENTITY_API_TOKEN:-}" ]; then
  required+=(BEYOND_IDENTITY_ADMIN_REALM_ID BEYOND_IDENTITY_MGMT_APPLICATION_ID BEYOND_IDENTITY_MGMT_CLIENT_ID BEYOND_IDENTITY_MGMT_CLIENT_SECRET)
fi
unset_vars=()
for name in "${required[@]}"; do [ -n "${!name:-}" ] || unset_vars+=("$name"); done
[ ${#unset_vars[@]} -eq 0 ] || die "set these in .env or the environment: ${unset_vars[*]} (AUTH_SECRET: openssl rand -base64 32, once, and keep it)"
case "${BEYOND_IDENTITY_REGION:-us}" in us|eu) ;; *) die "BEYOND_IDENTITY_REGION must be us or eu" ;; esac
authenticator="${BEYOND_IDENTITY_AUTHENTICATOR:-embedded}"
case "$authenticator" in embedded|hosted) ;; *) die "BEYOND_IDENTITY_AUTHENTICATOR must be embedded or hosted" ;; esac

account="$(aws sts get-caller-identity --query Account --output text)" || die "the AWS CLI has no working credentials (aws configure, or AWS_PROFILE)"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[ -n "$region" ] || die "no AWS region: set AWS_REGION"
export AWS_DEFAULT_REGION="$region"
artifacts="$STACK-artifacts-$account-$region"
say "stack $STACK in account $account, region $region${DRY_RUN:+ (dry run)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 2. The function zips.
if [ -z "$ZIPS" ]; then
  say "building arm64 zips (cargo lambda build --release --arm64)"
  rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-gnu \
    || run rustup target add aarch64-unknown-linux-gnu \
    || die "cannot add the Rust target aarch64-unknown-linux-gnu (rustup target add aarch64-unknown-linux-gnu)"
  run cargo lambda build --release --arm64 --output-format zip "${FUNCTIONS[@]/#/--package=}"
  ZIPS="$work/zips"
  mkdir -p "$ZIPS"
  for fn in "${FUNCTIONS[@]}"; do
    [ -n "$DRY_RUN" ] || cp "target/lambda/$fn/bootstrap.zip" "$ZIPS/$fn.zip"
  done
fi

# 3. Upload them, named by content so CloudFormation sees a change only when there is one.
# The bucket's name is predictable, so it must be this account's: a bucket someone else
# created under that name would receive the function code. Every call names the expected
# owner (S3 refuses it for another account's bucket), and a bucket that exists but is not
# among this account's is refused before anything is uploaded.
owned="$(aws s3api list-buckets --query "Buckets[?Name=='$artifacts'].Name" --output text)"
if [ "$owned" != "$artifacts" ]; then
  if head="$(aws s3api head-bucket --bucket "$artifacts" 2>&1)" || ! grep -q "404\|Not Found" <<<"$head"; then
    die "the bucket $artifacts exists but is not this account's ($account): it could receive your function code, so nothing was uploaded. Deploy under another stack name (--stack), and find out who created that bucket."
  fi
  say "creating the artifacts bucket $artifacts"
  if [ "$region" = us-east-1 ]; then
    run aws s3api create-bucket --bucket "$artifacts" >/dev/null
  else
    run aws s3api create-bucket --bucket "$artifacts" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  fi
  run aws s3api put-public-access-block --bucket "$artifacts" --expected-bucket-owner "$account" \
    --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
fi
declare -A keys
for fn in "${FUNCTIONS[@]}"; do
  if [ -n "$DRY_RUN" ] && [ ! -f "$ZIPS/$fn.zip" ]; then keys[$fn]="functions/$fn-DRYRUN.zip"; continue; fi
  [ -f "$ZIPS/$fn.zip" ] || die "no $ZIPS/$fn.zip"
  keys[$fn]="functions/$fn-$(sha256sum "$ZIPS/$fn.zip" | cut -c1-16).zip"
  run aws s3api put-object --bucket "$artifacts" --key "${keys[$fn]}" --body "$ZIPS/$fn.zip" \
    --expected-bucket-owner "$account" >/dev/null
done

# 4. The secrets, into Parameter Store as SecureString (each function reads the ones it
# needs at cold start; none sits in a function's environment), through private files,
# never the command line. The origin secret (CloudFront → API) and the audit key are
# generated on the first deploy and kept afterwards.
prefix="/$STACK/"
kept() { aws ssm get-parameter --name "$prefix$1" --with-decryption --query Parameter.Value --output text 2>/dev/null || true; }
ORIGIN_VERIFY_SECRET="$(kept ORIGIN_VERIFY_SECRET)" AUDIT_KEY="$(kept AUDIT_KEY)" \
  python3 - "$work" "$prefix" <<'PY'
import json, os, secrets, sys
work, prefix = sys.argv[1], sys.argv[2]
values = {
    "AUTH_SECRET": os.environ["AUTH_SECRET"],
    "BEYOND_IDENTITY_CLIENT_SECRET": os.environ["BEYOND_IDENTITY_CLIENT_SECRET"],
    "BEYOND_IDENTITY_MGMT_CLIENT_SECRET": os.environ.get("BEYOND_IDENTITY_MGMT_CLIENT_SECRET", ""),
    "BEYOND_IDENTITY_API_TOKEN": os.environ.get("BEYOND_IDENTITY_API_TOKEN", ""),
    "ORIGIN_VERIFY_SECRET": os.environ.get("ORIGIN_VERIFY_SECRET") or secrets.token_urlsafe(32),
    "AUDIT_KEY": os.environ.get("AUDIT_KEY") or secrets.token_urlsafe(32),
}
for name, value in values.items():
    path = os.path.join(work, f"ssm-{name}.json")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        if value:
            json.dump({"Name": prefix + name, "Value": value, "Type": "SecureString", "Overwrite": True}, f)
with open(os.open(os.path.join(work, "origin-secret"), os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write(values["ORIGIN_VERIFY_SECRET"])
PY
say "storing the secrets in Parameter Store under $prefix (SecureString)"
for file in "$work"/ssm-*.json; do
  name="$(basename "$file" .json)"; name="${name#ssm-}"
  if [ -s "$file" ]; then
    run aws ssm put-parameter --cli-input-json "file://$file" >/dev/null
  else
    # Not set (say, a static API token given up for client credentials): none may linger.
    run aws ssm delete-parameter --name "$prefix$name" >/dev/null 2>&1 || true
  fi
done

# 5. The stack. Parameters go through a private file, never the command line.
stack_exists=""
if aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1; then stack_exists=1; fi
python3 - "$work/parameters.json" "$work/origin-secret" <<PY
import json, os, sys
values = {
    "CodeBucket": "$artifacts",
    "SigninZip": "${keys[signin]}", "CallbackZip": "${keys[callback]}", "SessionZip": "${keys[session]}",
    "RegisterZip": "${keys[register]}", "BindJobZip": "${keys[bind-job]}", "AuthorizerZip": "${keys[authorizer]}",
    "AppOrigin": os.environ.get("APP_ORIGIN", ""),
    "OriginVerifySecret": open(sys.argv[2]).read(),
    "Issuer": os.environ["BEYOND_IDENTITY_ISSUER"],
    "ClientId": os.environ["BEYOND_IDENTITY_CLIENT_ID"],
    "Region": os.environ.get("BEYOND_IDENTITY_REGION", "us"),
    "TenantId": os.environ["BEYOND_IDENTITY_TENANT_ID"],
    "RealmId": os.environ["BEYOND_IDENTITY_REALM_ID"],
    "ApplicationConfigId": os.environ["BEYOND_IDENTITY_APPLICATION_CONFIG_ID"],
    "Authenticator": "$authenticator",
    "AdminRealmId": os.environ.get("BEYOND_IDENTITY_ADMIN_REALM_ID", ""),
    "MgmtApplicationId": os.environ.get("BEYOND_IDENTITY_MGMT_APPLICATION_ID", ""),
    "MgmtClientId": os.environ.get("BEYOND_IDENTITY_MGMT_CLIENT_ID", ""),
    "SessionIdleTimeout": os.environ.get("SESSION_IDLE_TIMEOUT", "24h"),
    "SessionMaxAge": os.environ.get("SESSION_MAX_AGE", "7d"),
    "WafRateLimit": os.environ.get("WAF_RATE_LIMIT", "0"),
    "AlarmTopicArn": os.environ.get("ALARM_TOPIC_ARN", ""),
    "ExampleProtectedRoute": os.environ.get("EXAMPLE_PROTECTED_ROUTE", "false"),
    "AuthorizerCacheSeconds": os.environ.get("AUTHORIZER_CACHE_SECONDS", "0"),
}
with open(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    json.dump([{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()], f)
PY
if [ -n "$stack_exists" ]; then
  say "updating the stack"
  if [ -n "$DRY_RUN" ]; then
    run aws cloudformation update-stack --stack-name "$STACK" --template-body "file://$TEMPLATE" --parameters "file://$work/parameters.json" --capabilities CAPABILITY_IAM
  elif out="$(aws cloudformation update-stack --stack-name "$STACK" --template-body "file://$TEMPLATE" \
      --parameters "file://$work/parameters.json" --capabilities CAPABILITY_IAM 2>&1)"; then
    aws cloudformation wait stack-update-complete --stack-name "$STACK"
  elif grep -q "No updates are to be performed" <<<"$out"; then
    say "the stack is already up to date"
  else
    die "update-stack failed: $out"
  fi
else
  say "creating the stack (CloudFront takes a few minutes)"
  run aws cloudformation create-stack --stack-name "$STACK" --template-body "file://$TEMPLATE" \
    --parameters "file://$work/parameters.json" --capabilities CAPABILITY_IAM >/dev/null
  run aws cloudformation wait stack-create-complete --stack-name "$STACK"
fi

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text 2>/dev/null
}

# 6. The site, with the real SDK (or none, for the hosted pages), and a fresh CloudFront
# view of it.
if [ "$authenticator" = hosted ]; then
  say "building the site (hosted: no SDK; Beyond Identity's hosted pages bind and sign in)"
  site_mode=hosted; dist=static-site/dist-hosted
else
  say "building the site (production: the real Beyond Identity SDK)"
  site_mode=production; dist=static-site/dist
fi
run sh -c "cd static-site && npm ci --no-audit --no-fund --loglevel=error && npx vite build --mode $site_mode --logLevel warn"
if [ -n "$DRY_RUN" ] && ! aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1; then
  site_bucket="<SiteBucket>"; distribution="<DistributionId>"; url="https://<distribution>.cloudfront.net"
else
  site_bucket="$(output SiteBucket)"; distribution="$(output DistributionId)"; url="$(output SiteUrl)"
fi
say "uploading the site to s3://$site_bucket"
run aws s3 sync --only-show-errors --delete --exclude '*.html' --cache-control 'public, max-age=31536000, immutable' "$dist" "s3://$site_bucket"
run aws s3 sync --only-show-errors --delete --exclude '*' --include '*.html' --cache-control 'no-cache' "$dist" "s3://$site_bucket"
run aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' --query Invalidation.Id --output text >/dev/null

if [ "$authenticator" = hosted ]; then
  console="    Authenticator config             Hosted Web, with a passkey among its authentication methods"
else
  console="    Authenticator config invoke URL  $url
    Authenticator config trusted origin  $url"
fi
cat <<TXT

  Deployed: $url

  In the Beyond Identity console:
    Application redirect URI         $url/api/auth/callback/beyondidentity
$console
TXT

# 7. The tenant, checked against the deployed URL: the redirect URI, invoke URL and
# trusted origin above must be in the console for sign-in to work.
if [ -n "$TENANT_CHECK" ]; then
  say "checking the Beyond Identity tenant for ${APP_ORIGIN:-$url} (passkey-auth tenant check)"
  if [ -n "$DRY_RUN" ]; then
    run cargo run --quiet -p passkey-auth-operator -- tenant check
  elif ! AUTH_URL="${APP_ORIGIN:-$url}" cargo run --quiet -p passkey-auth-operator -- tenant check; then
    printf '\n\033[33mThe stack is deployed, but sign-in will fail until the problems above are fixed\033[0m (then: AUTH_URL=%s make tenant-check).\n' "${APP_ORIGIN:-$url}" >&2
  fi
fi
