//! The account's events on a real EventBridge API (moto's), as the team's app receives
//! them through a rule and a queue: one for each thing that happens to an account, in the
//! documented schema (docs/events.md), never a token, code or cookie; and a bus that
//! fails or hangs never fails a sign-in, nor holds it longer than the publishing budget.

use crate::common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use bi_local::Options;
use bi_local::sdk::Passkey;
use common::events::EventProbe;
use common::{Stack, post, session_id};
use passkey_auth::events::PUBLISH_BUDGET;
use passkey_auth::now;
use serde_json::{Value, json};

/// The public id of a cookie's session, as the account page and the events name it.
fn public_id(cookie: &str) -> String {
    session_id(cookie).public_id()
}

/// Checks what every event carries (source, schema version, a 128-bit id, its time, the
/// user) and gives back its type and its own fields.
fn own(event: &Value, user: &str) -> (String, Value) {
    assert_eq!(event["source"], "passkey-auth", "{event}");
    let mut detail = event["detail"].clone();
    assert_eq!(detail["type"], event["detail-type"], "{event}");
    assert_eq!(detail["version"], 1, "{event}");
    assert_eq!(detail["user"], json!({ "id": user }), "{event}");
    let id = detail["id"].as_str().expect("an id");
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let time = detail["time"].as_str().expect("a time");
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    let fields = detail.as_object_mut().expect("an object");
    for common in ["version", "id", "time", "user", "type"] {
        fields.remove(common);
    }
    let kind = event["detail-type"].as_str().expect("a type").to_owned();
    (kind, detail)
}

/// What the team's app has received since it last looked: each event's type and fields;
/// every event as delivered goes to `log` too.
async fn received(probe: &EventProbe, user: &str, log: &mut Vec<String>) -> Vec<(String, Value)> {
    let events = probe.received().await;
    log.extend(events.iter().map(Value::to_string));
    events.iter().map(|event| own(event, user)).collect()
}

fn ev(kind: &str, fields: Value) -> (String, Value) {
    (kind.to_owned(), fields)
}

/// Registers `email` through the register route, binds the emailed link with a new
/// passkey and reports the binding, as `/bind` does.
async fn register_and_bind(stack: &Stack, email: &str) -> Passkey {
    let answer = stack
        .post_register(&json!({ "email": email }).to_string(), now())
        .await;
    assert_eq!(answer.status(), 202, "{:?}", answer.0);
    let link = stack.emailed_bind_link().await;
    let mut passkey = Passkey::new();
    assert_eq!(passkey.bind(&stack.bi, &link).await.0, 200);
    report_binding(stack, &link).await;
    passkey
}

async fn report_binding(stack: &Stack, link: &str) {
    let body = json!({ "link": link }).to_string();
    let answer = stack
        .register_at(post("/api/auth/binding-complete", &[], &body), now())
        .await;
    assert_eq!(answer.json(), json!({"ok": true}), "{:?}", answer.0);
}

async fn sign_in_at(stack: &Stack, passkey: &Passkey, at: i64) -> String {
    let (callback, flow) = stack.start_sign_in_at(passkey, "/", at).await;
    let answer = stack.callback_at(&callback, &[&flow], at).await;
    assert_eq!(answer.location(), "/", "{:?}", answer.0);
    format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a session")
    )
}

