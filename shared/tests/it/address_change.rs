//! A change of the account's address (docs/account.md): asked for with a recent sign-in,
//! confirmed by a link mailed to the new address and the user's own session, then the
//! identity, every session and the team's app have the new address and the old one gets a
//! notice. An address another account has gets the same answer and no mail. Real events,
//! bi-local, and moto for the table, SES and EventBridge.

use crate::common;

use std::sync::atomic::{AtomicU32, Ordering};

use bi_local::Options;
use bi_local::sdk::enrolled_user;
use common::mail::{Mail, mails_to};
use common::{Stack, error_of, post};
use passkey_auth::now;
use passkey_auth::routes::account::address::{ASKED_MESSAGE, CONFIRM_QUERY};
use serde_json::json;

const ASK: &str = "/api/auth/account/address";
const CONFIRM: &str = "/api/auth/account/address/confirm";

/// An address no other test uses: the mail server is shared.
fn address(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("{name}-{}-{n}@example.com", std::process::id())
}

/// A stack that mails (and, with `events`, publishes).
async fn stack(events: bool) -> Stack {
    let bus = format!("address-events-{}", address("bus").replace(['@', '.'], "-"));
    Stack::start_with_bi_options(Options::default(), |vars| {
        vars.insert("AUTH_EMAIL_FROM".into(), "no-reply@example.com".into());
        if events {
            vars.insert("AUTH_EVENT_BUS".into(), bus);
        }
    })
    .await
}

async fn ask(stack: &Stack, cookie: &str, email: &str, at: i64) -> common::Answer {
    let body = json!({ "email": email }).to_string();
    stack.account_at(post(ASK, &[cookie], &body), at).await
}

async fn confirm(stack: &Stack, cookie: &str, token: &str, at: i64) -> common::Answer {
    let body = json!({ "token": token }).to_string();
    stack.account_at(post(CONFIRM, &[cookie], &body), at).await
}

async fn mails(stack: &Stack, to: &str) -> Vec<Mail> {
    mails_to(&stack.dynamo.endpoint, to).await
}

/// The token of the newest confirmation mailed to `to`.
async fn token_sent_to(stack: &Stack, to: &str) -> String {
    let sent = mails(stack, to).await;
    let last = sent.last().expect("a confirmation");
    assert_eq!(last.subject, "Confirm your new address");
    last.link_query(CONFIRM_QUERY).expect("a link")
}

#[tokio::test]
async fn a_confirmed_change_moves_the_identity_and_every_session_and_tells_both_addresses() {
    let stack = stack(true).await;
    let probe = stack.events.as_ref().expect("events");
    let old = address("ada");
    let new = address("ada.new");
    let (ada, passkey) = enrolled_user(&stack.bi, &old).await;
    let id = ada["id"].as_str().expect("id").to_owned();
    let laptop = stack.sign_in(&passkey).await;
    let phone = stack.sign_in(&passkey).await;
    let (_, bobs_passkey) = enrolled_user(&stack.bi, &address("bob")).await;
    let bob = stack.sign_in(&bobs_passkey).await;
    probe.received().await;

    // Asking needs a recent sign-in; then the same answer as for any address.
    let answer = ask(&stack, &laptop, &new, now() + 301).await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    let answer = ask(&stack, &laptop, &new, now()).await;
    assert_eq!(answer.status(), 202, "{:?}", answer.0);
    assert_eq!(answer.json(), json!({"ok": true, "message": ASKED_MESSAGE}));
    let first = token_sent_to(&stack, &new).await;
    let text = &mails(&stack, &new).await[0].text;
    assert!(
        !text.contains(&old),
        "the new address is not told the old one"
    );
    assert!(
        text.contains(&format!("{}/?{CONFIRM_QUERY}=", common::ORIGIN)),
        "{text}"
    );

    // The link is no one else's to use: another account's session is refused, and the
    // link is spent.
    let answer = confirm(&stack, &bob, &first, now()).await;
    assert_eq!(error_of(&answer), (403, json!("wrong_account")));
    let answer = confirm(&stack, &laptop, &first, now()).await;
    assert_eq!(error_of(&answer), (400, json!("link_expired")));
    assert_eq!(
        stack.identity(&id).await.1["traits"]["username"],
        old.as_str()
    );

    // Asked again, confirmed from the phone (not a recent sign-in: the link is the proof).
    assert_eq!(ask(&stack, &laptop, &new, now()).await.status(), 202);
    let token = token_sent_to(&stack, &new).await;
    let answer = confirm(&stack, &phone, &token, now() + 600).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json(), json!({"ok": true, "email": new}));

    // Beyond Identity has the new address, as username, primary address and name.
    let moved = stack.identity(&id).await.1;
    assert_eq!(moved["traits"]["username"], new.as_str());
    assert_eq!(moved["traits"]["primary_email_address"], new.as_str());
    assert_eq!(moved["display_name"], new.as_str());
    // Both sessions show it, as their address and as their name (which was the address).
    for cookie in [&laptop, &phone] {
        let session = stack.get_session(&[cookie]).await.json();
        assert_eq!(session["user"]["email"], new.as_str(), "{session}");
        assert_eq!(session["user"]["name"], new.as_str(), "{session}");
    }
    // The old address is told, and where to go if it was not its owner.
    let notices = mails(&stack, &old).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].subject, "Your account's address was changed");
    assert!(notices[0].text.contains(&new));
    // The team's app hears it.
    let received = probe.received().await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["detail-type"], "user.address_changed");
    assert_eq!(received[0]["detail"]["email"], new.as_str());
    assert_eq!(received[0]["detail"]["user"]["id"], id.as_str());
    // The link worked once.
    let answer = confirm(&stack, &phone, &token, now()).await;
    assert_eq!(error_of(&answer), (400, json!("link_expired")));
    // Nothing is held any more.
    assert!(stack.items("address_change").await.is_empty());
}

