//! The callback fails closed, and checks everything it can before any call to the token
//! endpoint. Each refused callback is followed by the genuine one with the same code:
//! that it still works proves the refused one never reached the token endpoint
//! (codes are single-use).

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bi_local::sdk::{Passkey, enrolled_user};
use common::{Answer, Stack};
use passkey_auth::config::secret::AuthSecret;
use passkey_auth::oidc::flow::{Flow, FlowSealer, Intent};

fn refused(answer: &Answer, code: &str) {
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), format!("/?error={code}"));
    assert_eq!(
        answer.cookie("__Host-session"),
        None,
        "no session on a refused callback"
    );
    assert_eq!(
        answer.cookie("__Host-auth-flow").as_deref(),
        Some(""),
        "the flow cookie is cleared"
    );
}

/// Runs a refused variant, then the genuine callback, which must still succeed.
async fn refused_then_genuine(
    stack: &Stack,
    passkey: &Passkey,
    variant: impl Fn(&str, &str) -> (String, Vec<String>),
    code: &str,
) {
    let (callback, flow) = stack.start_sign_in(passkey, "/").await;
    let (path, cookies) = variant(&callback, &flow);
    let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
    refused(&stack.get_callback(&path, &cookies).await, code);
    assert!(stack.items("session").await.is_empty());
    let genuine = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(
        genuine.status(),
        303,
        "the genuine callback after {code}: {:?}",
        genuine.0
    );
    assert_eq!(genuine.location(), "/");
    for item in stack.items("session").await {
        stack
            .db
            .delete_item()
            .table_name(&stack.table)
            .key("pk", item["pk"].clone())
            .send()
            .await
            .expect("delete");
    }
}

/// The path with parameter `name` set to `value`, or removed when `value` is `None`.
fn with_param(path: &str, name: &str, value: Option<&str>) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        match (k == name, value) {
            (false, _) => query.append_pair(&k, &v),
            (true, Some(value)) => query.append_pair(&k, value),
            (true, None) => &mut query,
        };
    }
    format!("{p}?{}", query.finish())
}

#[tokio::test]
async fn callbacks_that_cannot_be_matched_to_this_browser_are_refused_before_the_token_endpoint() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "carol@example.com").await;
    let issuer = stack.config.provider.issuer.clone();
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();

    // No flow cookie.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, _| (c.to_owned(), vec![]),
        "missing_flow",
    )
    .await;
    // A wrong state.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (with_param(c, "state", Some("forged")), vec![f.to_owned()]),
        "state_mismatch",
    )
    .await;
    // No state at all.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (with_param(c, "state", None), vec![f.to_owned()]),
        "state_mismatch",
    )
    .await;
    // A tampered flow cookie.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| {
            let mut bytes = URL_SAFE_NO_PAD
                .decode(f.trim_start_matches("__Host-auth-flow="))
                .expect("b64");
            bytes[20] ^= 1;
            (
                c.to_owned(),
                vec![format!(
                    "__Host-auth-flow={}",
                    URL_SAFE_NO_PAD.encode(bytes)
                )],
            )
        },
        "invalid_flow",
    )
    .await;
    // Two flow cookies (cookie tossing).
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (c.to_owned(), vec![f.to_owned(), f.to_owned()]),
        "invalid_flow",
    )
    .await;
    // A session cookie pasted in as the flow cookie.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, _| {
            (
                c.to_owned(),
                vec![format!("__Host-auth-flow={}", "A".repeat(43))],
            )
        },
        "invalid_flow",
    )
    .await;
    // RFC 9207: an `iss` that is not our issuer (a mix-up), even one differing by a slash.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| {
            (
                format!("{c}&iss={}", enc("https://evil.example")),
                vec![f.to_owned()],
            )
        },
        "issuer_mismatch",
    )
    .await;
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| {
            (
                format!("{c}&iss={}", enc(&format!("{issuer}/"))),
                vec![f.to_owned()],
            )
        },
        "issuer_mismatch",
    )
    .await;
    // An error from the provider.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (format!("{c}&error=access_denied"), vec![f.to_owned()]),
        "access_denied",
    )
    .await;
    // A repeated parameter.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (format!("{c}&state=again"), vec![f.to_owned()]),
        "bad_request",
    )
    .await;
    // No code.
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| (with_param(c, "code", None), vec![f.to_owned()]),
        "missing_code",
    )
    .await;

    // The right `iss` is accepted.
    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    let answer = stack
        .get_callback(&format!("{callback}&iss={}", enc(&issuer)), &[&flow])
        .await;
    assert_eq!(answer.status(), 303);
    assert!(
        answer
            .cookie("__Host-session")
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test]
async fn flows_expire_after_ten_minutes_and_work_once() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "dan@example.com").await;

    let (callback, flow) = stack.start_sign_in(&passkey, "/").await;
    refused(
        &stack
            .callback_at(&callback, &[&flow], passkey_auth::now() + 601)
            .await,
        "invalid_flow",
    );

    // Replaying a used callback (same flow cookie, same state and code) is refused by
    // the server-side claim, before the token endpoint.
    let began = passkey_auth::now() - 30;
    let (callback, flow) = stack.start_sign_in_at(&passkey, "/", began).await;
    assert_eq!(stack.get_callback(&callback, &[&flow]).await.status(), 303);
    refused(
        &stack.get_callback(&callback, &[&flow]).await,
        "replayed_flow",
    );
    // The claim is kept exactly as long as the flow could have been used (the user's
    // first sign-in has its own, `seen#`).
    let claims: Vec<_> = stack
        .items("claim")
        .await
        .into_iter()
        .filter(|c| c["pk"].as_s().is_ok_and(|pk| pk.starts_with("flow#")))
        .collect();
    assert_eq!(claims.len(), 1);
    let expires_at = claims[0]["expires_at"].as_n().expect("number");
    assert_eq!(expires_at, &(began + 600).to_string());
}

