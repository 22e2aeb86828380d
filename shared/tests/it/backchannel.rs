//! `POST /api/auth/backchannel-logout`: OpenID Connect Back-Channel Logout 1.0. Logout
//! tokens minted by bi-local (signed with its keys, with each fault it can give them),
//! sessions made by real sign-ins in the local table.

use crate::common;

use bi_local::Options;
use bi_local::sdk::enrolled_user;
use common::{Stack, error_of, event};
use serde_json::json;

/// The provider session (`sid`) each stored session recorded from its ID token.
async fn provider_sids(stack: &Stack) -> Vec<String> {
    stack
        .items("session")
        .await
        .iter()
        .filter_map(|item| item.get("provider_sid")?.as_s().ok().cloned())
        .collect()
}

#[tokio::test]
async fn a_logout_by_sub_ends_every_session_of_that_user_once() {
    let stack = Stack::start().await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bobs_passkey) = enrolled_user(&stack.bi, "bob@example.com").await;
    let first = stack.sign_in(&passkey).await;
    let second = stack.sign_in(&passkey).await;
    let bob = stack.sign_in(&bobs_passkey).await;
    let now = passkey_auth::now();

    let token = stack.logout_token(json!({"sub": alice["id"]})).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json(), json!({"ok": true, "ended": 2}));
    assert_eq!(answer.0["headers"]["cache-control"], "no-store");
    for cookie in [&first, &second] {
        assert!(
            !stack.is_signed_in(cookie).await,
            "refused on its next request"
        );
    }
    assert!(
        stack.is_signed_in(&bob).await,
        "only the named user's sessions end"
    );

    // The same token again is a replay: refused, whatever it would end.
    let again = stack.sign_in(&passkey).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(error_of(&answer), (400, json!("invalid_request")));
    assert!(stack.is_signed_in(&again).await, "a replay ends nothing");
}

