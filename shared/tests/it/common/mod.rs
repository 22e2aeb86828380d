//! The function-test harness: bi-local and a local DynamoDB server over real HTTP, the
//! three sign-in routes built as the functions build them, and API Gateway v2 /
//! Function URL events in and Lambda responses out, through `lambda_http`'s own
//! adapter.
#![allow(dead_code)]

pub mod events;
pub mod mail;

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use bi_local::{BiLocal, Fault, Flaw, Options, Target};
use lambda_http::request::LambdaRequest;
use lambda_http::tower::Service;
use lambda_http::{Adapter, Body, Context, LambdaEvent, Request, Response, service_fn};
use passkey_auth::events::Events;
use passkey_auth::mail::Mailer;
use passkey_auth::management::{BiManagementClient, RetryPolicy};
use passkey_auth::oidc::OidcClient;
use passkey_auth::oidc::jwks::JwksPolicy;
use passkey_auth::routes::account::AccountRoutes;
use passkey_auth::routes::backchannel::BackchannelLogout;
use passkey_auth::routes::callback::Callback;
use passkey_auth::routes::register::Register;
use passkey_auth::routes::session::SessionRoutes;
use passkey_auth::routes::signin::SignIn;
use passkey_auth::session::{SessionId, SessionToken};
use passkey_auth::store::dynamo::DynamoSessionStore;
use passkey_auth::{Env, ManagementFunctionConfig, Sessions, SignInConfig};
use serde_json::{Value, json};

pub const ORIGIN: &str = "http://localhost:3000";
/// The client address of every event unless a test says otherwise.
pub const CLIENT: &str = "203.0.113.7";
pub const AUTH_SECRET: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

/// A DynamoDB endpoint: the one `make test` started (`AWS_ENDPOINT_URL_DYNAMODB`), or
/// a moto server this test starts on a free port and stops when dropped.
pub struct LocalDynamo {
    pub endpoint: String,
    child: Option<Child>,
}

impl LocalDynamo {
    pub fn start() -> Self {
        if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
            return Self {
                endpoint,
                child: None,
            };
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr")
            .port();
        let moto = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server");
        let child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (run scripts/bootstrap.sh, or set AWS_ENDPOINT_URL_DYNAMODB)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        }
    }

    pub async fn client(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::new()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// A fresh table as `infra/session-table.json` describes it.
    pub async fn table(&self, client: &aws_sdk_dynamodb::Client) -> String {
        let definition: Value =
            serde_json::from_str(include_str!("../../../../infra/session-table.json"))
                .expect("json");
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("sessions-{}-{n}", std::process::id());
        let key = |k: &Value| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().expect("name"))
                .key_type(KeyType::from(k["KeyType"].as_str().expect("type")))
                .build()
                .expect("key")
        };
        let mut request = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest);
        for a in definition["AttributeDefinitions"]
            .as_array()
            .expect("attrs")
        {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(a["AttributeName"].as_str().expect("name"))
                    .attribute_type(ScalarAttributeType::from(
                        a["AttributeType"].as_str().expect("type"),
                    ))
                    .build()
                    .expect("attr"),
            );
        }
        for k in definition["KeySchema"].as_array().expect("keys") {
            request = request.key_schema(key(k));
        }
        for index in definition["GlobalSecondaryIndexes"]
            .as_array()
            .expect("indexes")
        {
            let mut gsi = GlobalSecondaryIndex::builder()
                .index_name(index["IndexName"].as_str().expect("name"))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                );
            for k in index["KeySchema"].as_array().expect("keys") {
                gsi = gsi.key_schema(key(k));
            }
            request = request.global_secondary_indexes(gsi.build().expect("gsi"));
        }
        request.send().await.expect("create table");
        name
    }
}

/// A DynamoDB client pointed at a port where nothing listens: the table cannot be reached.
pub fn unreachable_dynamo() -> aws_sdk_dynamodb::Client {
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    dynamo_at(&format!("http://127.0.0.1:{closed}"))
}

/// A DynamoDB client for a stand-in table at `endpoint`. It does not retry (the SDK's
/// backoff would only make the tests wait for the same answer: what the code does with
/// it).
pub fn dynamo_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::new()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    )
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