#[tokio::test]
async fn each_thing_that_happens_to_an_account_reaches_the_teams_bus() {
    let options = Options {
        id_token_sid: true,
        ..Options::default()
    };
    let stack = Stack::start_with_events(options).await;
    let probe = stack.events.as_ref().expect("events are on");
    let mut cookies = Vec::new();
    let mut log = Vec::new();

    // Registration and its binding: the passkey the job made, once its page reports it.
    let passkey = register_and_bind(&stack, "ada@example.com").await;
    let added = probe.received().await;
    log.extend(added.iter().map(Value::to_string));
    assert_eq!(added.len(), 1, "{added:?}");
    let user = added[0]["detail"]["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (kind, fields) = own(&added[0], &user);
    assert_eq!(kind, "passkey.added");
    let first_passkey = fields["passkey"]
        .as_str()
        .expect("a credential id")
        .to_owned();

    // The first sign-in is also the sign-up; the next one is not.
    let laptop = stack.sign_in(&passkey).await;
    let phone = stack.sign_in(&passkey).await;
    cookies.extend([laptop.clone(), phone.clone()]);
    let signed_in = |cookie: &str| {
        ev(
            "user.signed_in",
            json!({"session": public_id(cookie), "email": "ada@example.com", "name": "ada@example.com", "step_up": false}),
        )
    };
    assert_eq!(
        received(probe, &user, &mut log).await,
        [
            ev(
                "user.signed_up",
                json!({"email": "ada@example.com", "name": "ada@example.com"})
            ),
            signed_in(&laptop),
            signed_in(&phone),
        ]
    );

    // Another session ended from this one; then this one signs out.
    let body = json!({ "id": public_id(&phone) }).to_string();
    let answer = stack
        .session_at(post("/api/auth/sessions/revoke", &[&laptop], &body), now())
        .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(stack.sign_out(&[&laptop]).await.status(), 200);
    assert_eq!(
        received(probe, &user, &mut log).await,
        [
            ev(
                "session.ended",
                json!({"reason": "revoked", "count": 1, "session": public_id(&phone)})
            ),
            ev("user.signed_out", json!({"session": public_id(&laptop)})),
        ]
    );

    // Signed out everywhere (two sessions), and a provider's back-channel logout (one).
    let one = stack.sign_in(&passkey).await;
    let two = stack.sign_in(&passkey).await;
    let three = stack.sign_in(&passkey).await;
    cookies.extend([one.clone(), two.clone(), three.clone()]);
    let answer = stack
        .session_at(post("/api/auth/signout-everywhere", &[&one], "{}"), now())
        .await;
    assert_eq!(answer.json()["ended"], 3);
    // A second later: a sign-in that begins when the others ended would be void.
    let four = sign_in_at(&stack, &passkey, now() + 1).await;
    cookies.push(four.clone());
    let token = stack.logout_token(json!({ "sub": user })).await;
    let answer = stack.post_logout_token(&token, now()).await;
    assert_eq!(answer.json()["ended"], 1, "{:?}", answer.0);
    let got = received(probe, &user, &mut log).await;
    let ended: Vec<_> = got
        .iter()
        .filter(|(kind, _)| kind == "session.ended")
        .cloned()
        .collect();
    assert_eq!(
        ended,
        [
            ev(
                "session.ended",
                json!({"reason": "signed_out_everywhere", "count": 3})
            ),
            ev(
                "session.ended",
                json!({"reason": "provider_logout", "count": 1})
            ),
        ]
    );
    assert_eq!(got.len(), 6, "four sign-ins and the two above: {got:?}");

    // A passkey added from the account page, and the first one revoked.
    let five = sign_in_at(&stack, &passkey, now() + 1).await;
    cookies.push(five.clone());
    let answer = stack
        .post_bind_job(post("/api/auth/bind-job", &[&five], "{}"))
        .await;
    let link = answer.json()["credential_binding_link"]
        .as_str()
        .expect("a link")
        .to_owned();
    let mut second = Passkey::new();
    assert_eq!(second.bind(&stack.bi, &link).await.0, 200);
    report_binding(&stack, &link).await;
    let body = json!({ "id": first_passkey }).to_string();
    let answer = stack
        .account_at(post("/api/auth/passkeys/revoke", &[&five], &body), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    let got = received(probe, &user, &mut log).await;
    assert_eq!(got[0].0, "user.signed_in");
    let second_passkey = got[1].1["passkey"].as_str().expect("added").to_owned();
    assert_ne!(second_passkey, first_passkey);
    assert_eq!(
        got[1..],
        [
            ev("passkey.added", json!({ "passkey": second_passkey })),
            ev("passkey.revoked", json!({ "passkey": first_passkey })),
        ]
    );

    // The account deleted.
    let answer = stack
        .account_at(post("/api/auth/account/delete", &[&five], "{}"), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(
        received(probe, &user, &mut log).await,
        [ev("user.deleted", json!({ "sessions_ended": 1 }))]
    );

    // Nothing the team received holds a session's token or its key.
    let everything = log.join("\n");
    assert_eq!(log.len(), 16);
    for cookie in &cookies {
        let token = cookie.split_once('=').expect("name=value").1;
        assert!(!everything.contains(token), "a token in {everything}");
        let key = session_id(cookie);
        assert!(!everything.contains(key.as_str().trim_start_matches("session#")));
    }
}

#[tokio::test]
async fn a_bus_that_fails_or_hangs_never_fails_a_sign_in_nor_holds_it_past_the_budget() {
    // A bus that does not exist: EventBridge refuses every entry.
    let stack = Stack::start_with(|vars| {
        vars.insert(
            "AUTH_EVENT_BUS".into(),
            format!("not-created-{}", std::process::id()),
        );
        vars.insert(
            "AWS_ENDPOINT_URL_EVENTBRIDGE".into(),
            "http://127.0.0.1:9".into(),
        );
    })
    .await;
    let (_, passkey) = bi_local::sdk::enrolled_user(&stack.bi, "bo@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    assert!(stack.is_signed_in(&cookie).await);
    assert_eq!(stack.sign_out(&[&cookie]).await.status(), 200);

    // An endpoint that takes the connection and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a port");
    let endpoint = format!("http://{}", silent.local_addr().expect("addr"));
    let stack = Stack::start_with(|vars| {
        vars.insert("AUTH_EVENT_BUS".into(), "silent".into());
        vars.insert("AWS_ENDPOINT_URL_EVENTBRIDGE".into(), endpoint);
    })
    .await;
    let (_, passkey) = bi_local::sdk::enrolled_user(&stack.bi, "cy@example.com").await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let started = Instant::now();
    let answer = stack.get_callback(&callback, &[&flow]).await;
    let took = started.elapsed();
    assert_eq!(answer.location(), "/", "{:?}", answer.0);
    assert!(answer.cookie("__Host-session").is_some());
    assert!(
        took < PUBLISH_BUDGET + Duration::from_secs(2),
        "the sign-in waited {took:?} for its events"
    );
    drop(silent);
}

#[tokio::test]
async fn without_events_a_binding_report_asks_nothing_of_beyond_identity() {
    let stack = Stack::start().await;
    let answer = stack
        .post_register(r#"{"email":"di@example.com"}"#, now())
        .await;
    assert_eq!(answer.status(), 202);
    let link = stack.emailed_bind_link().await;
    // Beyond Identity's API fails from now on: a call to it would be a 502.
    stack.bi.inject([bi_local::Fault {
        target: bi_local::Target::Api,
        status: Some(503),
        retry_after: None,
        delay_ms: None,
        flaw: None,
        times: None,
    }]);
    report_binding(&stack, &link).await;
}
