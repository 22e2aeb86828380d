#!/usr/bin/env bash
# infra/deploy.sh and infra/teardown.sh against moto's server (a local AWS API), for
# every step moto can emulate: the artifacts bucket and uploads, the stack (table,
# roles, log groups, functions, site bucket), the site's upload with its cache headers,
# the CloudFront invalidation, a second run that updates in place, a third that switches
# to Beyond Identity's hosted pages (removing only what an earlier deploy uploaded), a
# fourth that puts the team's app behind it on a custom domain (and the refusals of bad
# front-door settings), a stack in eu-west-1 whose WAF stack deploy.sh keeps in us-east-1
# (added, removed, added again, torn down with it), --dry-run, and the teardown. What moto cannot emulate (API Gateway v2 and CloudFront in CloudFormation,
# invoking functions, TTL, arm64) is listed in docs/deploy.md.
source "$(dirname "$0")/../../scripts/lib.sh"

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/deploy-moto.XXXXXX")"
trap 'stop_bg; rm -rf "$LOG_DIR"' EXIT
port="$(free_port)"
start_bg "moto (AWS APIs) on 127.0.0.1:$port" "$LOG_DIR/moto.log" moto_server -H 127.0.0.1 -p "$port"
wait_for_port "$port" 30 "moto" "${BG_PIDS[-1]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
unset AWS_ENDPOINT_URL_DYNAMODB AWS_PROFILE

# Placeholder zips (moto stores functions; it cannot run them) and settings.
mkdir -p "$LOG_DIR/zips"
python3 - "$LOG_DIR/zips" <<'PY'
import sys, zipfile
for fn in ["signin", "callback", "session", "register", "bind-job", "authorizer"]:
    with zipfile.ZipFile(f"{sys.argv[1]}/{fn}.zip", "w") as z:
        z.writestr("bootstrap", f"#!/bin/sh\necho {fn}\n")
PY
distribution="$(aws cloudfront create-distribution --origin-domain-name example.s3.amazonaws.com --query Distribution.Id --output text)"
python3 tests/infra/moto_template.py "$distribution" >"$LOG_DIR/template.json"
export AUTH_SECRET="q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="
export BEYOND_IDENTITY_ISSUER="https://auth-us.beyondidentity.com/v1/tenants/t/realms/r/applications/a"
export BEYOND_IDENTITY_CLIENT_ID=client BEYOND_IDENTITY_CLIENT_SECRET=client-secret-value BEYOND_IDENTITY_REGION=us
export BEYOND_IDENTITY_TENANT_ID=0001aaaaaaaaaaaa BEYOND_IDENTITY_REALM_ID=bbbbbbbbbbbbbbbb BEYOND_IDENTITY_APPLICATION_CONFIG_ID=cfg
export BEYOND_IDENTITY_ADMIN_REALM_ID=admin BEYOND_IDENTITY_MGMT_APPLICATION_ID=mgmt BEYOND_IDENTITY_MGMT_CLIENT_ID=mgmt-client
export BEYOND_IDENTITY_MGMT_CLIENT_SECRET=mgmt-secret-value
deploy() { infra/deploy.sh --stack moto-test --zips "$LOG_DIR/zips" --template "$LOG_DIR/template.json" --no-tenant-check "$@"; }

say "a squatted artifacts bucket (another account's, same name) is refused before any upload"
python3 - <<'PY'
import boto3
s3 = boto3.client("s3")
def as_other_account(params, **_):
    params["headers"]["x-moto-account-id"] = "111111111111"
s3.meta.events.register("before-call.s3.*", as_other_account)
s3.create_bucket(Bucket="moto-test-artifacts-123456789012-us-east-1")
PY
if deploy >"$LOG_DIR/squat.log" 2>&1; then cat "$LOG_DIR/squat.log" >&2; die "deploy used another account's bucket"; fi
grep -q "is not this account's" "$LOG_DIR/squat.log" || { cat "$LOG_DIR/squat.log" >&2; die "the refusal does not say why"; }
python3 - <<'PY'
import boto3
s3 = boto3.client("s3")
def as_other_account(params, **_):
    params["headers"]["x-moto-account-id"] = "111111111111"
s3.meta.events.register("before-call.s3.*", as_other_account)
bucket = "moto-test-artifacts-123456789012-us-east-1"
assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0, "something was uploaded to the squatter"
s3.delete_bucket(Bucket=bucket)
PY
aws cloudformation describe-stacks --stack-name moto-test >/dev/null 2>&1 && die "a stack was created after the refusal"