type Store = DynamoSessionStore;

/// bi-local, a session table, and the three sign-in routes.
pub struct Stack {
    pub bi: BiLocal,
    pub dynamo: LocalDynamo,
    pub db: aws_sdk_dynamodb::Client,
    pub table: String,
    pub config: SignInConfig,
    pub management: ManagementFunctionConfig,
    pub signin: Arc<SignIn<OidcClient, Store>>,
    pub callback: Arc<Callback<OidcClient, Store, Store>>,
    pub backchannel: Arc<BackchannelLogout<OidcClient, Store>>,
    pub session: Arc<SessionRoutes<Store>>,
    pub register: Arc<Register<BiManagementClient, Store>>,
    pub account: Arc<AccountRoutes<BiManagementClient, Store>>,
    /// The team's view of the events, when the stack publishes them (`AUTH_EVENT_BUS`).
    pub events: Option<events::EventProbe>,
}

/// Quicker than the production policy, so that the failure tests run fast; the bound a
/// slow API must respect is `budget`.
pub const TEST_POLICY: RetryPolicy = RetryPolicy {
    attempts: 4,
    base_delay: Duration::from_millis(50),
    max_delay: Duration::from_millis(200),
    attempt_timeout: Duration::from_millis(1000),
    budget: Duration::from_millis(2500),
};

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with extra or changed variables.
    pub async fn start_with(change: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        Self::start_with_bi_options(Options::default(), change).await
    }

    /// Starts bi-local with these options, and the routes with extra or changed variables.
    pub async fn start_with_bi_options(
        options: Options,
        change: impl FnOnce(&mut HashMap<String, String>),
    ) -> Self {
        let bi = BiLocal::start(options).await.expect("bi-local");
        Self::build(bi, change).await
    }

    /// With events on: a new bus on the moto server, which the routes publish to and the
    /// stack's `events` reads.
    pub async fn start_with_events(options: Options) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let bus = format!("events-{}-{n}", std::process::id());
        Self::start_with_bi_options(options, |vars| {
            vars.insert("AUTH_EVENT_BUS".into(), bus);
        })
        .await
    }

    /// New routes (a cold start) on the same bi-local.
    pub async fn start_with_bi(previous: Stack) -> Self {
        Self::build(previous.bi, |_| {}).await
    }

    /// The routes on a running bi-local, with extra or changed variables.
    pub async fn build(bi: BiLocal, change: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        Self::build_with(bi, change, JwksPolicy::default()).await
    }

    /// As [`Stack::build`], with the provider client's key-cache policy.
    pub async fn build_with(
        bi: BiLocal,
        change: impl FnOnce(&mut HashMap<String, String>),
        jwks: JwksPolicy,
    ) -> Self {
        let dynamo = LocalDynamo::start();
        let db = dynamo.client().await;
        let table = dynamo.table(&db).await;
        let s = bi.settings();
        let mut vars: HashMap<String, String> = HashMap::from([
            ("AUTH_URL".into(), ORIGIN.into()),
            ("AUTH_SECRET".into(), AUTH_SECRET.into()),
            ("SESSION_TABLE".into(), table.clone()),
            ("BEYOND_IDENTITY_ISSUER".into(), s.issuer.clone()),
            ("BEYOND_IDENTITY_CLIENT_ID".into(), s.client_id.clone()),
            (
                "BEYOND_IDENTITY_CLIENT_SECRET".into(),
                s.client_secret.clone(),
            ),
            (
                "BEYOND_IDENTITY_AUTH_BASE_URL".into(),
                s.auth_base_url.clone(),
            ),
            (
                "BEYOND_IDENTITY_API_BASE_URL".into(),
                s.api_base_url.clone(),
            ),
            ("BEYOND_IDENTITY_TENANT_ID".into(), s.tenant_id.clone()),
            ("BEYOND_IDENTITY_REALM_ID".into(), s.realm_id.clone()),
            (
                "BEYOND_IDENTITY_APPLICATION_CONFIG_ID".into(),
                s.authenticator_config_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_AUTHENTICATOR".into(),
                s.authenticator.setting().into(),
            ),
            (
                "BEYOND_IDENTITY_ADMIN_REALM_ID".into(),
                s.admin_realm_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_APPLICATION_ID".into(),
                s.mgmt_application_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_CLIENT_ID".into(),
                s.mgmt_client_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_CLIENT_SECRET".into(),
                s.mgmt_client_secret.clone(),
            ),
        ]);
        change(&mut vars);
        let env = Env::from_pairs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let config = SignInConfig::load(&env).expect("a valid configuration");
        let management =
            ManagementFunctionConfig::load(&env).expect("a valid management configuration");
        let api = || {
            BiManagementClient::new(management.management.clone(), TEST_POLICY).expect("api client")
        };
        let store = || DynamoSessionStore::new(db.clone(), table.clone());
        let provider = || {
            OidcClient::new(config.provider.clone(), &config.app.redirect_uri())
                .expect("client")
                .with_jwks_policy(jwks)
        };
        let sessions = || {
            Sessions::new(
                DynamoSessionStore::new(db.clone(), table.clone()),
                config.app.sessions.clone(),
            )
        };
        // Events go to the moto server that holds the table (EventBridge's API moved
        // there as an SDK's would be, by AWS_ENDPOINT_URL_EVENTBRIDGE, unless the test
        // moved it elsewhere).
        let probe = match &config.app.event_bus {
            Some(bus) if !vars.contains_key("AWS_ENDPOINT_URL_EVENTBRIDGE") => {
                Some(events::EventProbe::create(&dynamo.endpoint, bus).await)
            }
            _ => None,
        };
        let mut event_env = vars.clone();
        event_env
            .entry("AWS_ENDPOINT_URL_EVENTBRIDGE".into())
            .or_insert_with(|| dynamo.endpoint.clone());
        let event_env = Env::from_pairs(event_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let aws = passkey_auth::outbound::aws::config()
            .await
            .expect("AWS settings");
        let events = || {
            Events::from_config(config.app.event_bus.as_deref(), &event_env, &aws).expect("events")
        };
        // Mail (AUTH_EMAIL_FROM) goes to the same moto server's SES, where the tests read it.
        let mut mail_env = vars.clone();
        mail_env
            .entry("AWS_ENDPOINT_URL_SESV2".into())
            .or_insert_with(|| dynamo.endpoint.clone());
        let mail_env = Env::from_pairs(mail_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mailer =
            Mailer::from_config(config.app.email_from.as_deref(), &mail_env, &aws).expect("mailer");
        if let Some(sender) = &config.app.email_from {
            mail::verify_sender(&dynamo.endpoint, sender).await;
        }
        Self {
            signin: Arc::new(SignIn::new(config.clone(), provider(), store()).expect("signin")),
            callback: Arc::new(
                Callback::new(config.clone(), provider(), sessions(), store())
                    .expect("callback")
                    .with_events(events()),
            ),
            backchannel: Arc::new(
                BackchannelLogout::new(config.clone(), provider(), sessions())
                    .with_events(events()),
            ),
            session: Arc::new(
                SessionRoutes::new(config.app.clone(), sessions()).with_events(events()),
            ),
            // No answer floor: the tests that are about it set their own.
            register: Arc::new(
                Register::new(management.clone(), api(), store())
                    .with_answer_floor(std::time::Duration::ZERO)
                    .with_events(events()),
            ),
            // No answer floor for a change of address either: the tests of it set theirs.
            account: Arc::new(
                AccountRoutes::new(management.clone(), api(), store())
                    .with_events(events())
                    .with_mailer(mailer)
                    .with_answer_floor(std::time::Duration::ZERO),
            ),
            events: probe,
            bi,
            dynamo,
            db,
            table,
            config,
            management,
        }
    }
}

/// The session a cookie (`name=token`, as `Stack::sign_in` returns it) names, as the store
/// keys it.
pub fn session_id(cookie: &str) -> SessionId {
    let token = cookie.split_once('=').expect("name=value").1;
    SessionToken::parse(token).expect("a session token").id()
}

/// bi-local's next ID token says the user authenticated an hour ago (once).
pub fn stale_auth_time() -> Fault {
    Fault {
        target: Target::IdToken,
        status: None,
        retry_after: None,
        delay_ms: None,
        flaw: Some(Flaw::StaleAuthTime),
        times: Some(1),
    }
}

/// A same-origin JSON POST from the app's own page.
pub fn post(path: &str, cookies: &[&str], body: &str) -> Value {
    event(
        "POST",
        path,
        &[("origin", ORIGIN), ("content-type", "application/json")],
        cookies,
        Some(body),
    )
}

/// An API Gateway HTTP API (payload 2.0) / Function URL event.
pub fn event(
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    cookies: &[&str],
    body: Option<&str>,
) -> Value {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut header_map = serde_json::Map::new();
    header_map.insert("host".into(), "localhost:3000".into());
    header_map.insert("user-agent".into(), "function-test".into());
    for (k, v) in headers {
        header_map.insert(k.to_ascii_lowercase(), Value::from(*v));
    }
    let mut query_map = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        query_map.insert(k.into_owned(), Value::from(v.into_owned()));
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": cookies,
        "headers": header_map,
        "queryStringParameters": query_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "function-test",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": CLIENT, "userAgent": "function-test"},
            "requestId": "request-id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:20:00:00 +0000",
            "timeEpoch": 1_795_000_000_000_i64,
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// The event as if sent from the client address `client` (its `sourceIp`).
pub fn from_client(mut event: Value, client: &str) -> Value {
    event["requestContext"]["http"]["sourceIp"] = client.into();
    event
}

/// A Lambda response as the runtime sends it back to API Gateway or the Function URL.
pub struct Answer(pub Value);

/// An error answer's status and `error` code.
pub fn error_of(answer: &Answer) -> (u16, Value) {
    (answer.status(), answer.json()["error"].clone())
}

impl Answer {
    pub fn status(&self) -> u16 {
        self.0["statusCode"].as_u64().expect("statusCode") as u16
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.0["headers"][name].as_str()
    }

    pub fn location(&self) -> &str {
        self.header("location").expect("a location")
    }

    /// The `Set-Cookie` values, from the `cookies` array.
    pub fn cookies(&self) -> Vec<String> {
        self.0["cookies"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value a `Set-Cookie` gives `name` (`Some("")` when it clears it).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().iter().find_map(|c| {
            let (k, rest) = c.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or_default().to_owned())
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.0["body"].as_str().expect("a body")).expect("a JSON body")
    }
}

/// Runs a handler on an event through `lambda_http`'s adapter, as the runtime does.
pub async fn invoke<F, Fut>(handler: F, event: Value) -> Answer
where
    F: Fn(Request) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Response<Body>> + Send + 'static,
{
    let mut request: LambdaRequest = serde_json::from_value(event).expect("a valid event");
    passkey_auth::http::lambda::make_safe(&mut request);
    let mut adapter = Adapter::from(service_fn(move |r: Request| {
        let fut = handler(r);
        async move { Ok::<_, std::convert::Infallible>(fut.await) }
    }));
    std::future::poll_fn(|cx| adapter.poll_ready(cx))
        .await
        .expect("ready");
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .expect("a response");
    Answer(serde_json::to_value(&response).expect("serialisable"))
}

impl Stack {
    /// The table's items of one kind (`session`, `claim`).
    pub async fn items(
        &self,
        kind: &str,
    ) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let scan = self
            .db
            .scan()
            .table_name(&self.table)
            .send()
            .await
            .expect("scan");
        scan.items()
            .iter()
            .filter(|i| {
                i.get("kind")
                    .and_then(|k| k.as_s().ok())
                    .is_some_and(|k| k == kind)
            })
            .cloned()
            .collect()
    }

    pub async fn get_signin(&self, path_and_query: &str, cookies: &[&str]) -> Answer {
        self.signin_at(path_and_query, cookies, passkey_auth::now())
            .await
    }

    pub async fn signin_at(&self, path_and_query: &str, cookies: &[&str], now: i64) -> Answer {
        self.signin_from_client(path_and_query, cookies, CLIENT, now)
            .await
    }

    /// `GET` on signin from the client address `client` (the event's `sourceIp`).
    pub async fn signin_from_client(
        &self,
        path_and_query: &str,
        cookies: &[&str],
        client: &str,
        now: i64,
    ) -> Answer {
        let get = event("GET", path_and_query, &[], cookies, None);
        self.signin_event(from_client(get, client), now).await
    }

    /// Any event on signin (next-auth's routes: `/csrf`, a posted sign-in…).
    pub async fn signin_event(&self, event: Value, now: i64) -> Answer {
        let route = self.signin.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            event,
        )
        .await
    }

    pub async fn get_callback(&self, path_and_query: &str, cookies: &[&str]) -> Answer {
        self.callback_at(path_and_query, cookies, passkey_auth::now())
            .await
    }

    pub async fn callback_at(&self, path_and_query: &str, cookies: &[&str], now: i64) -> Answer {
        self.callback_from_client(path_and_query, cookies, CLIENT, now)
            .await
    }

    /// `GET` on the callback from the client address `client`.
    pub async fn callback_from_client(
        &self,
        path_and_query: &str,
        cookies: &[&str],
        client: &str,
        now: i64,
    ) -> Answer {
        let route = self.callback.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            from_client(event("GET", path_and_query, &[], cookies, None), client),
        )
        .await
    }

    /// Drops the session table: every call to it fails from now on.
    pub async fn delete_table(&self) {
        self.db
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .expect("the table deleted");
    }

    pub async fn get_session(&self, cookies: &[&str]) -> Answer {
        self.session_at(
            event("GET", "/api/auth/session", &[], cookies, None),
            passkey_auth::now(),
        )
        .await
    }

    pub async fn session_at(&self, event: Value, now: i64) -> Answer {
        let route = self.session.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            event,
        )
        .await
    }

    pub async fn sign_out(&self, cookies: &[&str]) -> Answer {
        let e = event(
            "POST",
            "/api/auth/signout",
            &[("origin", ORIGIN), ("content-type", "application/json")],
            cookies,
            Some("{}"),
        );
        self.session_at(e, passkey_auth::now()).await
    }

    /// A provider's back-channel logout: `logout_token=<token>`, form-encoded.
    pub async fn post_logout_token(&self, token: &str, now: i64) -> Answer {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("logout_token", token)
            .finish();
        self.backchannel_at(
            event(
                "POST",
                "/api/auth/backchannel-logout",
                &[("content-type", "application/x-www-form-urlencoded")],
                &[],
                Some(&body),
            ),
            now,
        )
        .await
    }

    pub async fn backchannel_at(&self, event: Value, now: i64) -> Answer {
        let route = self.backchannel.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            event,
        )
        .await
    }

    /// A logout token minted by bi-local (`/_emulator/logout-token`).
    pub async fn logout_token(&self, request: Value) -> String {
        let answer: Value = bi_local::sdk::http()
            .post(format!("{}/_emulator/logout-token", self.bi.auth_url()))
            .json(&request)
            .send()
            .await
            .expect("logout-token")
            .json()
            .await
            .expect("json");
        answer["logout_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {answer}"))
            .to_owned()
    }

    pub async fn post_register(&self, body: &str, now: i64) -> Answer {
        self.post_register_from(body, "203.0.113.7", now).await
    }

    /// A registration from a given client address (the event's `sourceIp`).
    pub async fn post_register_from(&self, body: &str, source_ip: &str, now: i64) -> Answer {
        let e = event(
            "POST",
            "/api/auth/register",
            &[("origin", ORIGIN), ("content-type", "application/json")],
            &[],
            Some(body),
        );
        let e = from_client(e, source_ip);
        let route = self.register.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            e,
        )
        .await
    }

    /// Any request of the `register` function (registration, a link's owner, a binding).
    pub async fn register_at(&self, event: Value, now: i64) -> Answer {
        let route = self.register.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            event,
        )
        .await
    }

    pub async fn post_bind_job(&self, event: Value) -> Answer {
        self.account_at(event, passkey_auth::now()).await
    }

    /// The routes of the `bind-job` function (the account: passkeys, deletion) at a given time.
    pub async fn account_at(&self, event: Value, now: i64) -> Answer {
        let route = self.account.clone();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            event,
        )
        .await
    }

    /// signin → authorize → passkey → the callback URL (path and query) and the flow cookie.
    pub async fn start_sign_in(
        &self,
        passkey: &bi_local::sdk::Passkey,
        callback_url: &str,
    ) -> (String, String) {
        self.start_sign_in_at(passkey, callback_url, passkey_auth::now())
            .await
    }

    /// As [`Stack::start_sign_in`], with the flow begun at `now`.
    pub async fn start_sign_in_at(
        &self,
        passkey: &bi_local::sdk::Passkey,
        callback_url: &str,
        now: i64,
    ) -> (String, String) {
        let q: String = url::form_urlencoded::byte_serialize(callback_url.as_bytes()).collect();
        self.start_sign_in_from(passkey, &format!("/api/auth/signin?callbackUrl={q}"), now)
            .await
    }

    /// As [`Stack::start_sign_in_at`], from this sign-in request (path and query).
    pub async fn start_sign_in_from(
        &self,
        passkey: &bi_local::sdk::Passkey,
        signin: &str,
        now: i64,
    ) -> (String, String) {
        self.start_sign_in_from_client(passkey, signin, CLIENT, now)
            .await
    }

    /// As [`Stack::start_sign_in_from`], from the client address `client`.
    pub async fn start_sign_in_from_client(
        &self,
        passkey: &bi_local::sdk::Passkey,
        signin: &str,
        client: &str,
        now: i64,
    ) -> (String, String) {
        let answer = self.signin_from_client(signin, &[], client, now).await;
        assert_eq!(answer.status(), 302, "{:?}", answer.0);
        let flow = answer.cookie("__Host-auth-flow").expect("a flow cookie");
        let redirect = passkey.sign_in(&self.bi, answer.location()).await;
        let url = url::Url::parse(&redirect).expect("url");
        (
            format!("{}?{}", url.path(), url.query().unwrap_or_default()),
            format!("__Host-auth-flow={flow}"),
        )
    }

    /// An identity as Beyond Identity's management API answers for it: status and body.
    pub async fn identity(&self, id: &str) -> (u16, Value) {
        let s = self.bi.settings();
        let response = bi_local::sdk::http()
            .get(format!("{}/identities/{id}", bi_local::sdk::realm_url(&s)))
            .bearer_auth(&s.api_token)
            .send()
            .await
            .expect("get identity");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A sign-in with `passkey` through bi-local: the status its `authenticate` answers.
    pub async fn try_passkey(&self, passkey: &bi_local::sdk::Passkey) -> u16 {
        let answer = self
            .get_signin("/api/auth/signin?callbackUrl=%2F", &[])
            .await;
        let response = bi_local::sdk::http()
            .get(answer.location())
            .send()
            .await
            .expect("authorize");
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        passkey.authenticate(&self.bi, &location).await.0
    }

    /// The newest enrolment email's link, followed through Beyond Identity to the
    /// site's `/bind` link, as a browser would.
    pub async fn emailed_bind_link(&self) -> String {
        let emailed = self.bi.outbox().pop().expect("an email").link;
        let response = bi_local::sdk::http()
            .get(&emailed)
            .send()
            .await
            .expect("follow");
        response.headers()["location"]
            .to_str()
            .expect("a /bind link")
            .to_owned()
    }

    /// Whether a session cookie is signed in, as `GET /api/auth/session` answers now.
    /// Has bi-local sign with a new key; the old ones stay in its JWKS only with
    /// `keep_old`.
    pub async fn rotate_keys(&self, keep_old: bool) {
        let rotated = bi_local::sdk::http()
            .post(format!("{}/_emulator/keys/rotate", self.bi.auth_url()))
            .json(&json!({ "keep_old": keep_old }))
            .send()
            .await
            .expect("rotate");
        assert_eq!(rotated.status(), 200);
    }

    pub async fn is_signed_in(&self, cookie: &str) -> bool {
        self.get_session(&[cookie])
            .await
            .json()
            .get("user")
            .is_some()
    }

    /// A whole sign-in: the session cookie (`name=value`).
    pub async fn sign_in(&self, passkey: &bi_local::sdk::Passkey) -> String {
        let (callback, flow) = self.start_sign_in(passkey, "/").await;
        let answer = self.get_callback(&callback, &[&flow]).await;
        assert_eq!(answer.status(), 303, "{:?}", answer.0);
        assert_eq!(answer.location(), "/");
        format!(
            "__Host-session={}",
            answer.cookie("__Host-session").expect("a session cookie")
        )
    }
}
