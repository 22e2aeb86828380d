//! Every route, fed random methods, paths, headers, cookies and bodies through real
//! events (against bi-local and the local DynamoDB server): no panic, never a 500, and
//! never a signed-in answer without a valid session.

use crate::common;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{ORIGIN, Stack, event, invoke};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;

struct World {
    runtime: tokio::runtime::Runtime,
    stack: Stack,
    /// A valid session cookie, offered in some requests: the check is then that only a
    /// request carrying it (exactly once) may be answered as signed in.
    session: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let (stack, session) = runtime.block_on(async {
            let stack = Stack::start().await;
            let (_, passkey) = bi_local::sdk::enrolled_user(&stack.bi, "fuzz@example.com").await;
            let session = stack.sign_in(&passkey).await;
            (stack, session)
        });
        World {
            runtime,
            stack,
            session,
        }
    })
}

const PATHS: &[&str] = &[
    "/api/auth/signin",
    "/api/auth/callback/beyondidentity",
    "/api/auth/session",
    "/api/auth/verify",
    "/api/auth/signout",
    "/api/auth/register",
    "/api/auth/bind-job",
    "/api/auth/account/delete",
    "/api/auth/nope",
    "/",
];
const METHODS: &[&str] = &["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"];

fn header_strategy() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            Just("origin".to_owned()),
            Just("content-type".to_owned()),
            Just("x-origin-verify".to_owned()),
            Just("cloudfront-viewer-address".to_owned()),
            Just("x-forwarded-for".to_owned()),
            // lambda_http builds the URI from these two, and panicked on a bad one.
            Just("host".to_owned()),
            Just("x-forwarded-proto".to_owned()),
            "[a-z-]{1,12}",
        ],
        prop_oneof![
            Just(ORIGIN.to_owned()),
            Just("application/json".to_owned()),
            Just("a b".to_owned()),
            Just("x:99999".to_owned()),
            "[ -~]{0,60}",
        ],
    )
}

fn cookie_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("__Host-session=".to_owned()),
        "__Host-session=[A-Za-z0-9_-]{0,60}",
        "__Host-auth-flow=[A-Za-z0-9_-]{0,300}",
        "[a-z]{1,8}=[ -:<-~]{0,20}",
    ]
}

fn body_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("{}".to_owned())),
        Just(Some(r#"{"email":"fuzz@example.com"}"#.to_owned())),
        "\\{\"email\":[ -~]{0,40}\\}".prop_map(Some),
        ".{0,5000}".prop_map(Some),
    ]
}

fn signed_in(answer: &common::Answer) -> bool {
    let body: Value = answer.0["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    body.get("user").is_some()
        || body.get("credential_binding_link").is_some()
        || answer.header("x-auth-request-user").is_some()
}

/// One random request: method, path, query, headers, cookies, how many copies of the
/// valid session cookie (0, 1 or 2), and body.
type Case = (
    &'static str,
    &'static str,
    String,
    Vec<(String, String)>,
    Vec<String>,
    u8,
    Option<String>,
);

fn query_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ -~]{0,80}".prop_map(|q| format!("?{q}"))
    ]
}

/// Anything at all.
fn random_case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(METHODS),
        prop::sample::select(PATHS),
        query_strategy(),
        prop::collection::vec(header_strategy(), 0..5),
        prop::collection::vec(cookie_strategy(), 0..4),
        0u8..3,
        body_strategy(),
    )
}

/// A session check (or forward auth's) with the valid cookie once, among random queries, headers and other
/// cookies: the requests that may be answered as signed in. Left to chance, such a
/// request is about one case in 360 (a flaky guard: a run of 400 then missed it about
/// one time in three), so a quarter of the cases are drawn here.
fn signed_in_case() -> impl Strategy<Value = Case> {
    (
        Just("GET"),
        prop::sample::select(&["/api/auth/session", "/api/auth/verify"][..]),
        query_strategy(),
        prop::collection::vec(header_strategy(), 0..3),
        prop::collection::vec("[a-z]{1,8}=[ -:<-~]{0,20}", 0..3),
        Just(1u8),
        Just(None),
    )
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![3 => random_case(), 1 => signed_in_case()]
}

#[test]
fn no_route_panics_fails_or_signs_in_by_mistake() {
    let world = world();
    let signed_in_answers = AtomicUsize::new(0);
    let mut runner = TestRunner::new(ProptestConfig::with_cases(400));
    let result = runner.run(
        &case(),
        |(method, path, query, headers, mut cookies, with_session, body)| {
            // Sometimes the valid session, once or twice (twice is ambiguous: signed out).
            for _ in 0..with_session {
                cookies.push(world.session.clone());
            }
            let valid_session_once = with_session == 1;
            let header_refs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let cookie_refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
            // Raw, as a client may send it: the adapter must cope with any byte.
            let target = format!("{path}{query}");
            let event = event(method, &target, &header_refs, &cookie_refs, body.as_deref());
            let stack = &world.stack;
            let answers = world.runtime.block_on(async {
                let now = passkey_auth::now();
                let (signin, callback, register) = (
                    stack.signin.clone(),
                    stack.callback.clone(),
                    stack.register.clone(),
                );
                let e = event.clone();
                vec![
                    (
                        "signin",
                        invoke(
                            move |r| {
                                let s = signin.clone();
                                async move { s.handle(&r, now).await }
                            },
                            e.clone(),
                        )
                        .await,
                    ),
                    (
                        "callback",
                        invoke(
                            move |r| {
                                let s = callback.clone();
                                async move { s.handle(&r, now).await }
                            },
                            e.clone(),
                        )
                        .await,
                    ),
                    ("session", stack.session_at(e.clone(), now).await),
                    (
                        "register",
                        invoke(
                            move |r| {
                                let s = register.clone();
                                async move { s.handle(&r, now).await }
                            },
                            e.clone(),
                        )
                        .await,
                    ),
                    ("bind-job", stack.post_bind_job(e).await),
                ]
            });
            for (route, answer) in answers {
                let status = answer.status();
                prop_assert!(status != 500, "{route}: 500 for {event}");
                prop_assert!((200..600).contains(&status), "{route}: {status}");
                if signed_in(&answer) {
                    signed_in_answers.fetch_add(1, Ordering::Relaxed);
                    prop_assert!(
                        valid_session_once,
                        "{route}: signed in without a valid session: {event}"
                    );
                }
                if route == "callback" {
                    prop_assert!(
                        answer.cookie("__Host-session").is_none_or(|v| v.is_empty()),
                        "callback: a session cookie without a sign-in: {event}"
                    );
                }
            }
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The run reached the signed-in answers it guards (else it proves nothing).
    assert!(
        signed_in_answers.load(Ordering::Relaxed) > 0,
        "no request was ever signed in"
    );
}
