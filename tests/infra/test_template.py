"""The CloudFormation template held against the code: functions, routes, settings, IAM
actions, the table and the site's security headers. Run by `make test` (with cfn-lint)."""
import json
import pathlib
import re
import unittest

from cfnlint.decode import cfn_yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = cfn_yaml.load(str(ROOT / "infra" / "template.yaml"))
RESOURCES = TEMPLATE["Resources"]

# The routes of DESIGN.md: (method, path) -> function crate.
ROUTES = {
    ("GET", "/api/auth/signin"): "signin",
    ("GET", "/api/auth/signin/beyondidentity"): "signin",
    ("POST", "/api/auth/signin/beyondidentity"): "signin",
    ("GET", "/api/auth/csrf"): "signin",
    ("GET", "/api/auth/providers"): "signin",
    ("GET", "/api/auth/error"): "signin",
    ("POST", "/api/auth/session"): "session",
    ("GET", "/api/auth/callback/beyondidentity"): "callback",
    ("GET", "/api/auth/session"): "session",
    ("GET", "/api/auth/verify"): "session",
    ("POST", "/api/auth/signout"): "session",
    ("POST", "/api/auth/register"): "register",
    ("POST", "/api/auth/binding-owner"): "register",
    ("POST", "/api/auth/binding-complete"): "register",
    ("POST", "/api/auth/bind-job"): "bind-job",
    ("GET", "/api/auth/sessions"): "session",
    ("POST", "/api/auth/sessions/revoke"): "session",
    ("POST", "/api/auth/signout-everywhere"): "session",
    ("GET", "/api/auth/passkeys"): "bind-job",
    ("POST", "/api/auth/passkeys/revoke"): "bind-job",
    ("POST", "/api/auth/account/delete"): "bind-job",
    ("POST", "/api/auth/account/address"): "bind-job",
    ("POST", "/api/auth/account/address/confirm"): "bind-job",
    ("POST", "/api/auth/backchannel-logout"): "callback",
}

# The modules of shared/src/routes/ that each function serves (and the domain modules
# those call with the function's session rules).
ROUTE_FILES = {"signin": ["signin.rs", "nextauth.rs"], "callback": ["callback.rs", "backchannel.rs"], "session": ["session.rs", "forward_auth.rs", "nextauth.rs"], "register": ["register.rs"], "bind-job": ["account", "../account.rs"], "authorizer": ["authorizer.rs"]}


def route_source(crate):
    """The route modules a function serves, as one text, without their tests."""
    untested = lambda text: re.sub(rf"\n#\[cfg\(test\)\]\s*mod .*?(?=\n{FILE_MARK}|\Z)", "", text, flags=re.S)
    return "\n".join(untested(source(f"shared/src/routes/{name}")) for name in ROUTE_FILES[crate])
# Called by API Gateway to authorize the team's own routes, not through CloudFront: no
# origin secret, no route of its own.
AUTHORIZER = "authorizer"


_ABSENT = object()


def resolve(**parameters):
    """The template as CloudFormation makes it with these parameters (the others at their
    defaults): conditions decided, `Fn::If` taken, `AWS::NoValue` gone, resources whose
    condition is false left out, parameters' `Ref`s replaced by their values. Returns
    (resources, outputs)."""
    values = {name: p.get("Default") for name, p in TEMPLATE["Parameters"].items()}
    values.update(parameters)
    decided = {}

    def operand(node):
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return str(values.get(node["Ref"], node["Ref"]))
        return str(node)

    def condition(node):
        (fn, args), = node.items()
        if fn == "Condition":
            if args not in decided:
                decided[args] = condition(TEMPLATE["Conditions"][args])
            return decided[args]
        if fn == "Fn::Equals":
            return operand(args[0]) == operand(args[1])
        if fn == "Fn::Not":
            return not condition(args[0])
        if fn == "Fn::And":
            return all(condition(a) for a in args)
        if fn == "Fn::Or":
            return any(condition(a) for a in args)
        raise ValueError(f"unknown condition function {fn}")

    holds = lambda name: condition({"Condition": name})

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, yes, no = node["Fn::If"]
                return walk(yes if holds(name) else no)
            if node == {"Ref": "AWS::NoValue"}:
                return _ABSENT
            if set(node) == {"Ref"} and node["Ref"] in values:
                return values[node["Ref"]]
            kept = {k: walk(v) for k, v in node.items()}
            return {k: v for k, v in kept.items() if v is not _ABSENT}
        if isinstance(node, list):
            return [v for v in (walk(v) for v in node) if v is not _ABSENT]
        return node

    kept = lambda section: {n: r for n, r in section.items() if "Condition" not in r or holds(r["Condition"])}
    return walk(kept(RESOURCES)), walk(kept(TEMPLATE["Outputs"]))


def distribution(resources):
    return resources["Distribution"]["Properties"]["DistributionConfig"]


# The paths the sign-in keeps in front of a team's app: the API, the account page, and
# the SDK pages (static-site/security-headers.json), each as itself and its folder.
RESERVED = ["/api/auth/*", "/account", "/account/*"]
APP = {"AppDomain": "app.example.net"}


def of_type(kind):
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def function_resources():
    """crate name -> (logical id, resource), from FunctionName `${AWS::StackName}-<crate>`
    (the optional example function, inline code, has no name of that form)."""
    out = {}
    for name, resource in of_type("AWS::Lambda::Function").items():
        if "FunctionName" not in resource["Properties"]:
            continue
        sub = resource["Properties"]["FunctionName"]["Fn::Sub"]
        out[sub.split("}-", 1)[1]] = (name, resource)
    return out


def crates():
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/Cargo.toml"))


def source(path):
    """A Rust module's text: the file, or every file of the module's folder (`config.rs`
    split into `config/*.rs`)."""
    file = ROOT / path
    if file.is_file():
        return file.read_text()
    folder = file.with_suffix("")
    return "".join(f"\n{FILE_MARK}{p.name}\n{p.read_text()}" for p in sorted(folder.glob("*.rs")))


# Where one file of a module folder ends and the next begins, in `source`'s text.
FILE_MARK = "// file: "


def rust_fn(text, name):
    """The text of `fn name`, up to the next fn, impl, test module or file."""
    start = re.search(rf"\bfn {re.escape(name)}\b", text).start()
    nxt = re.search(rf"\n\s*(pub(\([a-z]+\))? )?(async )?fn |\nimpl|\n#\[cfg\(test\)\]|\n{FILE_MARK}", text[start + 3 :])
    return text[start : start + 3 + (nxt.start() if nxt else len(text))]


def impl_blocks(text, header):
    """Every block that starts with `header`, each up to its file's test module or end."""
    blocks = []
    for start in (m.start() for m in re.finditer(re.escape(header), text)):
        end = re.search(rf"\n#\[cfg\(test\)\]|\n{FILE_MARK}", text[start:])
        blocks.append(text[start : start + end.start()] if end else text[start:])
    return "\n".join(blocks)


