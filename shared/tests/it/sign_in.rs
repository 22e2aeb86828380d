//! The sign-in functions end to end, in-process, with real API Gateway v2 / Function
//! URL events, against bi-local and the local DynamoDB server over real HTTP.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Stack, event};

#[tokio::test]
async fn sign_in_session_and_sign_out() {
    let stack = Stack::start().await;
    let (identity, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;

    // signin: a flow cookie and a 302 to the provider's authorization endpoint with
    // PKCE S256, state, nonce and the configured redirect URI.
    let answer = stack
        .get_signin("/api/auth/signin?callbackUrl=%2Faccount%3Ftab%3D2", &[])
        .await;
    assert_eq!(answer.status(), 302);
    let authorize = url::Url::parse(answer.location()).expect("url");
    assert!(
        authorize
            .as_str()
            .starts_with(&format!("{}/authorize?", stack.config.provider.issuer))
    );
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["redirect_uri"],
        "http://localhost:3000/api/auth/callback/beyondidentity"
    );
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(q["state"].len(), 43);
    assert_eq!(q["nonce"].len(), 43);
    let flow_cookie = answer.cookies().into_iter().next().expect("a Set-Cookie");
    assert!(flow_cookie.starts_with("__Host-auth-flow="));
    for attribute in [
        "Path=/",
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Max-Age=600",
    ] {
        assert!(
            flow_cookie.contains(attribute),
            "{flow_cookie} lacks {attribute}"
        );
    }
    assert!(!flow_cookie.contains("Domain"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));

    // The browser signs in with its passkey and comes back to the callback.
    let redirect = passkey.sign_in(&stack.bi, answer.location()).await;
    let back = url::Url::parse(&redirect).expect("url");
    let callback = format!("{}?{}", back.path(), back.query().unwrap_or_default());
    let flow = format!(
        "__Host-auth-flow={}",
        answer.cookie("__Host-auth-flow").expect("flow")
    );
    let answer = stack.get_callback(&callback, &[&flow, "theme=dark"]).await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/account?tab=2");
    // Both cookies arrive through the `cookies` array: the session, and the flow cleared.
    let cookies = answer.cookies();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let session_cookie = answer.cookie("__Host-session").expect("a session cookie");
    assert_eq!(session_cookie.len(), 43);
    assert_eq!(answer.cookie("__Host-auth-flow").as_deref(), Some(""));
    assert!(
        answer.header("set-cookie").is_none(),
        "cookies must not be folded into headers"
    );

    // The session, in NextAuth's shape, keyed by (issuer, sub).
    let session = format!("__Host-session={session_cookie}");
    let answer = stack.get_session(&[&session]).await;
    assert_eq!(answer.status(), 200);
    let body = answer.json();
    assert_eq!(body["user"]["id"], identity["id"]);
    assert_eq!(body["user"]["email"], "alice@example.com");
    assert_eq!(body["user"]["name"], "alice@example.com");
    assert!(body["user"]["image"].is_null());
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires"].as_str().expect("expires"))
        .expect("RFC 3339");
    assert!(expires.timestamp() > passkey_auth::now());

    // The table holds the hash of the token, never the token.
    let items = stack.items("session").await;
    assert_eq!(items.len(), 1);
    let item = format!("{:?}", items[0]);
    assert!(!item.contains(&session_cookie), "the raw token is stored");
    assert_eq!(
        items[0]["user_key"].as_s().expect("user_key"),
        &format!(
            "{} {}",
            stack.config.provider.issuer,
            identity["id"].as_str().expect("id")
        )
    );

    // Sign-out deletes the item and clears the cookie; the old cookie is then worthless.
    let answer = stack.sign_out(&[&session]).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json(), serde_json::json!({"ok": true}));
    assert_eq!(answer.cookie("__Host-session").as_deref(), Some(""));
    assert_eq!(stack.items("session").await.len(), 0);
    let answer = stack.get_session(&[&session]).await;
    assert_eq!(answer.json(), serde_json::json!(false));
}

#[tokio::test]
async fn every_sign_in_issues_a_new_session_and_ends_the_old_one() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "bob@example.com").await;
    let first = stack.sign_in(&passkey).await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let answer = stack.get_callback(&callback, &[&flow, &first]).await;
    assert_eq!(answer.status(), 303);
    let second = format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("session")
    );
    assert_ne!(first, second);
    // The old token is worthless, and asking about it must not clear the cookie: by then
    // the browser (or a client's cookie jar) holds the new token under the same name,
    // and a clearing `Set-Cookie` would sign it out of the session it just made.
    let old = stack.get_session(&[&first]).await;
    assert_eq!(old.json(), serde_json::json!(false));
    assert_eq!(old.cookie("__Host-session"), None, "{:?}", old.cookies());
    assert!(stack.get_session(&[&second]).await.json()["user"].is_object());
}

/// A browser that presents its session cookie twice (two old sessions, or one planted
/// beside its own) gets a new session, and neither old one survives the sign-in.
#[tokio::test]
async fn a_sign_in_ends_every_session_the_browser_presents() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "cat@example.com").await;
    let first = stack.sign_in(&passkey).await;
    let second = stack.sign_in(&passkey).await;
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let answer = stack
        .get_callback(&callback, &[&flow, &first, &second])
        .await;
    assert_eq!(answer.status(), 303);
    let third = format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a new session")
    );
    for old in [&first, &second] {
        assert_eq!(
            stack.get_session(&[old]).await.json(),
            serde_json::json!(false)
        );
    }
    assert!(stack.get_session(&[&third]).await.json()["user"].is_object());
    // Two cookies of one name are ambiguous: signed out, and nothing is cleared.
    let twice = stack.get_session(&[&third, &first]).await;
    assert_eq!(twice.json(), serde_json::json!(false));
    assert_eq!(twice.cookie("__Host-session"), None);
}

#[tokio::test]
async fn a_function_url_event_with_many_cookies_and_a_head_request() {
    let stack = Stack::start().await;
    let answer = stack
        .session_at(
            event("HEAD", "/api/auth/session", &[], &["a=1", "b=2"], None),
            passkey_auth::now(),
        )
        .await;
    assert_eq!(answer.status(), 200);
}

/// A long return path never makes a flow cookie the callback refuses after the user has
/// authenticated: it is kept while the cookie fits, and becomes `/` when it would not.
#[tokio::test]
async fn a_long_callback_url_never_breaks_the_sign_in() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "nia@example.com").await;
    for (len, kept) in [(500, true), (1000, true), (1400, false), (2000, false)] {
        let path = format!("/{}", "p".repeat(len - 1));
        let (callback, flow) = stack.start_sign_in(&passkey, &path).await;
        let cookie_len = flow.len() - "__Host-auth-flow=".len();
        assert!(cookie_len <= 2048, "{len}: a {cookie_len}-byte flow cookie");
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(answer.status(), 303, "{len}: {:?}", answer.0);
        let expected = if kept { path.as_str() } else { "/" };
        assert_eq!(answer.location(), expected, "{len}");
        assert!(answer.cookie("__Host-session").is_some(), "{len}");
    }
}
