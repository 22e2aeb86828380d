//! The OpenID RP conformance cases, driven through bi-local's fault injection: a
//! hostile or broken provider never produces a session.

use crate::common;

use bi_local::sdk::{enrolled_user, http};
use std::time::Duration;

use bi_local::{Fault, Flaw, Target};
use common::Stack;
use passkey_auth::oidc::jwks::JwksPolicy;
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

    stack.rotate_keys(true).await;
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
    // Each JWKS request takes one use of this rule (1 ms, then the real answer): the uses
    // left count the fetches.
    let counter = |uses| Fault {
        times: Some(uses),
        ..http_fault(Target::Jwks, None, Some(1))
    };
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ivan@example.com").await;
    stack.sign_in(&passkey).await;
    stack.bi.inject([counter(10)]);
    stack.sign_in(&passkey).await;
    assert_eq!(
        stack.bi.faults_left(),
        [counter(10)],
        "a known key: no fetch"
    );
    stack.rotate_keys(false).await;
    // The warm container still holds the old key set; the unknown kid makes it fetch
    // the JWKS again, once, and the sign-in succeeds.
    stack.sign_in(&passkey).await;
    assert_eq!(stack.bi.faults_left(), [counter(9)], "one fetch");
    // Rotated again at once (or rolled back): another kid, fetched for at once too.
    stack.rotate_keys(false).await;
    stack.sign_in(&passkey).await;
    assert_eq!(stack.bi.faults_left(), [counter(8)], "one more");
    assert_eq!(stack.items("session").await.len(), 4);
}

/// Only a token that names a key the cache does not hold makes the client ask for the
/// JWKS again: a token refused for anything else (here another audience, signed with the
/// key the cache holds) costs the provider no request.
#[tokio::test]
async fn a_token_refused_for_its_claims_fetches_no_keys() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "nia@example.com").await;
    stack.sign_in(&passkey).await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let jwks_down = http_fault(Target::Jwks, Some(503), None);
    stack.bi.inject([flaw(Flaw::WrongAud), jwks_down.clone()]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=invalid_id_token");
    assert_eq!(
        stack.bi.faults_left(),
        vec![jwks_down],
        "the JWKS was not asked for"
    );
}

