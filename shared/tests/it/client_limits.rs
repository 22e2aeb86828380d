//! Abuse is limited per client, never for everyone: `signin` and `callback` count each
//! client address (an IPv6 client by its /64) in the session table, and one client over
//! its limit leaves every other client's sign-in alone.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Answer, Stack};
use passkey_auth::http::ratelimit::{CALLBACK_PER_CLIENT, SIGN_IN_PER_CLIENT};

const SIGN_IN: &str = "/api/auth/signin?callbackUrl=%2Fdocs";
/// The start of a minute: every hit below falls in one window.
const MINUTE: i64 = 30_000_000 * 60;

/// Refused by the limit: the browser goes to the error page, with no flow begun.
fn assert_limited(answer: &Answer) {
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/?error=rate_limited");
    assert!(answer.header("retry-after").is_none(), "not on a redirect");
    // signin sets no flow cookie; the callback clears the one it was sent.
    assert!(
        answer
            .cookie("__Host-auth-flow")
            .is_none_or(|value| value.is_empty()),
        "no flow begun"
    );
}

#[tokio::test]
async fn one_client_starting_sign_ins_in_a_loop_is_stopped_and_no_one_else_is() {
    let stack = Stack::start().await;
    let flooder = "198.51.100.9";
    for i in 0..SIGN_IN_PER_CLIENT.limit {
        let answer = stack
            .signin_from_client(SIGN_IN, &[], flooder, MINUTE + 5)
            .await;
        assert_eq!(answer.status(), 302, "start {i}");
    }
    let answer = stack
        .signin_from_client(SIGN_IN, &[], flooder, MINUTE + 59)
        .await;
    assert_limited(&answer);

    // Another client, in the same minute, signs in.
    let (_, passkey) = enrolled_user(&stack.bi, "other@example.com").await;
    let (callback, flow) = stack
        .start_sign_in_from_client(&passkey, SIGN_IN, "198.51.100.10", MINUTE + 59)
        .await;
    let answer = stack
        .callback_from_client(&callback, &[&flow], "198.51.100.10", MINUTE + 59)
        .await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/docs");
    assert!(answer.cookie("__Host-session").is_some());

    // The next minute, the first client may start again.
    let answer = stack
        .signin_from_client(SIGN_IN, &[], flooder, MINUTE + 60)
        .await;
    assert_eq!(answer.status(), 302);
}

#[tokio::test]
async fn a_malformed_sign_in_is_refused_before_it_is_counted() {
    let stack = Stack::start().await;
    let client = "198.51.100.20";
    for _ in 0..SIGN_IN_PER_CLIENT.limit + 10 {
        let answer = stack
            .signin_from_client("/api/auth/signin?intent=everything", &[], client, MINUTE)
            .await;
        assert_eq!(answer.status(), 400);
        let answer = stack
            .signin_from_client(
                "/api/auth/signin?callbackUrl=%2F&callbackUrl=%2Fx",
                &[],
                client,
                MINUTE,
            )
            .await;
        assert_eq!(answer.status(), 400);
    }
    let answer = stack.signin_from_client(SIGN_IN, &[], client, MINUTE).await;
    assert_eq!(
        answer.status(),
        302,
        "junk did not use up the client's limit"
    );
}

#[tokio::test]
async fn an_ipv6_client_is_counted_by_its_slash_64() {
    let stack = Stack::start().await;
    for i in 0..SIGN_IN_PER_CLIENT.limit {
        // A new address of the same /64 for every request.
        let address = format!("2001:db8:7:1::{:x}", i + 1);
        let answer = stack
            .signin_from_client(SIGN_IN, &[], &address, MINUTE)
            .await;
        assert_eq!(answer.status(), 302, "start {i}");
    }
    assert_limited(
        &stack
            .signin_from_client(SIGN_IN, &[], "2001:db8:7:1:ffff::1", MINUTE)
            .await,
    );
    let answer = stack
        .signin_from_client(SIGN_IN, &[], "2001:db8:7:2::1", MINUTE)
        .await;
    assert_eq!(answer.status(), 302, "the next /64 is another client");
}

#[tokio::test]
async fn the_limits_follow_the_error_page_setting() {
    let stack = Stack::start_with(|vars| {
        vars.insert("AUTH_ERROR_PAGE".into(), "/oops".into());
    })
    .await;
    for _ in 0..SIGN_IN_PER_CLIENT.limit {
        stack
            .signin_from_client(SIGN_IN, &[], "198.51.100.30", MINUTE)
            .await;
    }
    let answer = stack
        .signin_from_client(SIGN_IN, &[], "198.51.100.30", MINUTE)
        .await;
    assert_eq!(
        (answer.status(), answer.location()),
        (303, "/oops?error=rate_limited")
    );
}