say "dry run: nothing changes"
deploy --dry-run >"$LOG_DIR/dry.log" 2>&1 || { cat "$LOG_DIR/dry.log" >&2; die "the dry run failed"; }
grep -q "would run: aws cloudformation create-stack" "$LOG_DIR/dry.log" || die "the dry run did not show the stack creation"
! grep -q "client-secret-value" "$LOG_DIR/dry.log" || die "the dry run printed a secret"
aws cloudformation describe-stacks --stack-name moto-test >/dev/null 2>&1 && die "the dry run created the stack"
WAF_RATE_LIMIT=500 deploy --dry-run >"$LOG_DIR/dry-waf.log" 2>&1 || { cat "$LOG_DIR/dry-waf.log" >&2; die "the dry run with a WAF failed"; }
grep -q "would run: aws cloudformation create-stack --region us-east-1 --stack-name moto-test-waf" "$LOG_DIR/dry-waf.log" \
  || { cat "$LOG_DIR/dry-waf.log" >&2; die "the dry run did not show the WAF stack in us-east-1"; }
aws cloudformation describe-stacks --stack-name moto-test-waf >/dev/null 2>&1 && die "the dry run created the WAF stack"

say "first deploy"
deploy >"$LOG_DIR/deploy1.log" 2>&1 || { cat "$LOG_DIR/deploy1.log" >&2; die "the deploy failed"; }
! grep -q "client-secret-value\|mgmt-secret-value" "$LOG_DIR/deploy1.log" || die "the deploy printed a secret"

python3 - "$distribution" "$LOG_DIR/origin-secret" <<'PY'
import boto3, sys
secrets = set()
cf = boto3.client("cloudformation")
stack = cf.describe_stacks(StackName="moto-test")["Stacks"][0]
assert stack["StackStatus"] == "CREATE_COMPLETE", stack["StackStatus"]
outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
lam = boto3.client("lambda")
for fn in ["signin", "callback", "session", "register", "bind-job", "authorizer"]:
    conf = lam.get_function_configuration(FunctionName=f"moto-test-{fn}")
    assert conf["Runtime"] == "provided.al2023", conf["Runtime"]
    env = conf["Environment"]["Variables"]
    assert env["SESSION_TABLE"] == outputs["SessionTable"], env
    for secret in ["AUTH_SECRET", "BEYOND_IDENTITY_CLIENT_SECRET", "BEYOND_IDENTITY_MGMT_CLIENT_SECRET", "ORIGIN_VERIFY_SECRET", "AUDIT_KEY"]:
        assert secret not in env, f"{fn} has {secret} in its environment"
    if fn == "authorizer":
        # Called by API Gateway, not through CloudFront: no secret, no origin.
        assert "SECRET_NAMES" not in env and "AUTH_URL" not in env, env
        continue
    assert env["SECRETS_PREFIX"] == "/moto-test/", env["SECRETS_PREFIX"]
    for value in env.values():
        assert value not in ("client-secret-value", "mgmt-secret-value"), f"{fn} holds a secret"
    assert env["AUTH_URL"].startswith("https://"), env["AUTH_URL"]
ssm = boto3.client("ssm")
stored = {p["Name"]: p for p in ssm.get_parameters_by_path(Path="/moto-test/", WithDecryption=True)["Parameters"]}
assert set(stored) == {f"/moto-test/{n}" for n in ["AUTH_SECRET", "BEYOND_IDENTITY_CLIENT_SECRET", "BEYOND_IDENTITY_MGMT_CLIENT_SECRET", "ORIGIN_VERIFY_SECRET", "AUDIT_KEY"]}, sorted(stored)
assert all(p["Type"] == "SecureString" for p in stored.values())
assert stored["/moto-test/BEYOND_IDENTITY_CLIENT_SECRET"]["Value"] == "client-secret-value"
secrets.add(stored["/moto-test/ORIGIN_VERIFY_SECRET"]["Value"])
assert len(secrets.copy().pop()) >= 32
table = boto3.client("dynamodb").describe_table(TableName=outputs["SessionTable"])["Table"]
assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-user"]
s3 = boto3.client("s3")
for key, cache in [("index.html", "no-cache"), ("bind/index.html", "no-cache"), ("bi-authenticate/index.html", "no-cache")]:
    head = s3.head_object(Bucket=outputs["SiteBucket"], Key=key)
    assert head["CacheControl"] == cache, (key, head.get("CacheControl"))