#[tokio::test]
async fn an_address_another_account_has_gets_the_same_answer_and_no_mail() {
    let stack = stack(false).await;
    let ada = address("ada");
    let bob = address("bob");
    let (_, passkey) = enrolled_user(&stack.bi, &ada).await;
    enrolled_user(&stack.bi, &bob).await;
    let cookie = stack.sign_in(&passkey).await;
    let free = ask(&stack, &cookie, &address("free"), now()).await;
    let taken = ask(&stack, &cookie, &bob.to_uppercase(), now()).await;
    assert_eq!(taken.status(), 202);
    assert_eq!(taken.json(), free.json());
    assert!(mails(&stack, &bob).await.is_empty());
    assert_eq!(
        stack.items("address_change").await.len(),
        1,
        "the free one alone"
    );
}

#[tokio::test]
async fn a_change_the_address_lost_meanwhile_or_that_expired_changes_nothing() {
    let stack = stack(false).await;
    let old = address("cy");
    let (cy, passkey) = enrolled_user(&stack.bi, &old).await;
    let id = cy["id"].as_str().expect("id").to_owned();
    let cookie = stack.sign_in(&passkey).await;

    // Someone registers the new address between the ask and the confirmation.
    let wanted = address("cy.wanted");
    assert_eq!(ask(&stack, &cookie, &wanted, now()).await.status(), 202);
    let token = token_sent_to(&stack, &wanted).await;
    let registered = stack
        .post_register(&json!({ "email": wanted }).to_string(), now())
        .await;
    assert_eq!(registered.status(), 202);
    let answer = confirm(&stack, &cookie, &token, now()).await;
    assert_eq!(error_of(&answer), (409, json!("address_taken")));
    assert_eq!(
        stack.identity(&id).await.1["traits"]["username"],
        old.as_str()
    );

    // Two changes asked for: the first confirmed moves the address the second expected.
    let one = address("cy.one");
    let two = address("cy.two");
    assert_eq!(ask(&stack, &cookie, &one, now()).await.status(), 202);
    assert_eq!(ask(&stack, &cookie, &two, now()).await.status(), 202);
    let first = token_sent_to(&stack, &one).await;
    let second = token_sent_to(&stack, &two).await;
    assert_eq!(confirm(&stack, &cookie, &second, now()).await.status(), 200);
    let answer = confirm(&stack, &cookie, &first, now()).await;
    assert_eq!(error_of(&answer), (409, json!("address_moved")));
    assert_eq!(
        stack.identity(&id).await.1["traits"]["username"],
        two.as_str()
    );

    // An hour later a link no longer works.
    let late = address("cy.late");
    let cookie = stack.sign_in(&passkey).await;
    assert_eq!(ask(&stack, &cookie, &late, now()).await.status(), 202);
    let token = token_sent_to(&stack, &late).await;
    let answer = confirm(&stack, &cookie, &token, now() + 3601).await;
    assert_eq!(error_of(&answer), (400, json!("link_expired")));
}

#[tokio::test]
async fn asking_is_checked_limited_and_offered_only_with_mail() {
    let stack = stack(false).await;
    let own = address("di");
    let (_, passkey) = enrolled_user(&stack.bi, &own).await;
    let cookie = stack.sign_in(&passkey).await;
    let answer = ask(&stack, &cookie, &own.to_uppercase(), now()).await;
    assert_eq!(error_of(&answer), (400, json!("bad_request")));
    let answer = ask(&stack, &cookie, "not an address", now()).await;
    assert_eq!(error_of(&answer), (400, json!("invalid_email")));
    let answer = stack
        .account_at(post(ASK, &[&cookie], r#"{"email":7}"#), now())
        .await;
    assert_eq!(error_of(&answer), (400, json!("bad_request")));
    let answer = stack
        .account_at(
            post(ASK, &[], &json!({"email": address("x")}).to_string()),
            now(),
        )
        .await;
    assert_eq!(error_of(&answer), (401, json!("unauthenticated")));

    // Three links an hour to one mailbox, however its address is written.
    let target = address("target");
    let (local, domain) = target.split_once('@').expect("an address");
    for written in [
        target.clone(),
        target.to_uppercase(),
        format!("{local}+again@{domain}"),
    ] {
        assert_eq!(ask(&stack, &cookie, &written, now()).await.status(), 202);
    }
    let answer = ask(&stack, &cookie, &target, now()).await;
    assert_eq!(error_of(&answer).0, 429);

    // Without AUTH_EMAIL_FROM there is no change of address.
    let plain = Stack::start().await;
    let (_, passkey) = enrolled_user(&plain.bi, &address("ed")).await;
    let cookie = plain.sign_in(&passkey).await;
    let answer = ask(&plain, &cookie, &address("ed.new"), now()).await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
    let answer = confirm(&plain, &cookie, "token", now()).await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
}
