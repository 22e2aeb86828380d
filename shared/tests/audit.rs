//! Audit events: one JSON line per security event, in the schema of docs/security.md, with
//! keyed hashes instead of users, sessions and addresses, and nothing secret or personal
//! in the clear anywhere in the logs.
//!
//! A test binary of its own, not a module of `tests/it`: it reads the log through a
//! subscriber set for its thread only. Run beside the other tests, which emit the same
//! events on other threads of the same process, it sometimes saw no audit event at all
//! (2 failures in 6 runs of the one binary under load; never alone). The cause matches
//! tokio-rs/tracing#3611: with one dispatcher in the process, the interest of a call site
//! is cached from the thread that first reaches it, so a test thread with no subscriber
//! caches `Interest::never` for the audit call sites and this thread's subscriber never
//! sees them. The functions are not exposed to it: they set one global subscriber.

#[path = "it/common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;
use bi_local::sdk::enrolled_user;
use common::{ORIGIN, Stack, event, post, session_id};
use passkey_auth::config::secret::Secret;
use passkey_auth::http::ratelimit::{CALLBACK_PER_CLIENT, SIGN_IN_PER_CLIENT};
use passkey_auth::telemetry::audit::Audit;
use serde_json::{Value, json};

const AUDIT_KEY: &str = "an-audit-key-of-at-least-32-characters";

/// Everything logged, as Lambda's JSON format writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What this thread logs until the guard is dropped, through the functions' own
    /// subscriber as Lambda's JSON log format sets it up.
    fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = passkey_auth::telemetry::subscriber(
            true,
            tracing_subscriber::filter::LevelFilter::INFO,
            move || writer.clone(),
        );
        (captured, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }

    fn audit(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["fields"]["message"] == "audit")
            .map(|l| l["fields"].clone())
            .collect()
    }
}