assets = [o["Key"] for o in s3.list_objects_v2(Bucket=outputs["SiteBucket"], Prefix="account/assets/")["Contents"]]
assert any(k.startswith("account/assets/bi-embedded") for k in assets), "the real SDK is not deployed"
immutable = s3.head_object(Bucket=outputs["SiteBucket"], Key=assets[0])["CacheControl"]
assert "immutable" in immutable, immutable
invalidations = boto3.client("cloudfront").list_invalidations(DistributionId=sys.argv[1])
assert invalidations["InvalidationList"]["Quantity"] >= 1
open(sys.argv[2], "w").write(secrets.pop())
PY

say "second deploy: updates in place; a file the team put in the site bucket is left alone"
site_bucket="$(aws cloudformation describe-stacks --stack-name moto-test --query "Stacks[0].Outputs[?OutputKey=='SiteBucket'].OutputValue" --output text)"
echo "the team's own" | aws s3 cp --only-show-errors - "s3://$site_bucket/team/kept.txt"
deploy >"$LOG_DIR/deploy2.log" 2>&1 || { cat "$LOG_DIR/deploy2.log" >&2; die "the second deploy failed"; }
[ "$(aws cloudformation describe-stacks --stack-name moto-test --query 'length(Stacks)' --output text)" = 1 ] || die "a second stack"
[ "$(aws ssm get-parameter --name /moto-test/ORIGIN_VERIFY_SECRET --with-decryption --query Parameter.Value --output text)" = "$(cat "$LOG_DIR/origin-secret")" ] \
  || die "the second deploy changed the origin secret (CloudFront and the functions would disagree)"

say "third deploy: switched to Beyond Identity's hosted pages, the SDK pages and the SDK are gone"
BEYOND_IDENTITY_AUTHENTICATOR=hosted deploy >"$LOG_DIR/deploy3.log" 2>&1 || { cat "$LOG_DIR/deploy3.log" >&2; die "the hosted deploy failed"; }
grep -q "Hosted Web" "$LOG_DIR/deploy3.log" || die "the hosted deploy does not say to use a Hosted Web config"
python3 - <<'PY'
import boto3
outputs = {o["OutputKey"]: o["OutputValue"] for o in boto3.client("cloudformation").describe_stacks(StackName="moto-test")["Stacks"][0]["Outputs"]}
lam = boto3.client("lambda")
for fn in ["register", "bind-job"]:
    env = lam.get_function_configuration(FunctionName=f"moto-test-{fn}")["Environment"]["Variables"]
    assert env["BEYOND_IDENTITY_AUTHENTICATOR"] == "hosted", (fn, env)
keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=outputs["SiteBucket"])["Contents"]]
assert "index.html" in keys, keys
stale = [k for k in keys if k.startswith(("bind/", "bi-authenticate/", "device/", "account/assets/bi-embedded"))]
assert stale == [], f"left from the embedded site: {stale}"
assert "team/kept.txt" in keys, "a deploy removed a file it never uploaded"
PY

say "bad front-door settings are refused before anything changes"
refused() { # refused WHY VAR=VALUE…: the deploy fails, saying WHY
  local why="$1"; shift
  if env "$@" infra/deploy.sh --stack moto-test --zips "$LOG_DIR/zips" --template "$LOG_DIR/template.json" --no-tenant-check >"$LOG_DIR/refused.log" 2>&1; then
    cat "$LOG_DIR/refused.log" >&2; die "deployed with $*"
  fi
  grep -q "$why" "$LOG_DIR/refused.log" || { cat "$LOG_DIR/refused.log" >&2; die "the refusal of $* does not say: $why"; }
}
# A certificate for auth.example.com, and a public zone for example.com, in moto.
cert_arn="$(python3 - <<'PY'
import datetime, boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auth.example.com")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("auth.example.com")]), critical=False)
        .sign(key, hashes.SHA256()))
