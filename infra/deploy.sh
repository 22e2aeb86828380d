#!/usr/bin/env bash
# Deploys the whole product to AWS with one command, and updates it in place when run
# again: builds the arm64 function zips, uploads them, creates or updates the
# CloudFormation stack, builds the site with the real Beyond Identity SDK (or, with
# BEYOND_IDENTITY_AUTHENTICATOR=hosted, with no SDK at all: Beyond Identity's hosted
# pages bind and sign in), uploads it and invalidates CloudFront; prints the URL and the
# values for the Beyond Identity console.
#
#   infra/deploy.sh [--stack NAME] [--env-file FILE] [--dry-run] [--zips DIR] [--template FILE] [--waf-template FILE] [--no-tenant-check]
#
#   --stack NAME        the stack (default: $STACK_NAME or passkey-auth)
#   --env-file FILE     the stack's settings (default: .env); one file per stage, e.g.
#                       --stack shop-staging --env-file .env.staging
#   --dry-run           print what would be done; change nothing
#   --zips DIR          use prebuilt DIR/<function>.zip instead of building
#   --template FILE     deploy another template (the tests use a variant for moto)
#   --waf-template FILE the same for infra/waf.yaml
#   --no-tenant-check   skip `passkey-auth tenant check` against the deployed URL (the
#                       moto test: there is no Beyond Identity there)
#
# Settings come from the environment or the settings file (the environment wins):
# AUTH_SECRET and the BEYOND_IDENTITY_* values of README.md; optionally the front door of
# docs/front-door.md: APP_UPSTREAM (the team's app, https://host[:port][/path], which gets
# every path the sign-in does not keep), DOMAIN_NAME with CERTIFICATE_ARN (an ACM
# certificate in us-east-1 that covers it) and HOSTED_ZONE_ID (a Route 53 zone for its
# records) or PUBLIC_URL (the origin users see when a CDN of your own is in front),
# AUTH_ERROR_PAGE and AUTH_LANDING_PAGE; and
# WAF_RATE_LIMIT (requests per 5 minutes per address before AWS WAF blocks it: a web ACL
# in a stack of its own, NAME-waf, in us-east-1 where CloudFront reads them, whatever the
# Region of the main stack) or WAF_WEB_ACL_ARN (a web ACL of your own, CLOUDFRONT scope);
# SESSION_CHECK_RATE, SIGN_IN_RATE, ACCOUNT_RATE and REGISTER_RATE (the API's throttles,
# requests per second for everyone together; docs/deploy.md, "Capacity"); EVENTS=on (an
# EventBridge bus, NAME-events, that the account's events go to; docs/events.md);
# EMAIL_FROM (the sender of the product's own mail, verified in SES: changes of address);
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
WAF_TEMPLATE="infra/waf.yaml"
TENANT_CHECK=1
ENV_FILE=".env"
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) STACK="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --zips) ZIPS="$2"; shift 2 ;;
    --template) TEMPLATE="$2"; shift 2 ;;
    --waf-template) WAF_TEMPLATE="$2"; shift 2 ;;
    --no-tenant-check) TENANT_CHECK=""; shift ;;
    --env-file) ENV_FILE="$2"; shift 2 ;;
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

[ "$ENV_FILE" = .env ] || [ -f "$ENV_FILE" ] || die "no settings file $ENV_FILE"
load_dotenv "$ENV_FILE"
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
[ -z "${APP_ORIGIN:-}" ] || die "APP_ORIGIN is no longer read: for your own domain set DOMAIN_NAME and CERTIFICATE_ARN (or PUBLIC_URL, with a CDN of your own in front), for your app behind the sign-in APP_UPSTREAM (docs/front-door.md)"

# The front door's settings, checked before anything is built: the team's app as
# CloudFront's origin parts, and the custom domain with its certificate.
front_door="$(python3 - <<'PY'
import os, re, shlex, sys
from urllib.parse import urlsplit

def fail(message):
    print(f"die {shlex.quote(message)}")
    sys.exit(0)

