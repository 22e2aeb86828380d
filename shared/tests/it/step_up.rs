//! Fresh sign-ins that sensitive actions ask for (`GET /api/auth/signin?intent=…`), and the
//! security review's finding that a copied session cookie could lock the owner out: ending
//! another session needs a recent sign-in, and a sign-in started to end the other sessions
//! ends them inside the callback, before the new session exists, so that a thief ending
//! sessions in a loop cannot end it. Real events, bi-local and the local DynamoDB server.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_local::sdk::enrolled_user;
use common::{Answer, Stack, error_of, event, invoke, post, stale_auth_time};
use passkey_auth::now;
use serde_json::{Value, json};

const END_OTHERS: &str = "/api/auth/signin?callbackUrl=%2F&intent=end-other-sessions";

async fn sessions_of(stack: &Stack, cookie: &str) -> Answer {
    stack
        .session_at(
            event("GET", "/api/auth/sessions", &[], &[cookie], None),
            now(),
        )
        .await
}

fn revoke(cookie: &str, id: &Value) -> Value {
    post(
        "/api/auth/sessions/revoke",
        &[cookie],
        &json!({ "id": id }).to_string(),
    )
}

/// The session cookie (`name=value`) a finished callback set.
fn session_cookie(answer: &Answer) -> String {
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a session cookie")
    )
}

/// Someone holding a copy of a session cookie, ending every other session of its user as
/// fast as they can until `until`. Returns how many they ended, and whether their own
/// session ended (their requests answered 401).
async fn thief(stack: Arc<Stack>, stolen: String, until: Instant) -> (usize, bool) {
    let mut ended = 0;
    while Instant::now() < until {
        let listed = sessions_of(&stack, &stolen).await;
        if listed.status() == 401 {
            return (ended, true);
        }
        let others: Vec<Value> = listed.json()["sessions"]
            .as_array()
            .expect("a list")
            .iter()
            .filter(|s| s["current"] != true)
            .map(|s| s["id"].clone())
            .collect();
        for id in others {
            if stack.session_at(revoke(&stolen, &id), now()).await.status() == 200 {
                ended += 1;
            }
        }
        tokio::task::yield_now().await;
    }
    (ended, false)
}

/// The race of the finding, run: the thief's cookie is fresh (a recent sign-in, so it may
/// end other sessions), and they end each new session of the owner in a loop. The owner's
/// plain sign-in is ended; the sign-in that ends the other sessions wins, at once.
#[tokio::test]
async fn a_thief_ending_sessions_in_a_loop_cannot_keep_the_owner_out() {
    let stack = Arc::new(Stack::start().await);
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let stolen = stack.sign_in(&alice).await;
    let thief = tokio::spawn(thief(
        stack.clone(),
        stolen.clone(),
        Instant::now() + Duration::from_secs(10),
    ));

    // A plain sign-in of the owner: the thief ends it.
    let plain = stack.sign_in(&alice).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while stack.is_signed_in(&plain).await {
        assert!(Instant::now() < deadline, "the thief never ended it");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A sign-in that ends the other sessions: the thief's ends before the owner's exists.
    let (callback, flow) = stack.start_sign_in_from(&alice, END_OTHERS, now()).await;
    let owner = session_cookie(&stack.get_callback(&callback, &[&flow]).await);
    let (ended, locked_out) = thief.await.expect("the thief's loop");
    assert!(ended >= 1, "the thief did end the plain sign-in");
    assert!(locked_out, "the thief's session ended");
    assert!(!stack.is_signed_in(&stolen).await);
    assert!(
        stack.is_signed_in(&owner).await,
        "the owner stays signed in"
    );
    let listed = sessions_of(&stack, &owner).await.json();
    assert_eq!(
        listed["sessions"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
}

/// Ending another session needs a recent sign-in (a copied cookie grows old); ending this
/// one is signing out, which never does.
#[tokio::test]
async fn ending_another_session_needs_a_recent_sign_in() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let listed = sessions_of(&stack, &laptop).await.json();
    let id_of = |current: bool| {
        listed["sessions"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|s| s["current"] == current)
            .expect("a session")["id"]
            .clone()
    };
    let (own, phones) = (id_of(true), id_of(false));

    let later = now() + 301;
    let answer = stack.session_at(revoke(&laptop, &phones), later).await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    assert!(stack.is_signed_in(&phone).await, "nothing was ended");
    let answer = stack
        .session_at(revoke(&laptop, &phones), now() + 299)
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert!(!stack.is_signed_in(&phone).await);

    let answer = stack.session_at(revoke(&laptop, &own), later).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.cookie("__Host-session").as_deref(), Some(""));
    assert!(!stack.is_signed_in(&laptop).await);
}

/// The sign-in that ends the other sessions ends every one of the user's (another user's
/// are untouched), keeps the new one, voids the sign-ins that began before it, and needs a
/// navigation from this origin when the browser says where it came from.
#[tokio::test]
async fn a_sign_in_that_ends_the_other_sessions_keeps_only_itself() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;
    let t = now();
    // Another sign-in of alice's is under way, begun before this one.
    let (earlier, earlier_flow) = stack.start_sign_in_at(&alice, "/", t - 5).await;

    let (callback, flow) = stack.start_sign_in_from(&alice, END_OTHERS, t).await;
    let answer = stack.get_callback(&callback, &[&flow, &laptop]).await;
    let fresh = session_cookie(&answer);
    assert_eq!(answer.location(), "/");
    for ended in [&laptop, &phone] {
        assert!(!stack.is_signed_in(ended).await);
    }
    assert!(stack.is_signed_in(&fresh).await);
    assert!(stack.is_signed_in(&bobs).await, "only alice's sessions end");
    let answer = stack.get_callback(&earlier, &[&earlier_flow]).await;
    assert_eq!(answer.location(), "/?error=signed_out_everywhere");

    // A page of another site cannot start it; this origin, or a browser that does not
    // say, can; an intent we do not know is a clear 400.
    let signin = |site: Option<&'static str>| {
        let route = stack.signin.clone();
        let headers: Vec<(&str, &str)> = site.map(|s| ("sec-fetch-site", s)).into_iter().collect();
        let event = event("GET", END_OTHERS, &headers, &[], None);
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now()).await }
            },
            event,
        )
    };
    for site in ["cross-site", "same-site", "none"] {
        let answer = signin(Some(site)).await;
        assert_eq!(
            error_of(&answer),
            (403, json!("forbidden_origin")),
            "{site}"
        );
        assert_eq!(answer.cookie("__Host-auth-flow"), None);
    }
    assert_eq!(signin(Some("same-origin")).await.status(), 302);
    assert_eq!(signin(None).await.status(), 302);
    let answer = stack
        .get_signin(
            "/api/auth/signin?callbackUrl=%2F&intent=delete-everything",
            &[],
        )
        .await;
    assert_eq!(error_of(&answer), (400, json!("bad_request")));
}