/// A key the provider takes out of its JWKS stops being trusted once the cached set is
/// older than the policy's `max_age` (ten minutes in production; zero here, so that the
/// test does not wait), even in a warm container; a token signed with it is refused.
#[tokio::test]
async fn a_key_the_provider_removes_stops_being_trusted() {
    let bi = bi_local::BiLocal::start(bi_local::Options::default())
        .await
        .expect("bi-local");
    let policy = JwksPolicy {
        max_age: Duration::ZERO,
        ..JwksPolicy::default()
    };
    let stack = Stack::build_with(bi, |_| {}, policy).await;
    let (_, passkey) = enrolled_user(&stack.bi, "lou@example.com").await;
    stack.sign_in(&passkey).await;
    stack.rotate_keys(false).await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.bi.inject([flaw(Flaw::RetiredKey)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=invalid_id_token");
    stack.sign_in(&passkey).await;
    assert_eq!(stack.items("session").await.len(), 2);
}

/// Issuers are compared exactly as written: one with a trailing slash (Auth0, Azure AD
/// v1) signs in, and the same issuer without the slash is another issuer.
#[tokio::test]
async fn an_issuer_with_a_trailing_slash_is_kept_as_written() {
    let options = bi_local::Options {
        issuer_trailing_slash: true,
        ..Default::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    assert!(stack.config.provider.issuer.ends_with('/'));
    let (_, passkey) = enrolled_user(&stack.bi, "max@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    assert_eq!(
        stack.get_session(&[&cookie]).await.json()["user"]["email"],
        "max@example.com"
    );

    let issuer = stack
        .config
        .provider
        .issuer
        .trim_end_matches('/')
        .to_owned();
    let other = Stack::start_with_bi_options(
        bi_local::Options {
            issuer_trailing_slash: true,
            ..Default::default()
        },
        |vars| {
            vars.insert("BEYOND_IDENTITY_ISSUER".into(), issuer);
        },
    )
    .await;
    let answer = other.get_signin("/api/auth/signin", &[]).await;
    assert_eq!(answer.status(), 503, "discovery names another issuer");
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

    // Slower than the client's 5 s timeout: had the client waited, the answer (a valid
    // token, 6 s later) would have signed the user in; the refusal shows it gave up.
    // No clock is read, so a loaded machine cannot make this fail.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack
        .bi
        .inject([http_fault(Target::Token, None, Some(6_000))]);
    assert_eq!(
        stack.get_callback(&callback, &[&flow]).await.location(),
        "/?error=provider_unavailable"
    );

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

/// OpenID Connect Core §3.1.3.7 steps 3–5: every audience must be trusted, several
/// audiences need `azp`, and `azp` must be this client.
#[tokio::test]
async fn azp_and_extra_audiences_follow_openid_connect_core() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ida@example.com").await;
    for (f, accepted) in [
        (Flaw::ForeignAzp, false),
        (Flaw::ExtraAud, false),
        (Flaw::ExtraAudNoAzp, false),
        (Flaw::OwnAzp, true),
        (Flaw::ApplicationAzp, true),
    ] {
        let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
        stack.bi.inject([flaw(f)]);
        let answer = stack.get_callback(&callback, &[&flow]).await;
        let expected = if accepted {
            "/"
        } else {
            "/?error=invalid_id_token"
        };
        assert_eq!(answer.location(), expected, "{f:?}");
        assert_eq!(answer.cookie("__Host-session").is_some(), accepted, "{f:?}");
    }
    assert_eq!(stack.items("session").await.len(), 2);
}

/// A provider clock off by less than the allowed skew (two minutes) is accepted either way:
/// an `exp` just passed, an `iat` just ahead (and an hour out is refused: above).
#[tokio::test]
async fn a_token_within_the_clock_skew_is_accepted() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ken@example.com").await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.bi.inject([flaw(Flaw::WithinSkew)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/");
    assert!(answer.cookie("__Host-session").is_some());
}

/// Beyond Identity's ID token carries only the subject: the name and email shown after
/// sign-in come from userinfo, which must be about the same subject.
#[tokio::test]
async fn the_profile_comes_from_userinfo_about_the_same_subject() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "Joe@Example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let session = stack.get_session(&[&cookie]).await.json();
    assert_eq!(session["user"]["email"], "Joe@Example.com");
    assert_eq!(session["user"]["name"], "Joe@Example.com");

    // Userinfo about someone else: refused, and no session.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.bi.inject([Fault {
        flaw: Some(Flaw::WrongSub),
        ..http_fault(Target::Userinfo, None, None)
    }]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=invalid_userinfo");
    assert_eq!(answer.cookie("__Host-session"), None);

    // Userinfo down: the sign-in is refused with a retry, never a session without a name.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack
        .bi
        .inject([http_fault(Target::Userinfo, Some(503), None)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=provider_unavailable");
    // Userinfo refusing the access token is the provider's answer being wrong.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack
        .bi
        .inject([http_fault(Target::Userinfo, Some(401), None)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=invalid_userinfo");
    assert_eq!(stack.items("session").await.len(), 1);
}

/// A provider that puts the profile in the ID token (most do) costs no userinfo call.
#[tokio::test]
async fn profile_claims_in_the_id_token_need_no_userinfo() {
    let options = bi_local::Options {
        id_token_claims: true,
        ..Default::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (_, passkey) = enrolled_user(&stack.bi, "kim@example.com").await;
    stack.bi.inject([Fault {
        times: None,
        ..http_fault(Target::Userinfo, Some(503), None)
    }]);
    let cookie = stack.sign_in(&passkey).await;
    let session = stack.get_session(&[&cookie]).await.json();
    assert_eq!(session["user"]["email"], "kim@example.com");
}

/// An ID token with the email but not the name (a provider that leaves some claims to
/// userinfo) still costs a userinfo call, for the name.
#[tokio::test]
async fn a_profile_the_id_token_leaves_incomplete_is_completed_from_userinfo() {
    let options = bi_local::Options {
        id_token_claims: true,
        ..Default::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (_, passkey) = enrolled_user(&stack.bi, "lea@example.com").await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    stack.bi.inject([flaw(Flaw::EmailOnly)]);
    let answer = stack.get_callback(&callback, &[&flow]).await;
    let cookie = format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("signed in")
    );
    let session = stack.get_session(&[&cookie]).await.json();
    assert_eq!(
        (&session["user"]["name"], &session["user"]["email"]),
        (&json!("lea@example.com"), &json!("lea@example.com"))
    );
}

/// A scope the application was not given is refused by the provider, and the callback
/// says so without a session.
#[tokio::test]
async fn a_scope_the_application_was_not_given_is_refused() {
    let stack = Stack::start_with(|vars| {
        vars.insert("AUTH_SCOPES".into(), "openid email profile admin".into());
    })
    .await;
    let answer = stack
        .get_signin("/api/auth/signin?callbackUrl=%2F", &[])
        .await;
    let flow = format!(
        "__Host-auth-flow={}",
        answer.cookie("__Host-auth-flow").expect("a flow cookie")
    );
    let authorize = http()
        .get(answer.location())
        .send()
        .await
        .expect("authorize");
    assert_eq!(authorize.status(), 302);
    let back = url::Url::parse(
        authorize
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .expect("a redirect"),
    )
    .expect("url");
    assert!(
        back.query_pairs()
            .any(|(k, v)| k == "error" && v == "invalid_scope"),
        "{back}"
    );
    let callback = format!("{}?{}", back.path(), back.query().unwrap_or_default());
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), "/?error=access_denied");
    assert_eq!(answer.cookie("__Host-session"), None);
}

/// A provider that keeps signing with a key it does not publish is asked for its keys once
/// per cool-down for that kid, not on every sign-in; once the cool-down has passed it is
/// asked again. (Whether a JWKS request was made shows in whether its fault rule is used.)
#[tokio::test]
async fn an_unknown_kid_is_fetched_for_once_per_cool_down() {
    for (cooldown, fetched_again) in [
        (JwksPolicy::default().unknown_kid_cooldown, false),
        (Duration::ZERO, true),
    ] {
        let bi = bi_local::BiLocal::start(bi_local::Options::default())
            .await
            .expect("bi-local");
        let policy = JwksPolicy {
            unknown_kid_cooldown: cooldown,
            ..JwksPolicy::default()
        };
        let stack = Stack::build_with(bi, |_| {}, policy).await;
        let (_, passkey) = enrolled_user(&stack.bi, "ned@example.com").await;
        stack.sign_in(&passkey).await;
        // Two rotations: the retired key that signs next was never in this container's
        // cache (the first one still is, until the set is ten minutes old).
        stack.rotate_keys(false).await;
        stack.rotate_keys(false).await;
        for attempt in 0..2 {
            let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
            stack.bi.inject([flaw(Flaw::RetiredKey)]);
            if attempt == 1 {
                stack.bi.inject([http_fault(Target::Jwks, Some(503), None)]);
            }
            let answer = stack.get_callback(&callback, &[&flow]).await;
            assert_eq!(answer.location(), "/?error=invalid_id_token");
        }
        let jwks_rule_left = stack
            .bi
            .faults_left()
            .iter()
            .any(|f| f.target == Target::Jwks);
        assert_eq!(
            jwks_rule_left,
            !fetched_again,
            "cool-down {cooldown:?}: the second unknown kid {} the JWKS",
            if fetched_again {
                "fetches"
            } else {
                "does not fetch"
            }
        );
    }
}