out = {"app_domain": "", "app_protocol": "https", "app_port": "443", "app_path": ""}
upstream = os.environ.get("APP_UPSTREAM", "")
domain = os.environ.get("DOMAIN_NAME", "")
if upstream:
    url = urlsplit(upstream)
    host = (url.hostname or "").lower()
    s3_website = re.fullmatch(r"[a-z0-9.-]+\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(\.cn)?", host)
    if url.scheme not in ("https", "http") or not host or url.username or url.query or url.fragment or "#" in upstream:
        fail("APP_UPSTREAM must be your app's address, https://host[:port][/path], without user, query or fragment")
    if url.scheme == "http" and not s3_website:
        fail("APP_UPSTREAM must use https: only an S3 website endpoint, which has no https, may be http (the session cookie would cross the internet in clear)")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", host):
        fail("APP_UPSTREAM's host must be a DNS name (CloudFront cannot reach an IP address as an origin)")
    if domain and host == domain.lower():
        fail("APP_UPSTREAM is DOMAIN_NAME itself: CloudFront would ask itself; give the app's own address")
    path = url.path.rstrip("/")
    if path and not re.fullmatch(r"(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+", path):
        fail("APP_UPSTREAM's path must be plain path segments, such as /prod")
    try:
        port = url.port
    except ValueError:
        fail("APP_UPSTREAM's port is not a port")
    out = {"app_domain": host, "app_protocol": url.scheme, "app_port": str(port or (443 if url.scheme == "https" else 80)), "app_path": path}
if domain and not re.fullmatch(r"([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}", domain):
    fail("DOMAIN_NAME must be a lower-case host name such as auth.example.com")
if not re.fullmatch(r"[A-Z0-9]*", os.environ.get("HOSTED_ZONE_ID", "")):
    fail("HOSTED_ZONE_ID must be a Route 53 zone id such as Z0123456789ABC (without /hostedzone/)")
public = os.environ.get("PUBLIC_URL", "")
if public and domain:
    fail("PUBLIC_URL and DOMAIN_NAME exclude each other: DOMAIN_NAME puts the name on this stack's distribution, PUBLIC_URL names a CDN of your own in front of it")
if public and not re.fullmatch(r"https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?", public):
    fail("PUBLIC_URL must be an https origin in lower case, such as https://www.example.com (no path)")
for name in ("AUTH_ERROR_PAGE", "AUTH_LANDING_PAGE"):
    page = os.environ.get(name, "")
    if page and (not re.fullmatch(r"/[A-Za-z0-9/._~!$&'()*+,;=:@-]*", page) or page.startswith("//") or len(page) > 256):
        fail(f"{name} must be a path of your origin such as /account (no query, fragment or percent sign)")
waf_limit = os.environ.get("WAF_RATE_LIMIT", "") or "0"
if not re.fullmatch(r"0|[1-9][0-9]{0,9}", waf_limit) or not (waf_limit == "0" or 10 <= int(waf_limit) <= 2000000000):
    fail("WAF_RATE_LIMIT must be requests per five minutes from one address, 10 to 2000000000 (or 0 for no WAF)")
web_acl = os.environ.get("WAF_WEB_ACL_ARN", "")
if web_acl and waf_limit != "0":
    fail("WAF_RATE_LIMIT makes a web ACL and WAF_WEB_ACL_ARN names one of your own: set one")
if web_acl and not re.fullmatch(r"arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+", web_acl):
    fail("WAF_WEB_ACL_ARN must be a web ACL of CLOUDFRONT scope (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID)")
out["waf_limit"] = waf_limit
for name in ("SESSION_CHECK_RATE", "SIGN_IN_RATE", "ACCOUNT_RATE", "REGISTER_RATE"):
    rate = os.environ.get(name, "")
    if rate and not (re.fullmatch(r"[1-9][0-9]{0,5}", rate) and int(rate) <= 10000):
        fail(f"{name} must be requests per second, 1 to 10000 (the Region's API Gateway quota)")
email_from = os.environ.get("EMAIL_FROM", "")
if email_from and not re.fullmatch(r"[a-z0-9._+'&-]+@[a-z0-9.-]+", email_from):
    fail("EMAIL_FROM must be an email address in lower case that SES has verified, such as no-reply@example.com")
if os.environ.get("EVENTS", "off") not in ("on", "off"):
    fail("EVENTS must be on (the account's events to an EventBridge bus of the stack) or off")
for key, value in out.items():
    print(f"{key}={shlex.quote(value)}")
PY
)"
eval "$front_door"
domain="${DOMAIN_NAME:-}"
certificate="${CERTIFICATE_ARN:-}"
zone="${HOSTED_ZONE_ID:-}"
if [ -n "$domain" ] && [ -z "$certificate" ]; then die "DOMAIN_NAME needs CERTIFICATE_ARN: an ACM certificate in us-east-1 that covers $domain"; fi
if [ -z "$domain" ] && { [ -n "$certificate" ] || [ -n "$zone" ]; }; then die "CERTIFICATE_ARN and HOSTED_ZONE_ID are for DOMAIN_NAME, which is not set"; fi