class Functions(unittest.TestCase):
    def test_every_function_crate_has_a_function_and_its_routes(self):
        functions = function_resources()
        self.assertEqual(sorted(functions), crates())
        integrations = {name: r["Properties"]["IntegrationUri"]["Fn::GetAtt"][0] for name, r in of_type("AWS::ApiGatewayV2::Integration").items()}
        routes = {}
        for r in of_type("AWS::ApiGatewayV2::Route").values():
            if r.get("Condition") == "HasExample":
                continue
            method, path = r["Properties"]["RouteKey"].split(" ", 1)
            target = r["Properties"]["Target"]["Fn::Sub"]
            integration = re.search(r"\$\{(\w+)\}", target).group(1)
            function = integrations[integration]
            crate = next(c for c, (logical, _) in functions.items() if logical == function)
            routes[(method, path)] = crate
        self.assertEqual(routes, ROUTES)
        for crate, (logical, resource) in functions.items():
            props = resource["Properties"]
            self.assertEqual(props["Runtime"], "provided.al2023", crate)
            self.assertEqual(props["Architectures"], ["arm64"], crate)
            self.assertEqual(props["LoggingConfig"]["LogFormat"], "JSON", crate)
            permitted = [p for p in of_type("AWS::Lambda::Permission").values() if p["Properties"]["FunctionName"] == {"Ref": logical}]
            self.assertEqual(len(permitted), 1, f"{crate} can be invoked by the API")

    def test_every_setting_the_configuration_reads_is_set_and_secrets_come_from_parameter_store(self):
        config = source("shared/src/config.rs")
        names = lambda body: set(re.findall(r'"((?:AUTH|AUDIT|SESSION|BEYOND_IDENTITY|ORIGIN)_[A-Z_]+)"', body))
        # Alternatives and optional settings the template does not need to set.
        optional = {"BEYOND_IDENTITY_DISCOVERY", "AUTH_SCOPES", "SESSION_IDLE_TIMEOUT", "SESSION_MAX_AGE", "SESSION_RECENT_SIGN_IN", "BEYOND_IDENTITY_AUTH_BASE_URL", "BEYOND_IDENTITY_API_BASE_URL", "AUDIT_KEY", "AUTH_EVENT_BUS", "AUTH_EMAIL_FROM"}
        app = names(rust_fn(config, "read_app")) | names(rust_fn(config, "read_sessions"))
        provider = names(rust_fn(config, "read_provider"))
        needs = {
            # signin loads with `load_for_signin`: no client secret.
            "signin": app | (provider - {"BEYOND_IDENTITY_CLIENT_SECRET"}) | names(rust_fn(config, "read_flow")),
            "callback": app | provider | names(rust_fn(config, "read_flow")),
            "session": app,
            "register": app | names(rust_fn(config, "read_management")) | names(rust_fn(config, "read_authenticator")),
            "bind-job": app | names(rust_fn(config, "read_management")) | names(rust_fn(config, "read_authenticator")),
            "authorizer": names(rust_fn(config, "read_sessions")),
        }
        self.assertIn("SessionConfig::load(", source("functions/authorizer/src/main.rs"))
        self.assertIn("SignInConfig::load_for_signin(", source("functions/signin/src/main.rs"))
        secrets = {"AUTH_SECRET", "BEYOND_IDENTITY_CLIENT_SECRET", "BEYOND_IDENTITY_MGMT_CLIENT_SECRET", "BEYOND_IDENTITY_API_TOKEN", "ORIGIN_VERIFY_SECRET", "AUDIT_KEY"}
        for crate, (logical, resource) in function_resources().items():
            self.assertIn("parameter_store::resolve(", source(f"functions/{crate}/src/main.rs"), crate)
            env = resource["Properties"]["Environment"]["Variables"]
            self.assertFalse(secrets & set(env), f"{crate} has a secret in its environment: {sorted(secrets & set(env))}")
            listed = set(env.get("SECRET_NAMES", "").split(",")) - {""}
            named = {n.removesuffix("?") for n in listed}
            # A deployed function fails closed on a missing secret (shared/src/config/parameter_store.rs):
            # only the two management credentials, of which deploy.sh stores one, may be
            # absent, and where one is listed both are, optional.
            self.assertEqual({n for n in listed if n.endswith("?")},
                             {"BEYOND_IDENTITY_MGMT_CLIENT_SECRET?", "BEYOND_IDENTITY_API_TOKEN?"} & {f"{n}?" for n in named}, crate)
            if named:
                self.assertEqual(env["SECRETS_PREFIX"], {"Fn::Sub": "/${AWS::StackName}/"}, crate)
            # Each function gets exactly the secrets it reads (the audit key only where
            # its route records audit events).
            route = route_source(crate)
            expected = needs[crate] & secrets
            if "Audit::new" not in route:
                expected -= {"AUDIT_KEY"}
            self.assertEqual(named, expected, crate)
            missing = needs[crate] - optional - set(env) - named
            self.assertFalse(missing, f"{crate} lacks {sorted(missing)}")
            # ... and may read exactly those parameters.
            role = RESOURCES[f"{logical.removesuffix('Function')}Role"]
            statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            ssm = [st for st in statements if st.get("Action") == "ssm:GetParameters"]
            self.assertEqual(len(ssm), 1 if named else 0, crate)
            allowed = {r["Fn::Sub"].rsplit("/", 1)[1] for st in ssm for r in st["Resource"]}
            self.assertEqual(allowed, named, crate)


