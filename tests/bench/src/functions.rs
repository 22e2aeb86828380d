//! The five functions as the bench runs them: their settings, their events, and a
//! signed-in user made through the real sign-in (signin → bi-local → callback).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use bi_local::BiLocal;
use bi_local::sdk::Passkey;
use serde_json::{Value, json};

use crate::runtime::{Instance, Invocation};

pub const ORIGIN: &str = "http://localhost:3000";
const AUTH_SECRET: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
pub const SESSION_COOKIE: &str = "__Host-session";
pub const FLOW_COOKIE: &str = "__Host-auth-flow";

/// Where the binaries are, what they are given, and where they log.
pub struct Functions {
    pub bin_dir: PathBuf,
    pub log_dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Functions {
    /// The settings of `make dev`'s functions, on bi-local and the given DynamoDB.
    pub fn new(bin_dir: &Path, log_dir: &Path, bi: &BiLocal, dynamodb: &str, table: &str) -> Self {
        let mut env: Vec<(String, String)> = bi
            .settings()
            .vars()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        for (k, v) in [
            ("AUTH_URL", ORIGIN),
            ("AUTH_SECRET", AUTH_SECRET),
            ("SESSION_TABLE", table),
            ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("AWS_SESSION_TOKEN", "local"),
        ] {
            env.push((k.into(), v.into()));
        }
        Self {
            bin_dir: bin_dir.to_owned(),
            log_dir: log_dir.to_owned(),
            env,
        }
    }

    /// The same functions with some settings changed or added.
    pub fn with(&self, changes: &[(&str, &str)]) -> Self {
        let mut env = self.env.clone();
        for (k, v) in changes {
            env.retain(|(name, _)| name != k);
            env.push(((*k).into(), (*v).into()));
        }
        Self {
            bin_dir: self.bin_dir.clone(),
            log_dir: self.log_dir.clone(),
            env,
        }
    }

    pub async fn spawn(&self, name: &str) -> Instance {
        Instance::spawn(
            &self.bin_dir.join(name),
            &self.env,
            &self.log_dir.join(format!("{name}.log")),
        )
        .await
    }
}

/// An API Gateway HTTP API (payload 2.0) event, as CloudFront → API Gateway sends it.
pub fn event(method: &str, path_and_query: &str, cookies: &[String], body: Option<&str>) -> Value {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut headers = json!({
        "host": "localhost:3000",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
        "accept": "*/*",
    });
    if method == "POST" {
        headers["origin"] = ORIGIN.into();
        headers["content-type"] = "application/json".into();
    }
    let parameters: serde_json::Map<String, Value> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": cookies,
        "headers": headers,
        "queryStringParameters": parameters,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "localhost",
            "domainPrefix": "localhost", "requestId": "bench", "routeKey": "$default",
            "stage": "$default", "time": "27/Nov/2026:12:00:00 +0000", "timeEpoch": 1_795_000_000_000_i64,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "bench"},
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// The event as if sent from `address` (its `sourceIp`, the client the per-client limits
/// count).
pub fn from_client(mut event: Value, address: &str) -> Value {
    event["requestContext"]["http"]["sourceIp"] = address.into();
    event
}

/// A client address of its own (100.64.0.0/10): the bench signs in hundreds of times, and
/// the functions' per-client limits must meet only the client that the flood row sends.
pub fn fresh_client() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("100.{}.{}.{}", 64 + (n >> 16) % 64, (n >> 8) % 256, n % 256)
}

/// The callback of a sign-in in flight from a client of its own: `signin` answered, the
/// passkey authenticated at bi-local; what is left is the callback event.
pub async fn sign_in_started(signin: &Instance, bi: &BiLocal, passkey: &Passkey) -> Value {
    sign_in_started_from(signin, bi, passkey, &fresh_client()).await
}

/// [`sign_in_started`] from `client`.
pub async fn sign_in_started_from(
    signin: &Instance,
    bi: &BiLocal,
    passkey: &Passkey,
    client: &str,
) -> Value {
    let started = signin
        .invoke(&from_client(
            event("GET", "/api/auth/signin?callbackUrl=%2F", &[], None),
            client,
        ))
        .await;
    assert_eq!(started.status(), 302, "{}", started.answer);
    let flow = started.cookie(FLOW_COOKIE).expect("a flow cookie");
    let redirect = passkey
        .sign_in(bi, started.location().expect("a location"))
        .await;
    let url = url::Url::parse(&redirect).expect("a callback URL");
    from_client(
        event(
            "GET",
            &format!("{}?{}", url.path(), url.query().unwrap_or_default()),
            &[format!("{FLOW_COOKIE}={flow}")],
            None,
        ),
        client,
    )
}

/// The session cookie (`name=value`) the callback's answer sets.
pub fn session_cookie(callback: &Invocation) -> String {
    assert_eq!(callback.status(), 303, "{}", callback.answer);
    let value = callback.cookie(SESSION_COOKIE).expect("a session cookie");
    format!("{SESSION_COOKIE}={value}")
}

/// `GET /api/auth/session` with this cookie.
pub fn session_check(cookie: &str) -> Value {
    event("GET", "/api/auth/session", &[cookie.to_owned()], None)
}

/// `GET /api/auth/verify` with this cookie: a proxy's forward-auth question.
pub fn forward_auth_check(cookie: &str) -> Value {
    event("GET", "/api/auth/verify", &[cookie.to_owned()], None)
}