#[tokio::test]
async fn callbacks_over_the_limit_reach_neither_the_provider_nor_the_flow() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "carol@example.com").await;
    let client = "198.51.100.40";

    // One real sign-in, then its callback replayed: each replay is counted (it passed the
    // flow and state checks) and refused as a replay, until the limit.
    let (callback, flow) = stack
        .start_sign_in_from_client(&passkey, SIGN_IN, client, MINUTE)
        .await;
    let answer = stack
        .callback_from_client(&callback, &[&flow], client, MINUTE)
        .await;
    assert_eq!(answer.location(), "/docs");
    for i in 1..CALLBACK_PER_CLIENT.limit {
        let answer = stack
            .callback_from_client(&callback, &[&flow], client, MINUTE)
            .await;
        assert_eq!(answer.location(), "/?error=replayed_flow", "replay {i}");
    }
    assert_limited(
        &stack
            .callback_from_client(&callback, &[&flow], client, MINUTE)
            .await,
    );

    // A fresh sign-in of that client is refused at the callback, before its code is
    // redeemed or its flow claimed: the same callback from another client then succeeds.
    let (callback, flow) = stack
        .start_sign_in_from_client(&passkey, SIGN_IN, client, MINUTE)
        .await;
    let answer = stack
        .callback_from_client(&callback, &[&flow], client, MINUTE)
        .await;
    assert_limited(&answer);
    assert!(answer.cookie("__Host-session").is_none());
    let answer = stack
        .callback_from_client(&callback, &[&flow], "198.51.100.41", MINUTE)
        .await;
    assert_eq!(answer.location(), "/docs", "{:?}", answer.0);
    assert!(answer.cookie("__Host-session").is_some());

    // The next minute the client signs in again.
    let (callback, flow) = stack
        .start_sign_in_from_client(&passkey, SIGN_IN, client, MINUTE + 60)
        .await;
    let answer = stack
        .callback_from_client(&callback, &[&flow], client, MINUTE + 60)
        .await;
    assert_eq!(answer.location(), "/docs");
}

#[tokio::test]
async fn forged_callbacks_are_refused_before_they_are_counted() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "dan@example.com").await;
    let client = "198.51.100.50";
    let (callback, flow) = stack
        .start_sign_in_from_client(&passkey, SIGN_IN, client, MINUTE)
        .await;
    let forged_state = callback.replace("state=", "state=x");
    for _ in 0..CALLBACK_PER_CLIENT.limit + 10 {
        for (path, cookies) in [
            (callback.as_str(), &[][..]),
            (forged_state.as_str(), &[flow.as_str()][..]),
        ] {
            let answer = stack
                .callback_from_client(path, cookies, client, MINUTE)
                .await;
            assert_ne!(answer.location(), "/?error=rate_limited");
        }
    }
    let answer = stack
        .callback_from_client(&callback, &[&flow], client, MINUTE)
        .await;
    assert_eq!(
        answer.location(),
        "/docs",
        "forgeries did not use up the client's limit"
    );
}

#[tokio::test]
async fn the_counters_hold_no_address() {
    let stack = Stack::start().await;
    stack
        .signin_from_client(SIGN_IN, &[], "198.51.100.60", MINUTE)
        .await;
    stack
        .signin_from_client(SIGN_IN, &[], "2001:db8:60:1::1", MINUTE)
        .await;
    let counters = format!("{:?}", stack.items("counter").await);
    assert!(counters.contains("sign-in-client"), "{counters}");
    for address in ["198.51.100.60", "2001:db8:60:1"] {
        assert!(!counters.contains(address), "{counters}");
    }
}

#[tokio::test]
async fn a_sign_in_that_cannot_be_counted_is_not_started() {
    let stack = Stack::start().await;
    stack.delete_table().await;
    let answer = stack
        .signin_from_client(SIGN_IN, &[], "198.51.100.70", MINUTE)
        .await;
    assert_eq!(
        (answer.status(), answer.location()),
        (303, "/?error=session_store_unavailable"),
        "never a silent pass"
    );
    assert!(answer.cookie("__Host-auth-flow").is_none());
}
