//! Sign-out with OpenID RP-Initiated Logout 1.0: when the provider advertises an
//! `end_session_endpoint`, `POST /api/auth/signout` says where the browser goes to end the
//! provider's session too; when it does not (Beyond Identity), sign-out stays local.

use crate::common;

use bi_local::Options;
use bi_local::sdk::{enrolled_user, http};
use common::Stack;
use serde_json::json;

#[tokio::test]
async fn without_an_end_session_endpoint_sign_out_is_local() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let answer = stack.sign_out(&[&cookie]).await;
    assert_eq!(answer.json(), json!({"ok": true}));
    assert!(!stack.is_signed_in(&cookie).await);
}

#[tokio::test]
async fn with_one_sign_out_sends_the_browser_to_end_the_provider_session() {
    let options = Options {
        end_session: true,
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (identity, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    // The ID token stays on the server: nothing the browser reads carries it.
    let session = stack.get_session(&[&cookie]).await;
    assert!(
        !session.0["body"]
            .as_str()
            .expect("body")
            .contains("id_token_hint")
    );

    let answer = stack.sign_out(&[&cookie]).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.cookie("__Host-session").as_deref(), Some(""));
    assert!(!stack.is_signed_in(&cookie).await, "ended here first");
    let redirect = answer.json()["redirect"]
        .as_str()
        .expect("where the browser goes next")
        .to_owned();
    let url = url::Url::parse(&redirect).expect("url");
    assert!(redirect.starts_with(&format!("{}/logout?", stack.config.provider.issuer)));
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], stack.config.provider.client_id);
    assert_eq!(query["post_logout_redirect_uri"], "http://localhost:3000/");
    assert_eq!(query["id_token_hint"].split('.').count(), 3);

    // The provider accepts it, ends its session, and sends the browser home.
    assert!(stack.bi.logouts().is_empty());
    let response = http().get(&redirect).send().await.expect("end session");
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "http://localhost:3000/");
    assert_eq!(
        stack.bi.logouts(),
        vec![identity["id"].as_str().expect("id").to_owned()]
    );

    // Signing out again (no session left) is local and says nothing more.
    let answer = stack.sign_out(&[&cookie]).await;
    assert_eq!(answer.json(), json!({"ok": true}));
}

#[tokio::test]
async fn the_provider_refuses_a_forged_hint_or_a_foreign_way_back() {
    let options = Options {
        end_session: true,
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let redirect = stack.sign_out(&[&cookie]).await.json()["redirect"]
        .as_str()
        .expect("redirect")
        .to_owned();
    let mut url = url::Url::parse(&redirect).expect("url");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let with = |name: &str, value: &str| {
        let mut changed = url.clone();
        changed.query_pairs_mut().clear();
        for (k, v) in &pairs {
            changed
                .query_pairs_mut()
                .append_pair(k, if k == name { value } else { v });
        }
        changed
    };
    for bad in [
        with("post_logout_redirect_uri", "https://evil.example/"),
        with("id_token_hint", "a.b.c"),
        with("client_id", "another-client"),
    ] {
        let response = http().get(bad.as_str()).send().await.expect("end session");
        assert_eq!(response.status(), 400, "{bad}");
    }
    url.set_query(None);
    assert_eq!(
        http().get(url.as_str()).send().await.expect("get").status(),
        400
    );
    assert!(stack.bi.logouts().is_empty());
}