#[tokio::test]
async fn a_logout_by_sid_ends_only_the_sessions_of_that_provider_session() {
    let options = Options {
        id_token_sid: true,
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let first = stack.sign_in(&passkey).await;
    let sids = provider_sids(&stack).await;
    assert_eq!(sids.len(), 1, "the sign-in recorded the ID token's sid");
    let second = stack.sign_in(&passkey).await;
    let now = passkey_auth::now();
    // Each provider session has its own item, naming its own session.
    let items = stack.items("provider_session").await;
    assert_eq!(items.len(), 2, "one item per provider session");
    for item in &items {
        assert_eq!(item["sessions"].as_ss().map(Vec::len), Ok(1), "{item:?}");
    }

    // sid alone: found through the provider session's own item.
    let token = stack.logout_token(json!({"sid": sids[0]})).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(
        answer.json(),
        json!({"ok": true, "ended": 1}),
        "{:?}",
        answer.0
    );
    assert!(!stack.is_signed_in(&first).await);
    assert!(
        stack.is_signed_in(&second).await,
        "another provider session lives on"
    );

    // sub and sid: that user's sessions in that provider session, not the user's others.
    let other_sid = provider_sids(&stack).await.pop().expect("the second's sid");
    let third = stack.sign_in(&passkey).await;
    let token = stack
        .logout_token(json!({"sub": "someone-else", "sid": other_sid}))
        .await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(
        answer.json(),
        json!({"ok": true, "ended": 0}),
        "another user's sub"
    );
    assert!(stack.is_signed_in(&second).await);
    let token = stack
        .logout_token(json!({"sub": alice["id"], "sid": other_sid}))
        .await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(answer.json(), json!({"ok": true, "ended": 1}));
    assert!(!stack.is_signed_in(&second).await);
    assert!(
        stack.is_signed_in(&third).await,
        "the user's session in another provider session lives on"
    );
}

#[tokio::test]
async fn every_logout_token_fault_is_refused_and_ends_nothing() {
    let options = Options {
        id_token_sid: true,
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let sid = provider_sids(&stack).await.pop().expect("sid");
    let now = passkey_auth::now();
    let named = json!({"sub": alice["id"], "sid": sid});

    // Each fault, and the rule that refuses it (the answer says which).
    for (fault, rule) in [
        ("bad_signature", "signature"),
        ("nonce", "nonce"),
        ("no_events", "events"),
        ("wrong_audience", "aud"),
        ("expired", "expired"),
        ("alg_none", "alg"),
        ("id_token_typ", "typ"),
    ] {
        let mut request = named.clone();
        request["fault"] = fault.into();
        let token = stack.logout_token(request).await;
        let answer = stack.post_logout_token(&token, now).await;
        assert_eq!(
            error_of(&answer),
            (400, json!("invalid_request")),
            "{fault}"
        );
        let message = answer.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(rule), "{fault}: {message}");
        assert!(stack.is_signed_in(&cookie).await, "{fault} ended a session");
    }
    // An unknown sid (and no sub) is a valid token that names no session here.
    let token = stack.logout_token(json!({"fault": "unknown_sid"})).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(answer.json(), json!({"ok": true, "ended": 0}));
    assert!(stack.is_signed_in(&cookie).await);
    // A replayed jti: the first use works, the token minted with the same jti does not.
    let token = stack.logout_token(json!({"sub": "nobody"})).await;
    assert_eq!(stack.post_logout_token(&token, now).await.status(), 200);
    let mut replay = named.clone();
    replay["fault"] = "replayed_jti".into();
    let token = stack.logout_token(replay).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(error_of(&answer), (400, json!("invalid_request")));
    let message = answer.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("already used"), "{message}");
    assert!(stack.is_signed_in(&cookie).await);

    // Requests that are not a logout token at all.
    let limit = passkey_auth::oidc::logout_token::MAX_LOGOUT_TOKEN + 64;
    let form = |body: &str, content_type: &str| {
        event(
            "POST",
            "/api/auth/backchannel-logout",
            &[("content-type", content_type)],
            &[],
            Some(body),
        )
    };
    let cases = [
        (form("", "application/x-www-form-urlencoded"), 400),
        (
            form("logout_token=a.b.c", "application/x-www-form-urlencoded"),
            400,
        ),
        (
            form(
                "logout_token=x&logout_token=y",
                "application/x-www-form-urlencoded",
            ),
            400,
        ),
        (form("logout_token=x", "application/json"), 415),
        // The body's cap: the largest token with its name and some room, one byte more.
        (
            form(
                &format!("logout_token={}", "a".repeat(limit - 13)),
                "application/x-www-form-urlencoded",
            ),
            400,
        ),
        (
            form(
                &format!("logout_token={}", "a".repeat(limit - 12)),
                "application/x-www-form-urlencoded",
            ),
            413,
        ),
        (
            event("GET", "/api/auth/backchannel-logout", &[], &[], None),
            405,
        ),
    ];
    for (request, status) in cases {
        let answer = stack.backchannel_at(request.clone(), now).await;
        assert_eq!(answer.status(), status, "{request}");
    }
    assert!(stack.is_signed_in(&cookie).await);
}

/// A key the provider rotated in after the receiver cached its keys is fetched for at once,
/// as for ID tokens: a logout token signed with it is accepted by the warm container.
#[tokio::test]
async fn a_logout_token_signed_with_a_rotated_key_is_accepted() {
    let stack = Stack::start().await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let now = passkey_auth::now();
    // The receiver discovers the provider and caches its keys (no session to end yet).
    let first = stack.logout_token(json!({"sub": alice["id"]})).await;
    let answer = stack.post_logout_token(&first, now).await;
    assert_eq!(answer.json(), json!({"ok": true, "ended": 0}));
    stack.rotate_keys(false).await;

    let cookie = stack.sign_in(&passkey).await;
    let token = stack.logout_token(json!({"sub": alice["id"]})).await;
    let answer = stack.post_logout_token(&token, now).await;
    assert_eq!(
        answer.json(),
        json!({"ok": true, "ended": 1}),
        "{:?}",
        answer.0
    );
    assert!(!stack.is_signed_in(&cookie).await);
}