#[tokio::test]
async fn every_security_event_is_one_line_in_the_schema_with_nothing_in_the_clear() {
    let (captured, _guard) = Captured::start();

    let stack = Stack::start_with(|vars| {
        vars.insert("AUDIT_KEY".into(), AUDIT_KEY.into());
    })
    .await;
    let (identity, passkey) = enrolled_user(&stack.bi, "eve@example.com").await;
    let sub = identity["id"].as_str().expect("an identity id").to_owned();

    // A refused sign-in, a sign-in, a new-device link, a sign-out, a registration and a
    // limited one.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let wrong_state = callback.replace("state=", "state=x");
    stack.get_callback(&wrong_state, &[&flow]).await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let answer = stack.get_callback(&callback, &[&flow]).await;
    let token = answer.cookie("__Host-session").expect("a session");
    let cookie = format!("__Host-session={token}");
    let json_post = [("origin", ORIGIN), ("content-type", "application/json")];
    let bound = stack
        .post_bind_job(event(
            "POST",
            "/api/auth/bind-job",
            &json_post,
            &[&cookie],
            Some("{}"),
        ))
        .await;
    assert_eq!(bound.status(), 200);
    stack.sign_out(&[&cookie]).await;
    let now = passkey_auth::now();
    for _ in 0..6 {
        stack
            .post_register(r#"{"email":"Zed+tag@example.com"}"#, now)
            .await;
    }
    // A provider's back-channel logout, and a forged one.
    let token = stack.logout_token(json!({"sub": sub})).await;
    assert_eq!(stack.post_logout_token(&token, now).await.status(), 200);
    let forged = stack
        .logout_token(json!({"sub": sub, "fault": "bad_signature"}))
        .await;
    assert_eq!(stack.post_logout_token(&forged, now).await.status(), 400);
    // The account page: one session ended from another, then every session.
    let laptop = stack.sign_in(&passkey).await;
    let phone = stack.sign_in(&passkey).await;
    let phone_id = session_id(&phone).public_id();
    let revoke = post(
        "/api/auth/sessions/revoke",
        &[&laptop],
        &json!({ "id": phone_id }).to_string(),
    );
    assert_eq!(stack.session_at(revoke, now).await.status(), 200);
    let everywhere = post("/api/auth/signout-everywhere", &[&laptop], "{}");
    assert_eq!(stack.session_at(everywhere, now).await.status(), 200);

    let events = captured.audit();
    let summary: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("?").to_owned();
            (s("audit"), s("outcome"), s("reason"))
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("sign_in", "refused", "state_mismatch"),
        ("sign_in", "succeeded", ""),
        ("binding_link", "succeeded", ""),
        ("sign_out", "succeeded", ""),
        ("register", "succeeded", ""),
        ("register", "succeeded", ""),
        ("register", "succeeded", ""),
        ("register", "succeeded", ""),
        ("register", "succeeded", ""),
        ("register", "limited", "register-address"),
        ("backchannel_logout", "succeeded", ""),
        ("backchannel_logout", "refused", "invalid_request"),
        ("sign_in", "succeeded", ""),
        ("sign_in", "succeeded", ""),
        ("session_revoked", "succeeded", ""),
        ("sign_out_everywhere", "succeeded", ""),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(summary, expected);

    // The schema: the same keys every time; hashes where people and sessions are.
    let audit = Audit::new(Some(&Secret::new(AUDIT_KEY)));
    for e in &events {
        let keys: Vec<&str> = e
            .as_object()
            .expect("fields")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "audit", "client", "message", "outcome", "reason", "session", "user"
            ],
            "{e}"
        );
    }
    let user = audit.pseudonym(&format!("{} {sub}", stack.config.provider.issuer));
    assert_eq!(
        events[1]["user"],
        json!(user),
        "the sign-in names the user by keyed hash"
    );
    assert_eq!(
        events[2]["user"],
        json!(user),
        "so does the link for a new device"
    );
    assert_eq!(
        events[2]["client"],
        json!(audit.pseudonym("203.0.113.7")),
        "and the address it was asked from"
    );
    assert_eq!(
        events[1]["session"], events[3]["session"],
        "sign-in and sign-out name one session"
    );
    assert_eq!(events[1]["client"], json!(audit.pseudonym("203.0.113.7")));
    assert_eq!(
        events[3]["client"],
        json!(audit.pseudonym("203.0.113.7")),
        "a sign-out names the address it came from"
    );
    for (i, what) in [(14, "ending one session"), (15, "signing out everywhere")] {
        assert_eq!(events[i]["user"], json!(user), "{what} names the user");
        assert_eq!(
            events[i]["session"], events[12]["session"],
            "{what} names the session it was done from"
        );
        assert_eq!(events[i]["client"], json!(audit.pseudonym("203.0.113.7")));
    }
    assert_eq!(
        events[10]["client"],
        json!(audit.pseudonym("203.0.113.7")),
        "a back-channel logout names the caller's address by keyed hash"
    );
    assert_eq!(
        events[4]["user"],
        json!(audit.pseudonym("zed@example.com")),
        "registrations by mailbox"
    );
    for registration in [&events[4], &events[9]] {
        assert_eq!(
            registration["client"],
            json!(audit.pseudonym("203.0.113.7")),
            "and by the address they came from, limited or not"
        );
    }

    // Nothing in the clear, anywhere in the logs.
    let everything = captured.text();
    let client_secret = stack
        .config
        .provider
        .client_secret
        .as_ref()
        .expect("a client secret")
        .expose()
        .to_owned();
    for secret in [
        token.as_str(),
        "eve@example.com",
        "zed@example.com",
        "zed+tag",
        "203.0.113.7",
        client_secret.as_str(),
        AUDIT_KEY,
    ] {
        assert!(!everything.contains(secret), "{secret} is in the logs");
    }
    let code = callback
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .expect("a code");
    assert!(
        !everything.contains(code),
        "the authorization code is in the logs"
    );
}

/// A client over a sign-in limit is one `limited` event per refusal, naming the limit and
/// the client's address by keyed hash: the alarm on `RateLimited` counts them.
#[tokio::test]
async fn sign_ins_refused_by_a_client_limit_are_audited() {
    let (captured, _guard) = Captured::start();
    let stack = Stack::start_with(|vars| {
        vars.insert("AUDIT_KEY".into(), AUDIT_KEY.into());
    })
    .await;
    let (_, passkey) = enrolled_user(&stack.bi, "fay@example.com").await;
    let now = passkey_auth::now();
    let (callback, flow) = stack.start_sign_in_at(&passkey, "/", now).await;
    for _ in 0..=CALLBACK_PER_CLIENT.limit {
        stack.callback_at(&callback, &[&flow], now).await;
    }
    for _ in 1..=SIGN_IN_PER_CLIENT.limit {
        stack.signin_at("/api/auth/signin", &[], now).await;
    }

    let audit = Audit::new(Some(&Secret::new(AUDIT_KEY)));
    let limited: Vec<(Value, Value)> = captured
        .audit()
        .into_iter()
        .filter(|e| e["outcome"] == "limited")
        .map(|e| (e["reason"].clone(), e["client"].clone()))
        .collect();
    let client = json!(audit.pseudonym(common::CLIENT));
    assert_eq!(
        limited,
        [
            (json!(CALLBACK_PER_CLIENT.name), client.clone()),
            (json!(SIGN_IN_PER_CLIENT.name), client)
        ]
    );
    assert!(!captured.text().contains("203.0.113.7"));
}

