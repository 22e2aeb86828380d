#!/usr/bin/env bash
# Removes everything infra/deploy.sh created: the site's files, the stack (functions,
# API, distribution, roles, logs, bucket), its WAF stack in us-east-1 (NAME-waf), the
# session table (kept by the stack's deletion policy, so deleted here unless
# --keep-data), the artifacts bucket and the secrets.
#
#   infra/teardown.sh [--stack NAME] [--keep-data]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"

STACK="${STACK_NAME:-passkey-auth}"
KEEP_DATA=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) STACK="$2"; shift 2 ;;
    --keep-data) KEEP_DATA=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "teardown.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

account="$(aws sts get-caller-identity --query Account --output text)"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
export AWS_DEFAULT_REGION="$region"
output() {
  aws cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

if aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1; then
  site_bucket="$(output SiteBucket)"
  table="$(output SessionTable)"
  say "emptying s3://$site_bucket"
  aws s3 rm --only-show-errors --recursive "s3://$site_bucket"
  say "deleting the stack $STACK (CloudFront takes a few minutes)"
  aws cloudformation delete-stack --stack-name "$STACK"
  aws cloudformation wait stack-delete-complete --stack-name "$STACK"
  if [ -z "$KEEP_DATA" ] && [ -n "$table" ] && [ "$table" != None ]; then
    say "deleting the session table $table"
    aws dynamodb delete-table --table-name "$table" >/dev/null
  fi
else
  say "no stack $STACK"
fi
# Its web ACL, once the distribution that used it is gone.
if aws cloudformation describe-stacks --region us-east-1 --stack-name "$STACK-waf" >/dev/null 2>&1; then
  say "deleting the stack $STACK-waf (us-east-1)"
  aws cloudformation delete-stack --region us-east-1 --stack-name "$STACK-waf"
  aws cloudformation wait stack-delete-complete --region us-east-1 --stack-name "$STACK-waf"
fi
artifacts="$STACK-artifacts-$account-$region"
# Only this account's bucket of that name (deploy.sh refuses another account's).
if [ "$(aws s3api list-buckets --query "Buckets[?Name=='$artifacts'].Name" --output text)" = "$artifacts" ]; then
  say "deleting the artifacts bucket $artifacts"
  aws s3 rb --force "s3://$artifacts" >/dev/null
fi
names="$(aws ssm get-parameters-by-path --path "/$STACK/" --query 'Parameters[].Name' --output text 2>/dev/null || true)"
if [ -n "$names" ]; then
  say "deleting the secrets in Parameter Store under /$STACK/"
  # shellcheck disable=SC2086 # the names are words
  aws ssm delete-parameters --names $names >/dev/null
fi
say "done"