class Permissions(unittest.TestCase):
    def test_each_role_grants_exactly_the_dynamodb_calls_its_function_makes_down_to_the_key(self):
        dynamo = source("shared/src/store/dynamo.rs")
        # The session check's reads and writes are the verifier's (the adapter delegates).
        records = source("verifier/src/records.rs")
        records_impl = records[records.index("impl SessionRecords for DynamoRecords"):]
        self.assertIn('format!("session#{}", crate::hex::sha256(', source("verifier/src/token.rs"))
        self.assertIn('format!("flow#{}", hex::sha256(', source("shared/src/session.rs"))
        self.assertIn('format!("user#{}", hex::sha256(', dynamo)
        self.assertIn('"rate#{}#{}#{index}"', source("shared/src/http/ratelimit.rs"))
        # Each call the adapter makes, and the key prefix it works on ("index": the by-user
        # index). Every SDK call in a method's body must be listed here, and only those.
        sdk_calls = {".put_item()": "dynamodb:PutItem", ".get_item()": "dynamodb:GetItem", ".update_item()": "dynamodb:UpdateItem", ".delete_item()": "dynamodb:DeleteItem", ".query()": "dynamodb:Query", ".scan()": "dynamodb:Scan", ".batch_get_item()": "dynamodb:BatchGetItem", "Put::builder()": "dynamodb:PutItem", "Update::builder()": "dynamodb:UpdateItem", ".batch_write_item()": "dynamodb:BatchWriteItem"}
        calls = {
            "create": [("Put::builder()", "session#"), ("Update::builder()", "user#"), ("Update::builder()", "sid#")],
            "get": [(".get_item()", "session#")],
            "touch": [(".update_item()", "session#")],
            "delete": [(".delete_item()", "session#")],
            "claim": [(".put_item()", "flow#")],
            "increment": [(".update_item()", "rate#")],
            "list": [(".query()", "index")],
            "revoke_before": [(".update_item()", "user#")],
            "provider_sessions": [],
            "named_sessions": [(".get_item()", "the caller's")],
            "get_all": [],
            "take": [(".delete_item()", "session#")],
            "get_many": [(".batch_get_item()", "session#")],
            "forget": [(".update_item()", "user#")],
            "forget_user": [(".delete_item()", "sid#"), (".delete_item()", "seen#"), (".update_item()", "user#")],
            "hold_address_change": [(".put_item()", "address#")],
            "take_address_change": [(".delete_item()", "address#")],
            "set_email": [(".update_item()", "session#")],
        }
        store_ops = {}
        for method in ["get", "touch", "delete"]:
            self.assertRegex(rust_fn(dynamo, method), rf"self\.records\.{method}\(")
        for method, listed in calls.items():
            body = rust_fn(records_impl if method in ("get", "touch", "delete") else dynamo, method)
            made = sorted(call for call in sdk_calls if call in body)
            self.assertEqual(set(made), {call for call, _ in listed}, f"the SDK calls of {method}")
            if method == "list":
                self.assertIn("index_name(BY_USER)", body)
            store_ops[method] = {(sdk_calls[call], prefix) for call, prefix in listed}
        # Methods of the adapter that call its own helpers.
        self.assertIn('format!("sid#{}", hex::sha256(', dynamo)
        # The item whose `sessions` set is read is the caller's: the user's or the provider session's.
        for method, key in {"list": "user_pk", "provider_sessions": "sid_pk"}.items():
            self.assertRegex(rust_fn(dynamo, method), rf"self\s*\.\s*named_sessions\(&{key}\(", method)
            store_ops[method] |= {("dynamodb:GetItem", "user#" if key == "user_pk" else "sid#")}
        for method, helpers in {"get_all": ["get_many"], "list": ["get_all", "forget"], "remove": ["delete", "forget"], "provider_sessions": ["get_all"]}.items():
            body = rust_fn(dynamo, method)
            for helper in helpers:
                self.assertRegex(body, rf"self\s*\.\s*{helper}\(", method)
            store_ops[method] = store_ops.get(method, set()).union(*(store_ops[h] for h in helpers))
        # What each session-rule method calls on the store (and on the rules themselves).
        # The rules' own methods, from each of their impl blocks (the store trait and the
        # tests' stores declare methods of the same names).
        session = impl_blocks(source("shared/src/session.rs"), "impl<S: SessionStore> Sessions<S>")
        methods = ["start", "resolve", "resolve_keyed", "end", "claim_flow", "list", "revoke", "revoke_all_before", "revoke_all", "end_provider_session", "claim_logout_token", "first_sign_in", "erase_user", "hold_address_change", "take_address_change", "show_email"]
        rules = {}
        verifier_resolve = rust_fn(records, "resolve")
        for method in methods:
            body = rust_fn(session, method)
            rules[method] = set().union(*(store_ops[m] for m in store_ops if re.search(rf"self\s*\.\s*store\s*\.\s*{m}\(", body)))
            if "passkey_verifier::resolve(&self.store" in body:
                rules[method] |= set().union(*(store_ops[m] for m in ["get", "touch", "delete"] if re.search(rf"records\s*\.\s*{m}\(", verifier_resolve)))
        for method in methods:
            body = rust_fn(session, method)
            rules[method] |= set().union(*(rules[m] for m in methods if m != method and re.search(rf"self\s*\.\s*{m}\(", body)))
        # A claim's key prefix is its caller's: a used logout token's `jti`, not a flow.
        self.assertIn('format!("logout#{}", hex::sha256(', session)
        rules["claim_logout_token"] = {("dynamodb:PutItem", "logout#")}
        # ... and a first sign-in's record, which goes with the account.
        self.assertIn('format!("seen#{}", hex::sha256(', source("shared/src/session.rs"))
        self.assertRegex(rust_fn(dynamo, "forget_user"), r"seen_key\(user\)")
        rules["first_sign_in"] = {("dynamodb:PutItem", "seen#")}
        # The rate limiter counts with `increment`, through `hit` or `enforce`; the routes'
        # `signed_in` and `recently_signed_in` check the session with `resolve`.
        rules["hit"] = rules["enforce"] = store_ops["increment"]
        rules["signed_in"] = rules["recently_signed_in"] = rules["resolve"]
        # The verifier's check (the authorizer's) is the same `resolve`, on its records.
        verifier = source("verifier/src/lib.rs")
        self.assertRegex(rust_fn(verifier, "user_of_cookie"), r"resolve\(&self\.records,")
        self.assertRegex(rust_fn(verifier, "user"), r"self\.user_of_cookie\(")
        rules["user"] = rules["user_of_cookie"] = set().union(*(store_ops[m] for m in ["get", "touch", "delete"] if re.search(rf"records\s*\.\s*{m}\(", verifier_resolve)))
        self.assertRegex(rust_fn(source("shared/src/routes/mod.rs"), "signed_in"), r"sessions\s*\.\s*resolve_keyed\(")
        for crate, (logical, _) in function_resources().items():
            code = route_source(crate)
            called = {m for m in rules if re.search(rf"\b(self\s*\.\s*)?(sessions|limiter|verifier)\s*\.\s*{m}\(", code)}
            called |= {m for m in ["signed_in", "recently_signed_in"] if re.search(rf"\b{m}\(\s*&self\.sessions", code)}
            expected = set().union(*(rules[m] for m in called))
            role = RESOURCES[f"{logical.removesuffix('Function')}Role"]
            granted = set()
            for statement in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
                if "Fn::If" in statement:
                    # The events grant, when the stack has a bus (Events), and the mail
                    # grant, when it has a sender (EmailFrom).
                    self.assertIn(statement["Fn::If"][0], ["HasEvents", "HasEmail"], crate)
                    continue
                actions = statement["Action"]
                actions = actions if isinstance(actions, list) else [actions]
                if not any(a.startswith("dynamodb:") for a in actions):
                    self.assertIn(set(actions), [{"logs:CreateLogStream", "logs:PutLogEvents"}, {"ssm:GetParameters"}], crate)
                    continue
                if statement["Resource"] == {"Fn::Sub": "${SessionTable.Arn}/index/by-user"}:
                    # The index: queried by user, never written.
                    self.assertEqual(actions, ["dynamodb:Query"], crate)
                    granted.add(("dynamodb:Query", "index"))
                    continue
                self.assertEqual(statement["Resource"], {"Fn::GetAtt": ["SessionTable", "Arn"]}, crate)
                # Every grant on the table is limited to partition keys with one prefix.
                keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                self.assertEqual(len(keys), 1, crate)
                self.assertTrue(keys[0].endswith("#*"), keys)
                granted |= {(a, keys[0][:-1]) for a in actions}
            self.assertEqual(granted, expected, f"{crate}: granted {sorted(granted)}, calls {sorted(expected)}")