/// A DynamoDB fault during sign-in sends the browser to the error page with
/// `session_store_unavailable`, and its cause is logged with the place it was met:
/// never the authorization code, the state, the flow cookie or the provider's tokens.
#[tokio::test]
async fn a_store_fault_in_the_callback_logs_its_cause_and_nothing_secret() {
    let (captured, _guard) = Captured::start();
    let stack = Stack::start().await;
    let (identity, passkey) = enrolled_user(&stack.bi, "ann@example.com").await;
    let sub = identity["id"].as_str().expect("an identity id");

    // After the code is redeemed: the user's item is one DynamoDB cannot add a session to
    // (its `sessions` is a number), so the sign-in's transaction fails.
    let user_key = format!("{} {sub}", stack.config.provider.issuer);
    stack
        .db
        .put_item()
        .table_name(&stack.table)
        .item(
            "pk",
            AttributeValue::S(format!("user#{}", passkey_verifier::hex::sha256(&user_key))),
        )
        .item("kind", AttributeValue::S("user".into()))
        .item("sessions", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("a malformed user item");
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_fault_answered_and_logged(&answer, &captured, "ValidationException", CALLBACK);
    assert_nothing_secret_logged(&captured, &callback, &flow);

    // Before: the table is gone when the client is counted, before the flow is claimed.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.delete_table().await;
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_fault_answered_and_logged(&answer, &captured, "ResourceNotFoundException", COUNTER);
    assert_nothing_secret_logged(&captured, &callback, &flow);
}

const CALLBACK: &str = "shared/src/routes/callback.rs:";
const COUNTER: &str = "shared/src/http/ratelimit.rs:";

fn assert_fault_answered_and_logged(
    answer: &common::Answer,
    captured: &Captured,
    code: &str,
    place: &str,
) {
    assert_eq!(answer.status(), 303);
    assert!(
        answer
            .location()
            .contains("error=session_store_unavailable"),
        "{}",
        answer.location()
    );
    assert!(answer.cookie("__Host-session").is_none());
    let faults: Vec<Value> = captured
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "the session store failed")
        .collect();
    let last = faults.last().expect("the fault is logged");
    assert_eq!(last["level"], "ERROR");
    let cause = last["fields"]["error"].as_str().expect("a cause");
    assert!(
        cause.contains(&format!("DynamoDB answered {code}")),
        "the cause is DynamoDB's own: {cause}"
    );
    let at = last["fields"]["at"].as_str().expect("a place");
    assert!(at.starts_with(place), "logged where it was met: {at}");
    // The line the stack's StoreErrors metric counts (`$.fields.error`): the error
    // page's redirect is logged as a JSON answer would be.
    let answered = captured
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["error"] == "session_store_unavailable")
        .count();
    assert!(answered > 0, "the redirect to the error page is not logged");
}

fn assert_nothing_secret_logged(captured: &Captured, callback: &str, flow: &str) {
    let everything = captured.text();
    let param = |name: &str| {
        callback
            .split(&format!("{name}="))
            .nth(1)
            .and_then(|c| c.split('&').next())
            .expect("a parameter")
            .to_owned()
    };
    let flow_value = flow.split_once('=').map_or(flow, |(_, v)| v);
    for (what, secret) in [
        ("the authorization code", param("code")),
        ("the state", param("state")),
        ("the flow cookie", flow_value.to_owned()),
    ] {
        assert!(!everything.contains(&secret), "{what} is in the logs");
    }
    // Every token the provider issues is a JWT: a JSON header, base64url-encoded.
    assert!(!everything.contains("eyJ"), "a token is in the logs");
}