acm = boto3.client("acm", region_name="us-east-1")
print(acm.import_certificate(
    Certificate=cert.public_bytes(serialization.Encoding.PEM),
    PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
)["CertificateArn"])
PY
)"
zone_id="$(aws route53 create-hosted-zone --name example.com --caller-reference moto-test --query HostedZone.Id --output text)"
zone_id="${zone_id#/hostedzone/}"
refused "APP_ORIGIN is no longer read" APP_ORIGIN=https://auth.example.com
refused "must use https" APP_UPSTREAM=http://app.example.net
refused "without user, query or fragment" APP_UPSTREAM=https://app.example.net/?x=1
refused "needs CERTIFICATE_ARN" DOMAIN_NAME=auth.example.com
refused "must be a Route 53 zone id" DOMAIN_NAME=auth.example.com HOSTED_ZONE_ID='Z1", "x": "y'
refused "PUBLIC_URL and DOMAIN_NAME exclude each other" DOMAIN_NAME=auth.example.com PUBLIC_URL=https://www.example.com
refused "in us-east-1, where CloudFront reads them" DOMAIN_NAME=auth.example.com CERTIFICATE_ARN="${cert_arn/us-east-1/eu-west-1}"
refused "does not cover www.example.com" DOMAIN_NAME=www.example.com CERTIFICATE_ARN="$cert_arn"
refused "does not hold auth.example.com" DOMAIN_NAME=auth.example.com CERTIFICATE_ARN="$cert_arn" HOSTED_ZONE_ID="$(aws route53 create-hosted-zone --name example.org --caller-reference moto-test-org --query HostedZone.Id --output text | sed 's|/hostedzone/||')"
[ "$(aws cloudformation describe-stacks --stack-name moto-test --query 'Stacks[0].StackStatus' --output text)" = UPDATE_COMPLETE ] || die "a refused deploy changed the stack"

say "fourth deploy: the team's app behind the sign-in, on a custom domain, with events"
EVENTS=on EMAIL_FROM=no-reply@example.com APP_UPSTREAM=https://app.example.net/prod DOMAIN_NAME=auth.example.com CERTIFICATE_ARN="$cert_arn" HOSTED_ZONE_ID="$zone_id" \
  AUTH_LANDING_PAGE=/dashboard deploy >"$LOG_DIR/deploy4.log" 2>&1 || { cat "$LOG_DIR/deploy4.log" >&2; die "the deploy with an app and a domain failed"; }
grep -q "Deployed: https://auth.example.com (your app at https://app.example.net; the account page at https://auth.example.com/account)" "$LOG_DIR/deploy4.log" \
  || { cat "$LOG_DIR/deploy4.log" >&2; die "the deploy does not name the domain, the app and the account page"; }
grep -q "The account's events go to the EventBridge bus " "$LOG_DIR/deploy4.log" \
  || { cat "$LOG_DIR/deploy4.log" >&2; die "the deploy does not name the events' bus"; }
python3 - <<'PY'
import boto3
cf = boto3.client("cloudformation")
stack = cf.describe_stacks(StackName="moto-test")["Stacks"][0]
outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
assert outputs["SiteUrl"] == "https://auth.example.com", outputs
parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack["Parameters"]}
assert (parameters["AppDomain"], parameters["AppPath"], parameters["AppPort"]) == ("app.example.net", "/prod", "443"), parameters
lam = boto3.client("lambda")
for fn in ["signin", "callback", "session", "register", "bind-job"]:
    env = lam.get_function_configuration(FunctionName=f"moto-test-{fn}")["Environment"]["Variables"]
    assert env["AUTH_URL"] == "https://auth.example.com", (fn, env)
    assert env["AUTH_ACCOUNT_PAGE"] == "/account" and env["AUTH_LANDING_PAGE"] == "/dashboard", (fn, env)
    assert "AUTH_ERROR_PAGE" not in env, (fn, env)
    # The bus's name is moto's placeholder for a Ref it cannot resolve; the functions
    # that publish get it, signin does not (tests/infra/test_template.py checks the rest).
    assert env.get("AUTH_EVENT_BUS") == (None if fn == "signin" else outputs["EventBusName"]), (fn, env)
    assert env.get("AUTH_EMAIL_FROM") == ("no-reply@example.com" if fn == "bind-job" else None), (fn, env)
app_secret = boto3.client("ssm").get_parameter(Name="/moto-test/APP_ORIGIN_VERIFY_SECRET", WithDecryption=True)["Parameter"]
assert app_secret["Type"] == "SecureString" and len(app_secret["Value"]) >= 32
origin_secret = boto3.client("ssm").get_parameter(Name="/moto-test/ORIGIN_VERIFY_SECRET", WithDecryption=True)["Parameter"]["Value"]
assert app_secret["Value"] != origin_secret, "the app must not hold the functions' secret"
PY

