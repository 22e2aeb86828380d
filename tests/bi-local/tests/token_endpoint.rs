//! `/authorize` and `/token` refuse what Beyond Identity refuses, with OAuth errors.

mod common;

use common::{authenticate_url, enrolled_user, http, query_param, start};
use serde_json::Value;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn authorize_url(s: &bi_local::Settings, extra: &str) -> String {
    format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=st&nonce=n{extra}",
        s.issuer,
        s.client_id,
        enc(&s.redirect_uri)
    )
}

/// Runs a sign-in up to the code.
async fn code(bi: &bi_local::BiLocal, passkey: &common::Passkey) -> String {
    let s = bi.settings();
    let url = authorize_url(
        &s,
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
    );
    let (status, body) = passkey
        .authenticate(bi, &authenticate_url(&url).await)
        .await;
    assert_eq!(status, 200, "{body}");
    query_param(body["redirectUrl"].as_str().expect("redirect"), "code").expect("code")
}

async fn exchange(
    s: &bi_local::Settings,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = http().post(format!("{}/token", s.issuer)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("token");
    assert_eq!(response.headers()["cache-control"], "no-store");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_client_redirect_and_verifier() {
    let bi = start().await;
    let s = bi.settings();
    let (_, passkey) = enrolled_user(&bi, "erin@example.com").await;
    let basic = Some((s.client_id.as_str(), s.client_secret.as_str()));

    let c = code(&bi, &passkey).await;
    let form = |code: &str, verifier: &str, redirect: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("code_verifier", verifier.to_owned()),
            ("redirect_uri", redirect.to_owned()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>, basic: Option<(&str, &str)>| {
        let s = s.clone();
        let (id, secret) = basic.map(|(a, b)| (a.to_owned(), b.to_owned())).unzip();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            exchange(&s, &pairs, id.as_deref().zip(secret.as_deref())).await
        }
    };

    // Unknown client and wrong secret: 401 invalid_client.
    let (status, body) = send(form(&c, VERIFIER, &s.redirect_uri), Some(("nobody", "x"))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = send(
        form(&c, VERIFIER, &s.redirect_uri),
        Some((&s.client_id, "wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = send(form(&c, VERIFIER, &s.redirect_uri), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Wrong verifier and wrong redirect_uri: invalid_grant (and the code survives them).
    let (status, body) = send(form(&c, &"x".repeat(43), &s.redirect_uri), basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = send(form(&c, VERIFIER, "http://localhost:3000/other"), basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The right request works once.
    let (status, body) = send(form(&c, VERIFIER, &s.redirect_uri), basic).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let access_token = body["access_token"].as_str().expect("at").to_owned();
    // Replaying it fails and revokes the access token it produced.
    let (status, body) = send(form(&c, VERIFIER, &s.redirect_uri), basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let userinfo = http()
        .get(format!("{}/userinfo", s.issuer))
        .bearer_auth(&access_token)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 401);

    // client_secret_post works too; both methods at once is refused.
    let c = code(&bi, &passkey).await;
    let mut post = form(&c, VERIFIER, &s.redirect_uri);
    post.push(("client_id", s.client_id.clone()));
    post.push(("client_secret", s.client_secret.clone()));
    let (status, body) = send(post.clone(), basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = send(post, None).await;
    assert_eq!(status, 200, "{body}");

    // Unsupported grant and missing grant.
    let (status, body) = send(vec![("grant_type", "password".into())], basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = send(vec![("grant_type", "client_credentials".into())], basic).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn token_endpoint_refuses_non_form_bodies() {
    let bi = start().await;
    let s = bi.settings();
    let response = http()
        .post(format!("{}/token", s.issuer))
        .basic_auth(&s.client_id, Some(&s.client_secret))
        .json(&serde_json::json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn authorize_shows_a_page_for_bad_clients_and_redirects_other_errors() {
    let bi = start().await;
    let s = bi.settings();
    let get = |url: String| async move { http().get(url).send().await.expect("authorize") };

    // Unknown client or unregistered redirect_uri: a 400 page, never a redirect.
    let r = get(authorize_url(&s, "").replace(&s.client_id, "unknown")).await;
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/html")
    );
    let r =
        get(authorize_url(&s, "").replace(&enc(&s.redirect_uri), &enc("https://evil.example/cb")))
            .await;
    assert_eq!(r.status(), 400);

    // A repeated parameter makes the request ambiguous: a page too.
    let r = get(authorize_url(
        &s,
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256&scope=email"),
    ))
    .await;
    assert_eq!(r.status(), 400);

    // Other errors go back to the client with the state.
    for (extra, error) in [
        ("", "invalid_request"), // no PKCE
        (
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=plain") as &str,
            "invalid_request",
        ),
    ] {
        let r = get(authorize_url(&s, extra)).await;
        assert_eq!(r.status(), 302, "{extra}");
        let location = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert!(location.starts_with(&s.redirect_uri));
        assert_eq!(
            query_param(&location, "error").as_deref(),
            Some(error),
            "{extra}"
        );
        assert_eq!(query_param(&location, "state").as_deref(), Some("st"));
    }
    let r = get(authorize_url(
        &s,
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
    )
    .replace("scope=openid", "scope=email"))
    .await;
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_scope")
    );
    let r = get(authorize_url(
        &s,
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
    )
    .replace("response_type=code", "response_type=token"))
    .await;
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn sign_in_requests_are_single_use_and_need_the_passkeys_signature() {
    let bi = start().await;
    let s = bi.settings();
    let (_, passkey) = enrolled_user(&bi, "frank@example.com").await;
    let (_, stranger) = enrolled_user(&bi, "grace@example.com").await;
    let url = authenticate_url(&authorize_url(
        &s,
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
    ))
    .await;

    // A signature by another key over the right request is refused.
    let mut forged = common::Passkey::new();
    forged.credential_id = passkey.credential_id.clone();
    let (status, _) = forged.authenticate(&bi, &url).await;
    assert_eq!(status, 403);
    // A tampered request is refused.
    let (status, _) = passkey.authenticate(&bi, &format!("{url}x")).await;
    assert_eq!(status, 400);
    let (status, _) = passkey.authenticate(&bi, &url).await;
    assert_eq!(status, 200);
    let (status, _) = stranger.authenticate(&bi, &url).await;
    assert_eq!(status, 410, "the request was used");
}
