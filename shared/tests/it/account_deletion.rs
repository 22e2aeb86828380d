//! Deleting an account (docs/account.md): every session ends, sign-ins under way are
//! void, the user's items leave the table, the identity and its passkeys leave Beyond
//! Identity; a failure half-way is completed by a second request. Real events, bi-local
//! and the local DynamoDB server.

use crate::common;

use bi_local::sdk::{enrolled_user, http, realm_url};
use bi_local::{Fault, Options, Target};
use common::{Stack, error_of, event, post, session_id};
use passkey_auth::now;
use serde_json::{Value, json};

const DELETE: &str = "/api/auth/account/delete";

fn delete(cookie: &str) -> Value {
    post(DELETE, &[cookie], "{}")
}

async fn identities_named(stack: &Stack, email: &str) -> Vec<String> {
    let s = stack.bi.settings();
    let list: Value = http()
        .get(format!("{}/identities", realm_url(&s)))
        .bearer_auth(&s.api_token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    list["identities"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|i| i["traits"]["username"] == email)
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

fn cleared(answer: &common::Answer) -> bool {
    answer
        .cookies()
        .iter()
        .any(|c| c.starts_with("__Host-session=;") && c.contains("Max-Age=0"))
}

#[tokio::test]
async fn deleting_ends_every_session_and_sign_in_and_removes_the_identity_and_the_items() {
    // Provider sessions (`sid`), so that their items are there to remove.
    let options = Options {
        id_token_sid: true,
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (alice_identity, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let alice_id = alice_identity["id"].as_str().expect("id").to_owned();
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;
    // A sign-in of Alice's that has passed Beyond Identity but not reached the callback.
    let (under_way, flow) = stack.start_sign_in(&alice, "/").await;

    // Too long after signing in: sign in again first, and nothing changes.
    let answer = stack.account_at(delete(&laptop), now() + 301).await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    // The rules of every state change: JSON from this origin.
    let form = event(
        "POST",
        DELETE,
        &[
            ("origin", common::ORIGIN),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &[&laptop],
        Some(""),
    );
    assert_eq!(
        error_of(&stack.account_at(form, now()).await),
        (415, json!("unsupported_media_type"))
    );
    let foreign = event(
        "POST",
        DELETE,
        &[
            ("origin", "https://evil.example"),
            ("content-type", "application/json"),
        ],
        &[&laptop],
        Some("{}"),
    );
    assert_eq!(
        error_of(&stack.account_at(foreign, now()).await),
        (403, json!("forbidden_origin"))
    );
    assert!(stack.is_signed_in(&phone).await);
    assert_eq!(stack.identity(&alice_id).await.0, 200);

    let answer = stack.account_at(delete(&laptop), now()).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json(), json!({"ok": true}));
    assert!(cleared(&answer), "{:?}", answer.cookies());

    // Every session of Alice's has ended; Bob's has not.
    assert!(!stack.is_signed_in(&laptop).await);
    assert!(!stack.is_signed_in(&phone).await);
    assert!(stack.is_signed_in(&bobs).await);
    // The identity and its passkey are gone at Beyond Identity.
    assert_eq!(stack.identity(&alice_id).await.0, 404);
    assert_ne!(stack.try_passkey(&alice).await, 200);
    // The sign-in under way makes no session.
    let answer = stack.get_callback(&under_way, &[&flow]).await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert!(
        answer.location().contains("error="),
        "{}",
        answer.location()
    );
    assert!(answer.cookie("__Host-session").is_none());

    // The table keeps nothing of Alice's but the marker that voids those sign-ins: her
    // sessions and her provider sessions' items are gone, her item names no session.
    let sessions = stack.items("session").await;
    assert_eq!(sessions.len(), 1, "Bob's alone");
    assert_eq!(
        sessions[0]["pk"].as_s().expect("pk"),
        session_id(&bobs).as_str()
    );
    let provider_sessions = stack.items("provider_session").await;
    assert_eq!(provider_sessions.len(), 1, "Bob's alone");
    assert_eq!(
        provider_sessions[0]["sessions"].as_ss().expect("a set"),
        &[session_id(&bobs).as_str().to_owned()]
    );
    // Whether she had signed in before goes too; Bob's stays.
    let seen = stack
        .items("claim")
        .await
        .into_iter()
        .filter(|c| c["pk"].as_s().is_ok_and(|pk| pk.starts_with("seen#")))
        .count();
    assert_eq!(seen, 1, "Bob's alone");
    let users = stack.items("user").await;
    assert_eq!(users.len(), 2);
    let marked: Vec<_> = users
        .iter()
        .filter(|u| u.contains_key("revoked_before"))
        .collect();
    assert_eq!(marked.len(), 1, "{users:?}");
    assert!(!marked[0].contains_key("sessions"), "{:?}", marked[0]);
    assert!(marked[0].contains_key("expires_at"));

    // Again with the old cookie: it is signed out.
    let answer = stack.account_at(delete(&laptop), now()).await;
    assert_eq!(error_of(&answer), (401, json!("unauthenticated")));

    // The same address registers again as a new account.
    let answer = stack
        .post_register(r#"{"email":"alice@example.com"}"#, now())
        .await;
    assert_eq!(answer.status(), 202, "{:?}", answer.0);
    let again = identities_named(&stack, "alice@example.com").await;
    assert_eq!(again.len(), 1);
    assert_ne!(again[0], alice_id);
}

#[tokio::test]
async fn a_provider_failure_leaves_no_session_and_deleting_again_completes_it() {
    let stack = Stack::start().await;
    let (alice_identity, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let alice_id = alice_identity["id"].as_str().expect("id").to_owned();
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;

    stack.bi.inject([Fault {
        target: Target::Api,
        status: Some(503),
        retry_after: None,
        delay_ms: None,
        flaw: None,
        times: None,
    }]);
    let answer = stack.account_at(delete(&laptop), now()).await;
    assert_eq!(error_of(&answer), (502, json!("upstream_unavailable")));
    // Signed out everywhere, never a session for an identity that may be gone.
    assert!(cleared(&answer), "{:?}", answer.cookies());
    assert!(!stack.is_signed_in(&laptop).await);
    assert!(!stack.is_signed_in(&phone).await);
    http()
        .delete(format!("{}/_emulator/faults", stack.bi.auth_url()))
        .send()
        .await
        .expect("clear");
    assert_eq!(stack.identity(&alice_id).await.0, 200, "still there");

    // The owner signs in again (the passkey still works; a sign-in that begins after
    // the deletion began) and deletes once more.
    let later = now() + 1;
    let (callback, flow) = stack.start_sign_in_at(&alice, "/", later).await;
    let answer = stack.callback_at(&callback, &[&flow], later).await;
    assert_eq!(answer.location(), "/", "{:?}", answer.0);
    let again = format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a session")
    );
    let answer = stack.account_at(delete(&again), later).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(stack.identity(&alice_id).await.0, 404);
    assert!(stack.items("session").await.is_empty());
}

#[tokio::test]
async fn an_identity_already_gone_at_beyond_identity_still_ends_the_sessions() {
    let stack = Stack::start().await;
    let (alice_identity, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let alice_id = alice_identity["id"].as_str().expect("id").to_owned();
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    // An administrator deleted it in the console (or an earlier attempt did, and its
    // answer was lost).
    let s = stack.bi.settings();
    let gone = http()
        .delete(format!("{}/identities/{alice_id}", realm_url(&s)))
        .bearer_auth(&s.api_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(gone.status(), 200);

    let answer = stack.account_at(delete(&laptop), now()).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json(), json!({"ok": true}));
    assert!(!stack.is_signed_in(&phone).await);
}
