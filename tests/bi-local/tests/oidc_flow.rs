//! The whole authorization code flow against bi-local, checked with the `openidconnect`
//! crate's own discovery, token exchange and ID-token verifier.

mod common;

use common::{authenticate_url, enrolled_user, http, query_param, start};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

#[tokio::test]
async fn authorization_code_flow_with_pkce_and_basic_auth_verifies_with_openidconnect() {
    let bi = start().await;
    let s = bi.settings();
    let (identity, passkey) = enrolled_user(&bi, "Alice@Example.com").await;

    let http = http();
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(s.issuer.clone()).expect("issuer"),
        &http,
    )
    .await
    .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(s.client_id.clone()),
        Some(ClientSecret::new(s.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(s.redirect_uri.clone()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    // Automatic invocation: 302 to the app's /bi-authenticate page with a signed request.
    let authenticate = authenticate_url(url.as_str()).await;
    assert!(authenticate.starts_with("http://localhost:3000/bi-authenticate?request="));

    let (status, body) = passkey.authenticate(&bi, &authenticate).await;
    assert_eq!(status, 200, "{body}");
    let redirect = body["redirectUrl"].as_str().expect("redirectUrl");
    assert!(redirect.starts_with(&s.redirect_uri));
    assert_eq!(
        query_param(redirect, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = query_param(redirect, "code").expect("code");

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token exchange");
    let id_token = token.id_token().expect("id token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token verifies");
    assert_eq!(
        claims.subject().as_str(),
        identity["id"].as_str().expect("id")
    );
    assert_eq!(claims.issuer().as_str(), s.issuer);
    // Like Beyond Identity's, the ID token names the subject only; the profile claims
    // the scope grants are on userinfo.
    assert_eq!(claims.email(), None);
    assert_eq!(claims.preferred_username(), None);
    assert_eq!(claims.name(), None);

    // userinfo with the access token agrees on the subject and has the profile.
    let info: Value = http
        .get(format!("{}/userinfo", s.issuer))
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["sub"], identity["id"]);
    assert_eq!(info["email"], "Alice@Example.com");
    assert_eq!(info["preferred_username"], "Alice@Example.com");
    bi.stop().await;
}

#[tokio::test]
async fn manual_invocation_answers_json() {
    let bi = bi_local::BiLocal::start(bi_local::Options {
        invocation: Some(bi_local::Invocation::Manual),
        ..Default::default()
    })
    .await
    .expect("start");
    let s = bi.settings();
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=xyz&code_challenge={}&code_challenge_method=S256",
        s.issuer,
        s.client_id,
        urlencode(&s.redirect_uri),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let response = http().get(url).send().await.expect("authorize");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let authenticate = body["authenticate_url"].as_str().expect("authenticate_url");
    assert!(authenticate.starts_with("http://localhost:3000/bi-authenticate?request="));
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