/// The `max_age` of the authorization URL a sign-in request sends the browser to.
async fn max_age(stack: &Stack, signin: &str) -> Option<String> {
    let answer = stack.get_signin(signin, &[]).await;
    let url = url::Url::parse(answer.location()).expect("the authorization URL");
    url.query_pairs()
        .find(|(k, _)| k == "max_age")
        .map(|(_, v)| v.into_owned())
}

/// A step-up asks the provider for a new ceremony (`max_age=0`), and an `auth_time` older
/// than the flow is refused; a plain sign-in does not ask, and a session whose provider
/// sign-in is old is no recent sign-in.
#[tokio::test]
async fn a_step_up_asks_for_a_new_ceremony_and_refuses_an_old_one() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    assert_eq!(max_age(&stack, "/api/auth/signin").await, None);
    for intent in ["reauthenticate", "end-other-sessions"] {
        let path = format!("/api/auth/signin?intent={intent}");
        assert_eq!(
            max_age(&stack, &path).await.as_deref(),
            Some("0"),
            "{intent}"
        );
    }

    for intent in ["reauthenticate", "end-other-sessions"] {
        let signin = format!("/api/auth/signin?callbackUrl=%2F&intent={intent}");
        let (callback, flow) = stack.start_sign_in_from(&alice, &signin, now()).await;
        stack.bi.inject([stale_auth_time()]);
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(
            answer.location(),
            "/?error=stale_authentication",
            "{intent}"
        );
        assert_eq!(answer.cookie("__Host-session"), None);
    }
    assert!(stack.items("session").await.is_empty(), "no session made");

    // A plain sign-in with an hour-old provider sign-in: signed in, but not recently.
    let (callback, flow) = stack.start_sign_in(&alice, "/").await;
    stack.bi.inject([stale_auth_time()]);
    let old = session_cookie(&stack.get_callback(&callback, &[&flow]).await);
    assert!(stack.is_signed_in(&old).await);
    let answer = stack
        .session_at(post("/api/auth/signout-everywhere", &[&old], "{}"), now())
        .await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    let fresh = stack.sign_in(&alice).await;
    let answer = stack
        .session_at(post("/api/auth/signout-everywhere", &[&fresh], "{}"), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
}
