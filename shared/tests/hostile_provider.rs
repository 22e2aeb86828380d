//! The OpenID RP conformance cases, driven through bi-local's fault injection: a
//! hostile or broken provider never produces a session.

mod common;

use bi_local::sdk::{enrolled_user, http};
use bi_local::{Fault, Flaw, Target};
use common::Stack;
use serde_json::json;

fn flaw(flaw: Flaw) -> Fault {
    Fault {
        target: Target::IdToken,
        status: None,
        retry_after: None,
        delay_ms: None,
        flaw: Some(flaw),
        times: Some(1),
    }
}

fn http_fault(target: Target, status: Option<u16>, delay_ms: Option<u64>) -> Fault {
    Fault {
        target,
        status,
        retry_after: None,
        delay_ms,
        flaw: None,
        times: Some(1),
    }
}

#[tokio::test]
async fn id_tokens_that_fail_any_check_are_refused() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "gus@example.com").await;
    for f in [
        Flaw::WrongIss,
        Flaw::WrongAud,
        Flaw::MissingAud,
        Flaw::MissingSub,
        Flaw::BadSignature,
        Flaw::AlgNone,
        Flaw::NonceMismatch,
        Flaw::Expired,
        Flaw::FutureIat,
    ] {
        let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
        stack.bi.inject([flaw(f)]);
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(
            answer.location(),
            "/?error=invalid_id_token",
            "{f:?} was accepted"
        );
        assert_eq!(answer.cookie("__Host-session"), None);
    }
    assert!(
        stack.items("session").await.is_empty(),
        "no flawed token made a session"
    );
}

#[tokio::test]
async fn a_token_without_kid_is_accepted_with_one_key_and_refused_with_several() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "hana@example.com").await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.bi.inject([flaw(Flaw::MissingKid)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(
        answer.location(),
        "/",
        "one key and no kid: the one key is used"
    );

    let rotated = http()
        .post(format!("{}/_emulator/keys/rotate", stack.bi.auth_url()))
        .json(&json!({"keep_old": true}))
        .send()
        .await
        .expect("rotate");
    assert_eq!(rotated.status(), 200);
    // A fresh container (so it discovers both keys), then a token without kid.
    let stack2 = Stack::start_with_bi(stack).await;
    let (callback, flow) = stack2.start_sign_in(&passkey, "/").await;
    stack2.bi.inject([flaw(Flaw::MissingKid)]);
    let answer = stack2.get_callback(&callback, &[&flow]).await;
    assert_eq!(
        answer.location(),
        "/?error=invalid_id_token",
        "several keys and no kid is ambiguous"
    );
}

#[tokio::test]
async fn a_key_rotated_after_the_first_sign_in_is_fetched_once_and_accepted() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ivan@example.com").await;
    stack.sign_in(&passkey).await;
    let rotated = http()
        .post(format!("{}/_emulator/keys/rotate", stack.bi.auth_url()))
        .send()
        .await
        .expect("rotate");
    assert_eq!(rotated.status(), 200);
    // The warm container still holds the old key set; the unknown kid makes it fetch
    // the JWKS again, once, and the sign-in succeeds.
    stack.sign_in(&passkey).await;
}

#[tokio::test]
async fn an_unavailable_or_slow_provider_gets_a_clear_error() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "june@example.com").await;

    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack
        .bi
        .inject([http_fault(Target::Token, Some(503), None)]);
    assert_eq!(
        stack.get_callback(&callback, &[&flow]).await.location(),
        "/?error=provider_unavailable"
    );

    // Slower than the client's 5 s timeout.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack
        .bi
        .inject([http_fault(Target::Token, None, Some(6_000))]);
    let started = std::time::Instant::now();
    assert_eq!(
        stack.get_callback(&callback, &[&flow]).await.location(),
        "/?error=provider_unavailable"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(6));

    assert!(stack.items("session").await.is_empty());

    // Discovery failing on a cold start: signin answers 503 JSON, and works once the
    // provider is back (discovery is retried, not cached as a failure).
    let cold = Stack::start_with_bi(stack).await;
    cold.bi
        .inject([http_fault(Target::Discovery, Some(500), None)]);
    let answer = cold.get_signin("/api/auth/signin", &[]).await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.json()["error"], "provider_unavailable");
    assert_eq!(cold.get_signin("/api/auth/signin", &[]).await.status(), 302);
}

#[tokio::test]
async fn a_code_the_provider_refuses_is_reported() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "kai@example.com").await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    // Swap in a code the provider never issued (state and flow are genuine).
    let forged = callback.replacen("code=", "code=x", 1);
    let answer = stack.get_callback(&forged, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=code_rejected");
}