account="$(aws sts get-caller-identity --query Account --output text)" || die "the AWS CLI has no working credentials (aws configure, or AWS_PROFILE)"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[ -n "$region" ] || die "no AWS region: set AWS_REGION"
export AWS_DEFAULT_REGION="$region"
artifacts="$STACK-artifacts-$account-$region"
say "stack $STACK in account $account, region $region${DRY_RUN:+ (dry run)}"

# The custom domain: CloudFront reads certificates in us-east-1 only, whatever the stack's
# region, and the certificate must be issued and cover the name; the zone must be public
# and hold the name.
if [ -n "$domain" ]; then
  [[ "$certificate" =~ ^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/ ]] \
    || die "CERTIFICATE_ARN must be an ACM certificate in us-east-1, where CloudFront reads them (request or import one there, for $domain)"
  described="$(aws acm describe-certificate --region us-east-1 --certificate-arn "$certificate" --output json 2>&1)" \
    || die "cannot read the certificate $certificate in us-east-1: $described"
  problem="$(DOMAIN="$domain" python3 -c '
import json, os, sys
cert = json.load(sys.stdin)["Certificate"]
domain = os.environ["DOMAIN"]
names = {cert.get("DomainName", "")} | set(cert.get("SubjectAlternativeNames", []))
covers = lambda name: name == domain or (name.startswith("*.") and domain.split(".", 1)[1] == name[2:])
status = cert.get("Status")
if status != "ISSUED":
    print(f"the certificate is {status}, not ISSUED (finish its validation first)")
elif not any(covers(n) for n in names):
    print(f"the certificate does not cover {domain}: it names {sorted(names)}")
' <<<"$described")"
  [ -z "$problem" ] || die "CERTIFICATE_ARN: $problem"
  if [ -n "$zone" ]; then
    zone_json="$(aws route53 get-hosted-zone --id "$zone" --output json 2>&1)" || die "cannot read the hosted zone $zone: $zone_json"
    problem="$(DOMAIN="$domain" python3 -c '
import json, os, sys
zone = json.load(sys.stdin)["HostedZone"]
name, domain = zone["Name"].rstrip("."), os.environ["DOMAIN"]
if zone.get("Config", {}).get("PrivateZone"):
    print(f"{name} is a private zone; the public name needs a public one")
elif domain != name and not domain.endswith("." + name):
    print(f"the zone {name} does not hold {domain}")
' <<<"$zone_json")"
    [ -z "$problem" ] || die "HOSTED_ZONE_ID: $problem"
  fi
fi

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
  APP_ORIGIN_VERIFY_SECRET="$(kept APP_ORIGIN_VERIFY_SECRET)" APP_PROTOCOL="$app_protocol" APP_DOMAIN="$app_domain" \
  python3 - "$work" "$prefix" <<'PY'
import json, os, secrets, sys
work, prefix = sys.argv[1], sys.argv[2]
# The team's app gets its own origin secret (never the functions' one), over https only.
app_secret = ""
if os.environ["APP_DOMAIN"] and os.environ["APP_PROTOCOL"] == "https":
    app_secret = os.environ.get("APP_ORIGIN_VERIFY_SECRET") or secrets.token_urlsafe(32)
values = {
    "AUTH_SECRET": os.environ["AUTH_SECRET"],
    "BEYOND_IDENTITY_CLIENT_SECRET": os.environ["BEYOND_IDENTITY_CLIENT_SECRET"],
    "BEYOND_IDENTITY_MGMT_CLIENT_SECRET": os.environ.get("BEYOND_IDENTITY_MGMT_CLIENT_SECRET", ""),
    "BEYOND_IDENTITY_API_TOKEN": os.environ.get("BEYOND_IDENTITY_API_TOKEN", ""),
    "ORIGIN_VERIFY_SECRET": os.environ.get("ORIGIN_VERIFY_SECRET") or secrets.token_urlsafe(32),
    "AUDIT_KEY": os.environ.get("AUDIT_KEY") or secrets.token_urlsafe(32),
    "APP_ORIGIN_VERIFY_SECRET": app_secret,
}
for name, value in values.items():
    path = os.path.join(work, f"ssm-{name}.json")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        if value:
            json.dump({"Name": prefix + name, "Value": value, "Type": "SecureString", "Overwrite": True}, f)