#[tokio::test]
async fn a_flow_made_for_another_configuration_is_refused() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "erin@example.com").await;
    let (callback, _) = stack.start_sign_in(&passkey, "/").await;
    let state = url::Url::parse(&format!("http://x{callback}"))
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let sealer =
        FlowSealer::new(&AuthSecret::parse(common::AUTH_SECRET).expect("secret")).expect("sealer");
    let ours = Flow {
        state,
        nonce: "n".into(),
        pkce_verifier: "v".repeat(43),
        callback_url: "/".into(),
        issuer: stack.config.provider.issuer.clone(),
        client_id: stack.config.provider.client_id.clone(),
        redirect_uri: stack.config.app.redirect_uri(),
        created_at: passkey_auth::now(),
        intent: Intent::SignIn,
        params: Default::default(),
    };
    // Each of the three differs alone.
    for forged in [
        Flow {
            issuer: "https://another-issuer.example".into(),
            ..ours.clone()
        },
        Flow {
            client_id: "another-client".into(),
            ..ours.clone()
        },
        Flow {
            redirect_uri: "https://another-app.example/api/auth/callback/beyondidentity".into(),
            ..ours.clone()
        },
    ] {
        let cookie = format!("__Host-auth-flow={}", sealer.seal(&forged).expect("seal"));
        refused(
            &stack.get_callback(&callback, &[&cookie]).await,
            "flow_mismatch",
        );
    }
}

#[tokio::test]
async fn a_flow_cookie_pasted_in_as_a_session_cookie_is_not_a_session() {
    let stack = Stack::start().await;
    let answer = stack.get_signin("/api/auth/signin", &[]).await;
    let flow = answer.cookie("__Host-auth-flow").expect("flow");
    let answer = stack
        .get_session(&[&format!("__Host-session={flow}")])
        .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json(), serde_json::json!(false));
    assert_eq!(
        answer.cookie("__Host-session").as_deref(),
        Some(""),
        "the bogus cookie is cleared"
    );
}

#[tokio::test]
async fn callback_urls_never_leave_the_origin() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "fay@example.com").await;
    for (asked, landed) in [
        ("//evil.com", "/"),
        ("/\\evil.com", "/"),
        ("https://app.example.com.evil.com", "/"),
        ("https://localhost:3000@evil.com", "/"),
        ("/\t/evil.com", "/"),
        ("/%2F%2Fevil.com", "/"),
        ("javascript:alert(1)", "/"),
        ("%%%", "/"),
        ("/welcome?new=1", "/welcome?new=1"),
    ] {
        let (callback, flow) = stack.start_sign_in(&passkey, asked).await;
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(answer.location(), landed, "{asked:?}");
    }
}

#[tokio::test]
async fn wrong_methods_and_routes_get_json_errors() {
    let stack = Stack::start().await;
    let answer = stack
        .session_at(
            common::event("DELETE", "/api/auth/session", &[], &[], None),
            passkey_auth::now(),
        )
        .await;
    assert_eq!(answer.status(), 405);
    assert_eq!(answer.header("allow"), Some("GET, POST"));
    assert_eq!(answer.json()["error"], "method_not_allowed");
    let answer = stack
        .session_at(
            common::event("GET", "/api/auth/nothing", &[], &[], None),
            passkey_auth::now(),
        )
        .await;
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.json()["error"], "not_found");
    let route = stack.callback.clone();
    let answer = common::invoke(
        move |r| {
            let route = route.clone();
            async move { route.handle(&r, passkey_auth::now()).await }
        },
        common::event("POST", "/api/auth/callback/beyondidentity", &[], &[], None),
    )
    .await;
    assert_eq!(answer.status(), 405);
    // Starting a sign-in and reading the session list are GET (or HEAD) requests.
    let now = passkey_auth::now();
    for (method, status) in [("POST", 405), ("HEAD", 302)] {
        let route = stack.signin.clone();
        let answer = common::invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            common::event(method, "/api/auth/signin", &[], &[], None),
        )
        .await;
        assert_eq!(answer.status(), status, "{method} /api/auth/signin");
    }
    for (method, status) in [("POST", 405), ("HEAD", 401)] {
        let list = common::event(method, "/api/auth/sessions", &[], &[], None);
        let answer = stack.session_at(list, now).await;
        assert_eq!(answer.status(), status, "{method} /api/auth/sessions");
    }
    let answer = stack
        .get_signin("/api/auth/signin?callbackUrl=/a&callbackUrl=/b", &[])
        .await;
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.json()["error"], "bad_request");
}

/// RFC 9207: a provider that promises `iss` on its authorization responses (in discovery)
/// must send it; a callback without it is refused before the token endpoint.
#[tokio::test]
async fn a_promised_iss_parameter_is_required() {
    let options = bi_local::Options {
        iss_parameter: true,
        ..Default::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let (_, passkey) = enrolled_user(&stack.bi, "ivy@example.com").await;
    refused_then_genuine(
        &stack,
        &passkey,
        |c, f| {
            assert!(c.contains("&iss="), "bi-local sends iss: {c}");
            let without: Vec<&str> = c.split('&').filter(|p| !p.starts_with("iss=")).collect();
            (without.join("&"), vec![f.to_owned()])
        },
        "issuer_mismatch",
    )
    .await;
}