say "a stack in eu-west-1 with a WAF: the web ACL in a stack of its own in us-east-1"
python3 tests/infra/moto_template.py --waf >"$LOG_DIR/waf.json"
refused "WAF_RATE_LIMIT must be requests per five minutes" WAF_RATE_LIMIT=5
refused "set one" WAF_RATE_LIMIT=500 WAF_WEB_ACL_ARN=arn:aws:wafv2:us-east-1:123456789012:global/webacl/mine/0123abcd-0000-4000-8000-000000000000
refused "WAF_WEB_ACL_ARN must be a web ACL of CLOUDFRONT scope" WAF_WEB_ACL_ARN=arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mine/0123abcd
refused "SIGN_IN_RATE must be requests per second" SIGN_IN_RATE=0
refused "EVENTS must be on" EVENTS=yes
refused "EMAIL_FROM must be an email address" EMAIL_FROM=NoReply@Example.com
deploy_eu() {
  AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 infra/deploy.sh --stack moto-eu --zips "$LOG_DIR/zips" \
    --template "$LOG_DIR/template.json" --waf-template "$LOG_DIR/waf.json" --no-tenant-check
}
# check_waf LIMIT: the main stack in eu-west-1 names the web ACL of moto-eu-waf, in
# us-east-1 with that limit (or, for "", no web ACL and no WAF stack anywhere).
check_waf() {
  python3 - "$1" <<'PY'
import sys, boto3
limit = sys.argv[1]
east, west = (boto3.client("cloudformation", region_name=r) for r in ("us-east-1", "eu-west-1"))
def stacks(cf):
    return {s["StackName"]: s for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"}
main = west.describe_stacks(StackName="moto-eu")["Stacks"][0]
parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in main["Parameters"]}
assert "moto-eu-waf" not in stacks(west), "the WAF stack is in the main stack's Region"
if limit:
    waf = east.describe_stacks(StackName="moto-eu-waf")["Stacks"][0]
    arn = {o["OutputKey"]: o["OutputValue"] for o in waf["Outputs"]}["WebAclArn"]
    assert arn.startswith("arn:aws:wafv2:us-east-1:") and ":global/webacl/moto-eu-waf/" in arn, arn
    assert parameters["WebAclArn"] == arn, parameters
    stored = boto3.client("ssm", region_name="us-east-1").get_parameter(Name="/moto-eu-waf/moto-web-acl-rate-limit")
    assert stored["Parameter"]["Value"] == limit, stored
else:
    assert parameters["WebAclArn"] == "", parameters
    assert "moto-eu-waf" not in stacks(east), "the WAF stack outlived WAF_RATE_LIMIT"
assert parameters["SignInRate"] == "50" and parameters["SessionCheckRate"] == "2000", parameters
PY
}
WAF_RATE_LIMIT=500 SIGN_IN_RATE=50 deploy_eu >"$LOG_DIR/eu1.log" 2>&1 || { cat "$LOG_DIR/eu1.log" >&2; die "the deploy in eu-west-1 with a WAF failed"; }
check_waf 500 || die "the WAF of the eu-west-1 stack"
SIGN_IN_RATE=50 deploy_eu >"$LOG_DIR/eu2.log" 2>&1 || { cat "$LOG_DIR/eu2.log" >&2; die "the deploy without the WAF failed"; }
check_waf "" || die "the WAF was not removed"
WAF_RATE_LIMIT=1000 SIGN_IN_RATE=50 deploy_eu >"$LOG_DIR/eu3.log" 2>&1 || { cat "$LOG_DIR/eu3.log" >&2; die "adding the WAF again failed"; }
check_waf 1000 || die "the WAF added again"
AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 infra/teardown.sh --stack moto-eu >"$LOG_DIR/teardown-eu.log" 2>&1 \
  || { cat "$LOG_DIR/teardown-eu.log" >&2; die "the teardown in eu-west-1 failed"; }
python3 - <<'PY'
import boto3
for region in ("us-east-1", "eu-west-1"):
    names = [s["StackName"] for s in boto3.client("cloudformation", region_name=region).list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert not {"moto-eu", "moto-eu-waf"} & set(names), (region, names)
PY

say "teardown"
infra/teardown.sh --stack moto-test >"$LOG_DIR/teardown.log" 2>&1 || { cat "$LOG_DIR/teardown.log" >&2; die "the teardown failed"; }
python3 - <<'PY'
import boto3
names = [s["StackName"] for s in boto3.client("cloudformation").list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
assert "moto-test" not in names, names
assert boto3.client("dynamodb").list_tables()["TableNames"] == [], "the table is left"
buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
assert buckets == [], buckets
assert boto3.client("ssm").get_parameters_by_path(Path="/moto-test/")["Parameters"] == [], "secrets are left"
PY
say "deploy, update, dry run and teardown work against moto"
