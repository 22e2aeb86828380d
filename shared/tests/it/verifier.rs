//! `passkey_verifier::Verifier` (the crate other Rust services use) and `SessionReader`
//! (built on it) read the sessions the functions write, with the same answers.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Stack, event, session_id};
use passkey_auth::SessionReader;
use passkey_verifier::Verifier;

#[tokio::test]
async fn a_service_sees_the_same_user_and_the_same_refusals_as_the_functions() {
    let stack = Stack::start().await;
    let (identity, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let other = stack.sign_in(&passkey).await;
    let verifier = Verifier::new(stack.db.clone(), stack.table.clone());

    let signed_in = verifier
        .user([format!("theme=dark; {cookie}").as_str()])
        .await
        .expect("read")
        .expect("signed in");
    assert_eq!(signed_in.user.subject, identity["id"].as_str().expect("id"));
    assert_eq!(signed_in.user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(signed_in.session, session_id(&cookie).public_id());

    // Refused as the functions refuse: none, two, garbage, and a signed-out session.
    for headers in [
        vec![],
        vec!["theme=dark".to_owned()],
        vec![cookie.clone(), other.clone()],
        vec![format!("{cookie}; {cookie}")],
        vec!["__Host-session=garbage".to_owned()],
    ] {
        let found = verifier
            .user(headers.iter().map(String::as_str))
            .await
            .expect("read");
        assert_eq!(found, None, "{headers:?}");
    }
    assert_eq!(stack.sign_out(&[&other]).await.status(), 200);
    assert_eq!(verifier.user([other.as_str()]).await.expect("read"), None);

    // SessionReader, on the same verifier, for a Lambda function's request.
    let reader = SessionReader::new(Verifier::new(stack.db.clone(), stack.table.clone()));
    let request = |cookies: &[&str]| {
        let mut request: lambda_http::request::LambdaRequest =
            serde_json::from_value(event("GET", "/anything", &[], cookies, None)).expect("event");
        passkey_auth::http::lambda::make_safe(&mut request);
        lambda_http::Request::from(request)
    };
    let user = reader
        .user(&request(&[&cookie]))
        .await
        .expect("read")
        .expect("user");
    assert_eq!(user.subject, signed_in.user.subject);
    assert_eq!(reader.user(&request(&[&other])).await.expect("read"), None);
    assert_eq!(reader.user(&request(&[])).await.expect("read"), None);
}

#[tokio::test]
async fn an_unreachable_table_is_an_error_never_a_guess() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let unreachable = common::unreachable_dynamo();
    let verifier = Verifier::new(unreachable, stack.table.clone());
    assert!(verifier.user([cookie.as_str()]).await.is_err());
    // Without a session cookie there is nothing to read, so nothing can fail.
    assert_eq!(verifier.user(["theme=dark"]).await.expect("no read"), None);
}

#[tokio::test]
async fn the_hourly_write_skips_an_ended_session_and_reports_any_other_failure() {
    use passkey_verifier::{DynamoRecords, SessionRecords};
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let id = session_id(&cookie);
    let records = DynamoRecords::new(stack.db.clone(), stack.table.clone());
    let session = records.get(&id).await.expect("read").expect("live");

    // Signed out between the read and the write: nothing to record, and no item comes back.
    assert_eq!(stack.sign_out(&[&cookie]).await.status(), 200);
    records
        .touch(&id, &session)
        .await
        .expect("a gone session is no failure");
    assert_eq!(records.get(&id).await.expect("read"), None);

    // Any other refusal of the write is the store's failure, never swallowed.
    let elsewhere = DynamoRecords::new(stack.db.clone(), "no-such-table");
    assert!(elsewhere.touch(&id, &session).await.is_err());
}