class Storage(unittest.TestCase):
    def test_the_table_is_the_one_the_code_uses(self):
        definition = json.loads(source("infra/session-table.json"))
        table = RESOURCES["SessionTable"]["Properties"]
        self.assertEqual(table["KeySchema"], definition["KeySchema"])
        self.assertEqual(table["AttributeDefinitions"], definition["AttributeDefinitions"])
        self.assertEqual(table["GlobalSecondaryIndexes"], definition["GlobalSecondaryIndexes"])
        self.assertEqual(table["TimeToLiveSpecification"], {"AttributeName": definition["TimeToLive"]["AttributeName"], "Enabled": True})
        self.assertEqual(table["BillingMode"], "PAY_PER_REQUEST")
        self.assertTrue(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        self.assertTrue(table["SSESpecification"]["SSEEnabled"])

    def test_the_site_bucket_is_private_and_read_only_by_cloudfront(self):
        bucket = RESOURCES["SiteBucket"]["Properties"]
        self.assertTrue(all(bucket["PublicAccessBlockConfiguration"].values()))
        statement = RESOURCES["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        self.assertEqual([s["Principal"] for s in statement], [{"Service": "cloudfront.amazonaws.com"}])
        self.assertIn("AWS:SourceArn", statement[0]["Condition"]["StringEquals"])


class Site(unittest.TestCase):
    def test_cloudfront_sends_the_sites_security_headers(self):
        security = json.loads(source("static-site/security-headers.json"))
        strict = security["contentSecurityPolicy"]
        sdk = {k: v + security["sdkPages"]["add"].get(k, []) for k, v in strict.items()}
        self.assertFalse(set(security["sdkPages"]["add"]) - set(strict), "the SDK pages only add to directives the strict policy has")
        for logical, policy in {"SiteHeaders": strict, "SdkPageHeaders": sdk}.items():
            csp = "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items())
            config = RESOURCES[logical]["Properties"]["ResponseHeadersPolicyConfig"]
            headers = config["SecurityHeadersConfig"]
            self.assertEqual(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"], csp, logical)
            self.assertEqual(headers["ReferrerPolicy"]["ReferrerPolicy"], security["headers"]["Referrer-Policy"])
            self.assertEqual(headers["FrameOptions"]["FrameOption"], security["headers"]["X-Frame-Options"])
            hsts = security["headers"]["Strict-Transport-Security"]
            self.assertIn(f"max-age={headers['StrictTransportSecurity']['AccessControlMaxAgeSec']}", hsts)
            custom = {i["Header"]: i["Value"] for i in config["CustomHeadersConfig"]["Items"]}
            for name in ["Cross-Origin-Opener-Policy", "Permissions-Policy"]:
                self.assertEqual(custom[name], security["headers"][name])
        self.assertNotIn("'unsafe-eval'", " ".join(strict["script-src"]))

    def test_only_the_sdk_pages_get_the_sdk_policy_and_every_page_is_compressed(self):
        security = json.loads(source("static-site/security-headers.json"))
        sdk_paths = {q for p in security["sdkPages"]["paths"] for q in (p, f"{p}/*")}
        for authenticator in ["embedded", "hosted"]:
            for app in [{}, APP]:
                case = f"{authenticator}, {'an app' if app else 'no app'}"
                resources, _ = resolve(Authenticator=authenticator, **app)
                config = distribution(resources)
                default = config["DefaultCacheBehavior"]
                site = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "site"]
                if not app:
                    self.assertEqual(default["TargetOriginId"], "site", case)
                    self.assertEqual(default["ResponseHeadersPolicyId"], {"Ref": "SiteHeaders"}, case)
                    site.append(default)
                policies = {b.get("PathPattern", "default"): b["ResponseHeadersPolicyId"] for b in site}
                # The SDK pages exist only in the embedded build: in hosted mode every page
                # gets the strict policy, and with an app those paths are the app's.
                sdk = {path for path, policy in policies.items() if policy == {"Ref": "SdkPageHeaders"}}
                self.assertEqual(sdk, sdk_paths if authenticator == "embedded" else set(), case)
                self.assertEqual("SdkPageHeaders" in resources, authenticator == "embedded", case)
                strict = {path for path, policy in policies.items() if policy == {"Ref": "SiteHeaders"}}
                self.assertEqual(strict, {"/account", "/account/*"} | ({"default"} if not app else set()), case)
                for behaviour in site:
                    where = f"{case}: {behaviour.get('PathPattern', 'default')}"
                    self.assertTrue(behaviour["Compress"], where)
                    self.assertEqual(behaviour["FunctionAssociations"][0]["FunctionARN"], {"Fn::GetAtt": ["PageRoutes", "FunctionMetadata.FunctionARN"]}, where)
                    self.assertEqual(behaviour["CachePolicyId"], "658327ea-f89d-4fab-a63d-7e88639e58f6", where)  # CachingOptimized
        # The account page's path is the site's (static-site/src/api.ts, vite.config.ts),
        # and CloudFront's page routes send it to home.
        for file in ["static-site/src/api.ts", "static-site/vite.config.ts"]:
            self.assertIn("const ACCOUNT_PAGE = '/account';", source(file), file)
        routes = RESOURCES["PageRoutes"]["Properties"]["FunctionCode"]
        self.assertIn("request.uri === '/account' || request.uri === '/account/'", routes)
        self.assertIn("request.uri = '/index.html';", routes)
        self.assertIn("assetsDir: 'account/assets'", source("static-site/vite.config.ts"))

    def test_the_api_behaviour_is_uncached_and_passes_what_the_functions_read(self):
        behaviours = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
        api = next(b for b in behaviours if b.get("PathPattern") == "/api/auth/*")
        self.assertEqual(api["CachePolicyId"], "4135ea2d-6df8-44a3-9df3-4b5a84be39ad")  # CachingDisabled
        self.assertIn("POST", api["AllowedMethods"])
        self.assertEqual(api["OriginRequestPolicyId"], {"Ref": "ApiOriginRequests"})
        policy = RESOURCES["ApiOriginRequests"]["Properties"]["OriginRequestPolicyConfig"]
        self.assertEqual(policy["CookiesConfig"]["CookieBehavior"], "all")
        self.assertEqual(policy["QueryStringsConfig"]["QueryStringBehavior"], "all")
        self.assertEqual(policy["HeadersConfig"]["HeaderBehavior"], "whitelist")
        forwarded = {h.lower() for h in policy["HeadersConfig"]["Headers"]}
        # The headers the code reads from a request (Cookie travels as cookies).
        code = "".join(source(f) for f in ["shared/src/http/mod.rs", "shared/src/routes/register.rs", "shared/src/routes/signin.rs"])
        read = {"origin", "content-type", "cloudfront-viewer-address", "sec-fetch-site"}
        # Forward auth's questions (shared/src/routes/forward_auth.rs): a proxy may ask
        # through the stack's own URL.
        forward = set(re.findall(r'^const [A-Z_]+: HeaderName = HeaderName::from_static\("([a-z-]+)"\);', source("shared/src/routes/forward_auth.rs"), re.M))
        self.assertEqual(forward, {"x-forwarded-uri", "x-forwarded-method", "sec-fetch-mode"})
        read |= forward
        self.assertIn("header::ORIGIN", code)
        self.assertIn("header::CONTENT_TYPE", code)
        self.assertIn('"cloudfront-viewer-address"', code)
        self.assertIn('"sec-fetch-site"', code)
        self.assertLessEqual(read, forwarded)
        self.assertNotIn("host", forwarded, "API Gateway needs its own Host")
        self.assertLessEqual(len(forwarded), 10, "CloudFront's quota of headers per origin request policy")


class FrontDoor(unittest.TestCase):
    def test_cloudfront_sends_the_origin_secret_and_every_function_requires_it(self):
        origins = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
        api = next(o for o in origins if o["Id"] == "api")
        headers = {h["HeaderName"].lower(): h["HeaderValue"] for h in api["OriginCustomHeaders"]}
        self.assertEqual(headers, {"x-origin-verify": {"Ref": "OriginVerifySecret"}})
        self.assertIn('ORIGIN_VERIFY_HEADER: &str = "x-origin-verify"', source("shared/src/http/mod.rs"))
        self.assertTrue(TEMPLATE["Parameters"]["OriginVerifySecret"]["NoEcho"])
        for crate, (logical, resource) in function_resources().items():
            env = resource["Properties"]["Environment"]["Variables"]
            if crate == AUTHORIZER:
                # API Gateway calls it directly; no route reaches it through CloudFront.
                targets = {i["Properties"]["IntegrationUri"]["Fn::GetAtt"][0] for i in of_type("AWS::ApiGatewayV2::Integration").values()}
                self.assertNotIn(logical, targets)
                self.assertNotIn("SECRET_NAMES", env)
                continue
            self.assertIn("ORIGIN_VERIFY_SECRET", env["SECRET_NAMES"].split(","), crate)
            code = route_source(crate)
            self.assertIn("check_front_door(request", code, f"{crate} does not check the front door")

    def test_each_route_has_its_own_throttle_from_the_parameters(self):
        groups = {
            "SessionCheckRate": ["GET /api/auth/session", "GET /api/auth/verify", "POST /api/auth/session"],
            "SignInRate": ["GET /api/auth/signin", "GET /api/auth/callback/beyondidentity", "POST /api/auth/signout", "GET /api/auth/signin/beyondidentity", "POST /api/auth/signin/beyondidentity", "GET /api/auth/csrf", "GET /api/auth/providers", "GET /api/auth/error"],
            "AccountRate": ["POST /api/auth/backchannel-logout", "GET /api/auth/sessions", "POST /api/auth/sessions/revoke", "POST /api/auth/signout-everywhere", "GET /api/auth/passkeys", "POST /api/auth/passkeys/revoke", "POST /api/auth/account/delete", "POST /api/auth/account/address/confirm"],
            "RegisterRate": ["POST /api/auth/register", "POST /api/auth/binding-owner", "POST /api/auth/binding-complete", "POST /api/auth/bind-job", "POST /api/auth/account/address"],
        }
        self.assertEqual(sorted(r for g in groups.values() for r in g), sorted(f"{m} {p}" for m, p in ROUTES))
        resources, _ = resolve(SignInRate=7)
        stage = resources["HttpApiStage"]["Properties"]
        self.assertEqual(set(stage["RouteSettings"]), {f"{m} {p}" for m, p in ROUTES})
        defaults = {name: TEMPLATE["Parameters"][name]["Default"] for name in groups}
        for name, routes in groups.items():
            expected = 7 if name == "SignInRate" else defaults[name]
            for route in routes:
                # The burst, what one second may hold, is one second's rate.
                self.assertEqual(stage["RouteSettings"][route], {"ThrottlingBurstLimit": expected, "ThrottlingRateLimit": expected}, route)
        # The team's routes behind the authorizer get as much as the session checks.
        self.assertEqual(stage["DefaultRouteSettings"]["ThrottlingRateLimit"], defaults["SessionCheckRate"])
        # Sized (docs/deploy.md, "Capacity"): registrations < sign-ins < session checks,
        # and all of them together within the Region's API Gateway quota of 10,000 a second.
        self.assertLess(defaults["RegisterRate"], defaults["SignInRate"])
        self.assertLess(defaults["SignInRate"], defaults["SessionCheckRate"])
        self.assertLessEqual(sum(defaults[name] * len(routes) for name, routes in groups.items()), 10000)
        deploy = source("infra/deploy.sh")
        for name, variable in {"SessionCheckRate": "SESSION_CHECK_RATE", "SignInRate": "SIGN_IN_RATE", "AccountRate": "ACCOUNT_RATE", "RegisterRate": "REGISTER_RATE"}.items():
            self.assertIn(f'"{name}": os.environ.get("{variable}", "{defaults[name]}")', deploy)

    def test_the_waf_is_a_stack_of_its_own_and_the_main_stack_takes_any_web_acl(self):
        waf = cfn_yaml.load(str(ROOT / "infra" / "waf.yaml"))
        acl = waf["Resources"]["WebAcl"]["Properties"]
        self.assertEqual(acl["Scope"], "CLOUDFRONT")
        self.assertEqual(acl["DefaultAction"], {"Allow": {}})
        rule = acl["Rules"][0]
        self.assertEqual(rule["Statement"]["RateBasedStatement"]["Limit"], {"Ref": "RateLimit"})
        self.assertEqual(rule["Statement"]["RateBasedStatement"]["AggregateKeyType"], "IP")
        self.assertIn("Block", rule["Action"])
        self.assertEqual(waf["Outputs"]["WebAclArn"]["Value"], {"Fn::GetAtt": ["WebAcl", "Arn"]})
        # The main stack forces no Region: no rule, no WAF resource of its own.
        self.assertEqual([r for r in TEMPLATE.get("Rules", {}) if "Waf" in r], [])
        self.assertFalse([n for n, r in RESOURCES.items() if r["Type"].startswith("AWS::WAFv2")])
        pattern = re.compile(TEMPLATE["Parameters"]["WebAclArn"]["AllowedPattern"])
        for arn, ok in [
            ("", True),
            ("arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop-waf/0123abcd-0000-4000-8000-000000000000", True),
            ("arn:aws:wafv2:eu-west-1:123456789012:global/webacl/shop-waf/0123abcd", False),
            ("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-waf/0123abcd", False),
        ]:
            self.assertEqual(bool(pattern.fullmatch(arn)), ok, arn)
        without, _ = resolve()
        self.assertNotIn("WebACLId", distribution(without))
        arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop-waf/0123abcd-0000-4000-8000-000000000000"
        with_acl, _ = resolve(WebAclArn=arn)
        self.assertEqual(distribution(with_acl)["WebACLId"], arn)


class Layouts(unittest.TestCase):
    """The front door with and without each of its parameters: the team's app, its
    protocol, the custom domain and its zone, the pages."""

    FUNCTIONS_WITH_ORIGIN = ["SigninFunction", "CallbackFunction", "SessionFunction", "RegisterFunction", "BindJobFunction"]

    def env(self, resources, logical):
        return resources[logical]["Properties"]["Environment"]["Variables"]

    def test_without_an_app_the_site_has_every_path_as_before(self):
        resources, _ = resolve()
        config = distribution(resources)
        self.assertEqual([o["Id"] for o in config["Origins"]], ["site", "api"])
        self.assertEqual(config["DefaultRootObject"], "index.html")
        for name in ["AppRequestHeaders", "AppCache", "AppOriginRequests"]:
            self.assertNotIn(name, resources)
        for logical in self.FUNCTIONS_WITH_ORIGIN:
            env = self.env(resources, logical)
            self.assertFalse({"AUTH_ACCOUNT_PAGE", "AUTH_ERROR_PAGE", "AUTH_LANDING_PAGE"} & set(env), logical)

    def test_the_teams_app_is_the_default_uncached_unless_it_asks_with_its_own_headers(self):
        resources, _ = resolve(AppOriginSecret="s" * 32, **APP)
        config = distribution(resources)
        app = next(o for o in config["Origins"] if o["Id"] == "app")
        self.assertEqual(app["DomainName"], "app.example.net")
        self.assertEqual(app["CustomOriginConfig"]["OriginProtocolPolicy"], "https-only")
        self.assertEqual(app["CustomOriginConfig"]["HTTPSPort"], 443)
        self.assertEqual(app["OriginCustomHeaders"], [{"HeaderName": "X-Origin-Verify", "HeaderValue": "s" * 32}])
        self.assertNotIn("DefaultRootObject", config, "/ is the app's")
        default = config["DefaultCacheBehavior"]
        self.assertEqual(default["TargetOriginId"], "app")
        self.assertNotIn("ResponseHeadersPolicyId", default, "the app's own headers are left alone")
        self.assertEqual(set(default["AllowedMethods"]), {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"})
        self.assertEqual(default["CachePolicyId"], {"Ref": "AppCache"})
        cache = resources["AppCache"]["Properties"]["CachePolicyConfig"]
        self.assertEqual((cache["MinTTL"], cache["DefaultTTL"]), (0, 0), "nothing cached unless Cache-Control asks")
        key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
        # One user's cached answer never reaches another: every cookie, query string and
        # the Authorization header are in the key.
        self.assertEqual(key["CookiesConfig"]["CookieBehavior"], "all")
        self.assertEqual(key["QueryStringsConfig"]["QueryStringBehavior"], "all")
        self.assertEqual(key["HeadersConfig"], {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]})
        self.assertEqual(default["OriginRequestPolicyId"], {"Ref": "AppOriginRequests"})
        forwarded = resources["AppOriginRequests"]["Properties"]["OriginRequestPolicyConfig"]
        self.assertEqual(forwarded["HeadersConfig"], {"HeaderBehavior": "allExcept", "Headers": ["Host"]})
        self.assertEqual(forwarded["CookiesConfig"]["CookieBehavior"], "all")
        # A viewer's own X-Auth-Request-* headers never reach the app.
        self.assertEqual(default["FunctionAssociations"], [{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["AppRequestHeaders", "FunctionMetadata.FunctionARN"]}}])
        code = resources["AppRequestHeaders"]["Properties"]["FunctionCode"]
        self.assertIn("name.indexOf('x-auth-request-') === 0", code)
        self.assertIn("delete headers[name]", code)
        # The sign-in keeps its paths; the SDK pages too (embedded).
        security = json.loads(source("static-site/security-headers.json"))
        kept = {b["PathPattern"]: b["TargetOriginId"] for b in config["CacheBehaviors"]}
        for path in RESERVED + [q for p in security["sdkPages"]["paths"] for q in (p, f"{p}/*")]:
            self.assertIn(kept.get(path), {"site", "api"}, path)
        self.assertNotIn("app", kept.values())
        for logical in self.FUNCTIONS_WITH_ORIGIN:
            self.assertEqual(self.env(resources, logical)["AUTH_ACCOUNT_PAGE"], "/account", logical)

    def test_an_app_over_http_is_sent_no_cookie_and_no_secret(self):
        resources, _ = resolve(AppProtocol="http", AppPort=80, AppOriginSecret="s" * 32, **APP)
        config = distribution(resources)
        app = next(o for o in config["Origins"] if o["Id"] == "app")
        self.assertEqual(app["CustomOriginConfig"]["OriginProtocolPolicy"], "http-only")
        self.assertEqual(app["CustomOriginConfig"]["HTTPPort"], 80)
        self.assertNotIn("OriginCustomHeaders", app, "a secret in plain text is no secret")
        default = config["DefaultCacheBehavior"]
        self.assertEqual(default["CachePolicyId"], "658327ea-f89d-4fab-a63d-7e88639e58f6")  # CachingOptimized: no cookie
        self.assertNotIn("OriginRequestPolicyId", default)
        self.assertNotIn("AppOriginRequests", resources)

    def test_an_origin_path_and_port_reach_the_app(self):
        resources, _ = resolve(AppPath="/prod", AppPort=8443, **APP)
        app = next(o for o in distribution(resources)["Origins"] if o["Id"] == "app")
        self.assertEqual(app["OriginPath"], "/prod")
        self.assertEqual(app["CustomOriginConfig"]["HTTPSPort"], 8443)
        self.assertNotIn("OriginCustomHeaders", app, "no secret given, none sent")
        pattern = re.compile(TEMPLATE["Parameters"]["AppPath"]["AllowedPattern"])
        for good in ["", "/prod", "/v1/app"]:
            self.assertTrue(pattern.fullmatch(good), good)
        for bad in ["prod", "/prod/", "/a?b", "/a b", "//x"]:
            self.assertFalse(pattern.fullmatch(bad), bad)

    def test_a_custom_domain_is_the_public_origin_with_its_certificate_and_records(self):
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000"
        resources, outputs = resolve(DomainName="auth.example.com", CertificateArn=arn)
        config = distribution(resources)
        self.assertEqual(config["Aliases"], ["auth.example.com"])
        self.assertEqual(config["ViewerCertificate"], {"AcmCertificateArn": arn, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"})
        for logical in self.FUNCTIONS_WITH_ORIGIN:
            self.assertEqual(self.env(resources, logical)["AUTH_URL"], {"Fn::Sub": "https://${DomainName}"}, logical)
        self.assertEqual(outputs["RedirectUri"]["Value"], {"Fn::Sub": "https://${DomainName}/api/auth/callback/beyondidentity"})
        self.assertNotIn("DnsRecords", resources, "no zone given, no records")
        resources, _ = resolve(DomainName="auth.example.com", CertificateArn=arn, HostedZoneId="Z0123456789ABC")
        records = resources["DnsRecords"]["Properties"]
        self.assertEqual(records["HostedZoneId"], "Z0123456789ABC")
        self.assertEqual({r["Type"] for r in records["RecordSets"]}, {"A", "AAAA"})
        self.assertTrue(all(r["Name"] == "auth.example.com" for r in records["RecordSets"]))
        self.assertTrue(distribution(resources)["IPV6Enabled"], "an AAAA record needs IPv6")
        # Without a domain: the distribution's own name and certificate.
        resources, outputs = resolve()
        config = distribution(resources)
        self.assertNotIn("Aliases", config)
        self.assertEqual(config["ViewerCertificate"], {"CloudFrontDefaultCertificate": True})
        self.assertEqual(self.env(resources, "SigninFunction")["AUTH_URL"], {"Fn::Sub": "https://${Distribution.DomainName}"})
        # CloudFront reads certificates in us-east-1 only; a domain needs one, a zone needs a domain.
        pattern = re.compile(TEMPLATE["Parameters"]["CertificateArn"]["AllowedPattern"])
        self.assertTrue(pattern.fullmatch(arn))
        self.assertFalse(pattern.fullmatch(arn.replace("us-east-1", "eu-west-1")))
        rules = TEMPLATE["Rules"]
        self.assertEqual(rules["DomainNeedsCertificate"]["Assertions"][0]["Assert"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]})
        self.assertEqual(rules["ZoneNeedsDomain"]["Assertions"][0]["Assert"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]})

    def test_a_cdn_of_the_teams_own_in_front_names_the_public_origin_and_leaves_the_name_alone(self):
        resources, outputs = resolve(PublicOrigin="https://www.example.com")
        config = distribution(resources)
        self.assertNotIn("Aliases", config, "the team's CDN holds the name")
        self.assertEqual(config["ViewerCertificate"], {"CloudFrontDefaultCertificate": True})
        for logical in self.FUNCTIONS_WITH_ORIGIN:
            self.assertEqual(self.env(resources, logical)["AUTH_URL"], "https://www.example.com", logical)
        self.assertEqual(outputs["RedirectUri"]["Value"], {"Fn::Sub": "${PublicOrigin}/api/auth/callback/beyondidentity"})
        self.assertEqual(outputs["SiteUrl"]["Value"], "https://www.example.com")
        rule = TEMPLATE["Rules"]["DomainOrPublicOrigin"]
        self.assertEqual(rule["Assertions"][0]["Assert"], {"Fn::Equals": [{"Ref": "DomainName"}, ""]})
        pattern = re.compile(TEMPLATE["Parameters"]["PublicOrigin"]["AllowedPattern"])
        for good in ["", "https://www.example.com", "https://a.example.com:8443"]:
            self.assertTrue(pattern.fullmatch(good), good)
        for bad in ["http://www.example.com", "https://www.example.com/", "https://www.example.com/app", "https://WWW.example.com"]:
            self.assertFalse(pattern.fullmatch(bad), bad)

    def test_the_pages_are_passed_to_the_functions_that_send_the_browser(self):
        resources, _ = resolve(ErrorPage="/oops", LandingPage="/home", **APP)
        for logical in self.FUNCTIONS_WITH_ORIGIN:
            env = self.env(resources, logical)
            self.assertEqual((env["AUTH_ERROR_PAGE"], env["AUTH_LANDING_PAGE"]), ("/oops", "/home"), logical)
        app = source("shared/src/config/app.rs")
        for name in ["AUTH_ACCOUNT_PAGE", "AUTH_ERROR_PAGE", "AUTH_LANDING_PAGE"]:
            self.assertIn(f'"{name}"', app)


class Observability(unittest.TestCase):
    def test_the_metric_filters_read_the_audit_schema_the_code_writes(self):
        audit = source("shared/src/telemetry/audit.rs")
        for field in ["audit", "outcome", "reason", "user", "session", "client"]:
            self.assertRegex(audit, rf"\b{field}\b")
        self.assertIn('SIGN_IN: &str = "sign_in"', audit)
        self.assertIn('"refused"', audit)
        self.assertIn('"limited"', audit)
        self.assertIn('"session_store_unavailable"', source("shared/src/error.rs"))
        self.assertIn("error = error.code()", source("shared/src/http/mod.rs"))
        filters = {n: r["Properties"] for n, r in of_type("AWS::Logs::MetricFilter").items()}
        patterns = {p["MetricTransformations"][0]["MetricName"]: p["FilterPattern"] for p in filters.values()}
        self.assertEqual(patterns["SignInRefusals"], '{ $.fields.audit = "sign_in" && $.fields.outcome = "refused" }')
        self.assertEqual(patterns["RateLimited"], '{ $.fields.outcome = "limited" }')
        self.assertEqual(patterns["StoreErrors"], '{ $.fields.error = "session_store_unavailable" }')
        # Store errors are counted wherever the table is used.
        store_groups = {p["LogGroupName"]["Ref"] for p in filters.values() if p["MetricTransformations"][0]["MetricName"] == "StoreErrors"}
        self.assertEqual(store_groups, {"CallbackLogs", "SessionLogs", "RegisterLogs", "BindJobLogs"})

    def test_alarms_cover_refusals_limits_throttles_server_and_store_errors(self):
        alarms = of_type("AWS::CloudWatch::Alarm")
        self.assertEqual(set(alarms), {"SignInRefusalsAlarm", "RateLimitedAlarm", "StoreErrorsAlarm", "ServerErrorsAlarm", "ThrottlesAlarm", "EventsNotPublishedAlarm"})
        for name, alarm in alarms.items():
            self.assertEqual(alarm["Properties"]["AlarmActions"]["Fn::If"][0], "HasAlarmTopic", name)
            self.assertEqual(alarm["Properties"]["TreatMissingData"], "notBreaching", name)
        throttled = {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"] for m in alarms["ThrottlesAlarm"]["Properties"]["Metrics"] if "MetricStat" in m}
        self.assertEqual(throttled, {f"{logical}" for logical, _ in function_resources().values()})

    def test_every_function_that_records_audit_events_gets_the_audit_key(self):
        for crate, (_, resource) in function_resources().items():
            recorded = "Audit::new" in route_source(crate)
            named = resource["Properties"]["Environment"]["Variables"].get("SECRET_NAMES", "").split(",")
            self.assertEqual("AUDIT_KEY" in named, recorded, crate)

    def test_the_authorizer_guards_the_example_route_and_its_cache_is_keyed_by_the_cookie(self):
        authorizer = RESOURCES["SessionAuthorizer"]["Properties"]
        self.assertEqual(authorizer["AuthorizerType"], "REQUEST")
        self.assertEqual(authorizer["AuthorizerPayloadFormatVersion"], "2.0")
        self.assertTrue(authorizer["EnableSimpleResponses"])
        self.assertEqual(authorizer["IdentitySource"], ["$request.header.Cookie"])
        self.assertEqual(authorizer["AuthorizerResultTtlInSeconds"], {"Ref": "AuthorizerCacheSeconds"})
        self.assertEqual(TEMPLATE["Parameters"]["AuthorizerCacheSeconds"]["Default"], 0)
        self.assertIn("${AuthorizerFunction.Arn}", authorizer["AuthorizerUri"]["Fn::Sub"])
        route = RESOURCES["RouteGetExampleMe"]
        self.assertEqual(route["Condition"], "HasExample")
        self.assertEqual(route["Properties"]["AuthorizationType"], "CUSTOM")
        self.assertEqual(route["Properties"]["AuthorizerId"], {"Ref": "SessionAuthorizer"})
        self.assertEqual(TEMPLATE["Parameters"]["ExampleProtectedRoute"]["Default"], "false")
        # Every other route is the auth API's own, open by design.
        for name, r in of_type("AWS::ApiGatewayV2::Route").items():
            if name != "RouteGetExampleMe":
                self.assertNotIn("AuthorizerId", r["Properties"], name)


class Events(unittest.TestCase):
    """The account's events (docs/events.md): off by default; on, a bus of the stack's own,
    which each function that publishes may put events on, and nothing else may."""

    def publishers(self):
        """The function crates whose routes publish events, from the code."""
        return {crate for crate in function_resources() if re.search(r"self\s*\.\s*events\s*\.\s*publish(_one)?\(", route_source(crate))}

    def test_off_by_default_nothing_of_events_is_made_or_granted(self):
        self.assertEqual(TEMPLATE["Parameters"]["Events"]["Default"], "off")
        resources, outputs = resolve()
        self.assertFalse(of_type_in(resources, "AWS::Events::EventBus"))
        for crate, (logical, _) in function_resources().items():
            self.assertNotIn("AUTH_EVENT_BUS", resources[logical]["Properties"]["Environment"]["Variables"], crate)
            statements = resources[f"{logical.removesuffix('Function')}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            self.assertFalse([st for st in statements if "events:" in json.dumps(st)], crate)
        self.assertFalse([n for n in resources if n.startswith("EventsNotPublished")])
        self.assertNotIn("EventBusName", outputs)

    def test_on_each_publishing_function_may_put_events_on_the_stacks_bus_only(self):
        publishers = self.publishers()
        self.assertEqual(publishers, {"callback", "session", "register", "bind-job"})
        resources, outputs = resolve(Events="on")
        buses = of_type_in(resources, "AWS::Events::EventBus")
        self.assertEqual(list(buses), ["EventBus"])
        self.assertEqual(buses["EventBus"]["Properties"]["Name"], {"Fn::Sub": "${AWS::StackName}-events"})
        self.assertEqual(outputs["EventBusName"]["Value"], {"Ref": "EventBus"})
        for crate, (logical, _) in function_resources().items():
            env = resources[logical]["Properties"]["Environment"]["Variables"]
            statements = resources[f"{logical.removesuffix('Function')}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            grants = [st for st in statements if "events:" in json.dumps(st)]
            if crate in publishers:
                self.assertEqual(env["AUTH_EVENT_BUS"], {"Ref": "EventBus"}, crate)
                self.assertEqual(grants, [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["EventBus", "Arn"]}}], crate)
                self.assertIn("Events::from_config(", source(f"functions/{crate}/src/main.rs"), crate)
            else:
                self.assertNotIn("AUTH_EVENT_BUS", env, crate)
                self.assertEqual(grants, [], crate)
        # A failure to publish is logged with this error, counted and alarmed on, where
        # events are published.
        self.assertIn('error = "event_not_published"', source("shared/src/events/eventbridge.rs"))
        filters = {n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::Logs::MetricFilter" and n.startswith("EventsNotPublished")}
        self.assertEqual({f["LogGroupName"]["Ref"] for f in filters.values()}, {f"{function_resources()[c][0].removesuffix('Function')}Logs" for c in publishers})
        for f in filters.values():
            self.assertEqual(f["FilterPattern"], '{ $.fields.error = "event_not_published" }')
            self.assertEqual(f["MetricTransformations"][0]["MetricName"], "EventsNotPublished")
        self.assertEqual(resources["EventsNotPublishedAlarm"]["Properties"]["MetricName"], "EventsNotPublished")

    def test_deploy_passes_events_on_or_off(self):
        deploy = source("infra/deploy.sh")
        self.assertIn('"Events": os.environ.get("EVENTS", "off")', deploy)
        self.assertEqual(TEMPLATE["Parameters"]["Events"]["AllowedValues"], ["off", "on"])


class Mail(unittest.TestCase):
    """The product's own mail (shared/src/mail.rs): only with EmailFrom, only for the
    function that sends it, and only from that sender."""

    def senders(self):
        return {crate for crate in function_resources() if "Mailer::from_config(" in source(f"functions/{crate}/src/main.rs")}

    def test_without_a_sender_no_function_may_send_or_is_told_a_sender(self):
        resources, _ = resolve()
        for crate, (logical, _) in function_resources().items():
            self.assertNotIn("AUTH_EMAIL_FROM", resources[logical]["Properties"]["Environment"]["Variables"], crate)
            statements = resources[f"{logical.removesuffix('Function')}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            self.assertFalse([st for st in statements if "ses:" in json.dumps(st)], crate)

    def test_with_a_sender_only_the_account_function_sends_and_only_from_it(self):
        self.assertEqual(self.senders(), {"bind-job"})
        resources, _ = resolve(EmailFrom="no-reply@example.com")
        for crate, (logical, _) in function_resources().items():
            env = resources[logical]["Properties"]["Environment"]["Variables"]
            statements = resources[f"{logical.removesuffix('Function')}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            grants = [st for st in statements if "ses:" in json.dumps(st)]
            if crate in self.senders():
                self.assertEqual(env["AUTH_EMAIL_FROM"], "no-reply@example.com")
                self.assertEqual(len(grants), 1, crate)
                self.assertEqual(grants[0]["Action"], "ses:SendEmail")
                self.assertEqual(grants[0]["Condition"], {"StringEquals": {"ses:FromAddress": "no-reply@example.com"}})
            else:
                self.assertNotIn("AUTH_EMAIL_FROM", env, crate)
                self.assertEqual(grants, [], crate)
        self.assertIn('"EmailFrom": os.environ.get("EMAIL_FROM", "")', source("infra/deploy.sh"))


def of_type_in(resources, kind):
    return {name: r for name, r in resources.items() if r["Type"] == kind}


class Secrets(unittest.TestCase):
    def test_secrets_are_noecho_parameters_never_defaults(self):
        params = TEMPLATE["Parameters"]
        # The one secret the template still takes: CloudFront must send it.
        self.assertTrue(params["OriginVerifySecret"]["NoEcho"])
        self.assertNotIn("Default", params["OriginVerifySecret"])
        for name in ["AuthSecret", "AuditKey", "ClientSecret", "MgmtClientSecret", "ApiToken"]:
            self.assertNotIn(name, params, f"{name} belongs in Parameter Store")


if __name__ == "__main__":
    unittest.main()