for name, file in [("ORIGIN_VERIFY_SECRET", "origin-secret"), ("APP_ORIGIN_VERIFY_SECRET", "app-origin-secret")]:
    with open(os.open(os.path.join(work, file), os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(values[name])
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

# 5. The stacks. Parameters go through a private file, never the command line.
# apply_stack REGION NAME TEMPLATE PARAMETERS: creates NAME, or updates it in place.
apply_stack() {
  local where=(--region "$1" --stack-name "$2") body=(--template-body "file://$3" --parameters "file://$4" --capabilities CAPABILITY_IAM) out
  if aws cloudformation describe-stacks "${where[@]}" >/dev/null 2>&1; then
    say "updating the stack $2 ($1)"
    if [ -n "$DRY_RUN" ]; then
      run aws cloudformation update-stack "${where[@]}" "${body[@]}"
    elif out="$(aws cloudformation update-stack "${where[@]}" "${body[@]}" 2>&1)"; then
      aws cloudformation wait stack-update-complete "${where[@]}"
    elif grep -q "No updates are to be performed" <<<"$out"; then
      say "the stack $2 is already up to date"
    else
      die "update-stack $2 failed: $out"
    fi
  else
    say "creating the stack $2 ($1)"
    run aws cloudformation create-stack "${where[@]}" "${body[@]}" >/dev/null
    run aws cloudformation wait stack-create-complete "${where[@]}"
  fi
}
# stack_output REGION NAME KEY
stack_output() {
  aws cloudformation describe-stacks --region "$1" --stack-name "$2" --query "Stacks[0].Outputs[?OutputKey=='$3'].OutputValue" --output text 2>/dev/null
}

# The WAF first: CloudFront reads web ACLs in us-east-1 only, so it is a stack of its own
# there, and the main stack (in any Region) is given its ARN.
waf_stack="$STACK-waf"
web_acl="${WAF_WEB_ACL_ARN:-}"
if [ "$waf_limit" != 0 ]; then
  printf '[{"ParameterKey": "RateLimit", "ParameterValue": "%s"}]' "$waf_limit" >"$work/waf-parameters.json"
  apply_stack us-east-1 "$waf_stack" "$WAF_TEMPLATE" "$work/waf-parameters.json"
  if [ -n "$DRY_RUN" ]; then
    web_acl="<WebAclArn of $waf_stack>"
  else
    web_acl="$(stack_output us-east-1 "$waf_stack" WebAclArn)" || true
    [ -n "$web_acl" ] && [ "$web_acl" != None ] || die "the stack $waf_stack has no WebAclArn output"
  fi
fi

python3 - "$work/parameters.json" "$work/origin-secret" "$work/app-origin-secret" <<PY
import json, os, sys
values = {
    "CodeBucket": "$artifacts",
    "SigninZip": "${keys[signin]}", "CallbackZip": "${keys[callback]}", "SessionZip": "${keys[session]}",
    "RegisterZip": "${keys[register]}", "BindJobZip": "${keys[bind-job]}", "AuthorizerZip": "${keys[authorizer]}",
    "OriginVerifySecret": open(sys.argv[2]).read(),
    "AppDomain": "$app_domain", "AppProtocol": "$app_protocol", "AppPort": "$app_port", "AppPath": "$app_path",
    "AppOriginSecret": open(sys.argv[3]).read(),
    "DomainName": "$domain", "CertificateArn": "$certificate", "HostedZoneId": "$zone",
    "PublicOrigin": os.environ.get("PUBLIC_URL", ""),
    "ErrorPage": os.environ.get("AUTH_ERROR_PAGE", ""),
    "LandingPage": os.environ.get("AUTH_LANDING_PAGE", ""),
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
    "WebAclArn": "$web_acl",
    "SessionCheckRate": os.environ.get("SESSION_CHECK_RATE", "2000"),
    "SignInRate": os.environ.get("SIGN_IN_RATE", "200"),
    "AccountRate": os.environ.get("ACCOUNT_RATE", "50"),
    "RegisterRate": os.environ.get("REGISTER_RATE", "10"),
    "Events": os.environ.get("EVENTS", "off"),
    "EmailFrom": os.environ.get("EMAIL_FROM", ""),
    "AlarmTopicArn": os.environ.get("ALARM_TOPIC_ARN", ""),
    "ExampleProtectedRoute": os.environ.get("EXAMPLE_PROTECTED_ROUTE", "false"),
    "AuthorizerCacheSeconds": os.environ.get("AUTHORIZER_CACHE_SECONDS", "0"),
}
with open(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    json.dump([{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()], f)
PY
apply_stack "$region" "$STACK" "$TEMPLATE" "$work/parameters.json"

# WAF_RATE_LIMIT unset: the main stack no longer names the web ACL, so its stack goes.
if [ "$waf_limit" = 0 ] && aws cloudformation describe-stacks --region us-east-1 --stack-name "$waf_stack" >/dev/null 2>&1; then
  say "removing the stack $waf_stack (WAF_RATE_LIMIT is not set)"
  run aws cloudformation delete-stack --region us-east-1 --stack-name "$waf_stack"
  run aws cloudformation wait stack-delete-complete --region us-east-1 --stack-name "$waf_stack"
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
run aws s3 sync --only-show-errors --exclude '*.html' --cache-control 'public, max-age=31536000, immutable' "$dist" "s3://$site_bucket"
run aws s3 sync --only-show-errors --exclude '*' --include '*.html' --cache-control 'no-cache' "$dist" "s3://$site_bucket"
# What an earlier deploy uploaded and this one did not is removed; nothing else in the
# bucket is ever touched (the team may keep its own files there). The manifest, the
# list of what the product uploaded, lives in the artifacts bucket, out of CloudFront's
# reach.
manifest="site/$site_bucket.manifest"
if [ -z "$DRY_RUN" ]; then
  (cd "$dist" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$work/site-new"
  if ! aws s3api get-object --bucket "$artifacts" --key "$manifest" --expected-bucket-owner "$account" "$work/site-old" >/dev/null 2>&1; then
    : >"$work/site-old"
  fi
  LC_ALL=C sort -o "$work/site-old" "$work/site-old"
  LC_ALL=C comm -23 "$work/site-old" "$work/site-new" >"$work/site-stale"
  if [ -s "$work/site-stale" ]; then
    say "removing $(wc -l <"$work/site-stale") file(s) of the previous deploy's site"
    python3 - "$work/site-stale" "$work/site-delete" <<'PY'
import json, sys
keys = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
for i in range(0, len(keys), 1000):
    with open(f"{sys.argv[2]}-{i // 1000}.json", "w") as f:
        json.dump({"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True}, f)
PY
    for batch in "$work"/site-delete-*.json; do
      aws s3api delete-objects --bucket "$site_bucket" --delete "file://$batch" --expected-bucket-owner "$account" >/dev/null
    done
  fi
  aws s3api put-object --bucket "$artifacts" --key "$manifest" --body "$work/site-new" --expected-bucket-owner "$account" >/dev/null
else
  printf '  would remove from s3://%s what the previous deploy uploaded and this one does not (manifest s3://%s/%s)\n' "$site_bucket" "$artifacts" "$manifest" >&2
fi
run aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' --query Invalidation.Id --output text >/dev/null

if [ "$authenticator" = hosted ]; then
  console="    Authenticator config             Hosted Web, with a passkey among its authentication methods"
else
  console="    Authenticator config invoke URL  $url
    Authenticator config trusted origin  $url"
fi
account_url="$url/account"
[ -n "$app_domain" ] || account_url="$url"
cat <<TXT

  Deployed: $url${app_domain:+ (your app at $app_protocol://$app_domain; the account page at $account_url)}

  In the Beyond Identity console:
    Application redirect URI         $url/api/auth/callback/beyondidentity
$console
TXT
if [ "${EVENTS:-off}" = on ] && [ -z "$DRY_RUN" ]; then
  printf '  The account'"'"'s events go to the EventBridge bus %s (docs/events.md).\n\n' "$(output EventBusName)"
fi

# 7. The tenant, checked against the deployed URL: the redirect URI, invoke URL and
# trusted origin above must be in the console for sign-in to work.
if [ -n "$TENANT_CHECK" ]; then
  say "checking the Beyond Identity tenant for $url (passkey-auth tenant check)"
  if [ -n "$DRY_RUN" ]; then
    run cargo run --quiet -p passkey-auth-operator -- tenant check
  elif ! AUTH_URL="$url" cargo run --quiet -p passkey-auth-operator -- tenant check; then
    printf '\n\033[33mThe stack is deployed, but sign-in will fail until the problems above are fixed\033[0m (then: AUTH_URL=%s make tenant-check).\n' "$url" >&2
  fi
fi
