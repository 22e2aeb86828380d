//! The browser SDK stand-in and the app's management calls, in Rust, for tests of the
//! product against bi-local: a passkey is a P-256 key pair that proves possession to
//! `/_emulator/bind` and `/_emulator/authenticate`, as the TypeScript stand-in does in
//! the browser.
//!
//! Test support: these helpers panic with a message when bi-local answers something
//! unexpected, as test code does.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::emulator::{AUTHENTICATE_PROOF_PREFIX, BIND_PROOF_PREFIX};
use crate::{BiLocal, Settings};

/// An HTTP client that follows no redirects, so tests see each hop.
pub fn http() -> reqwest::Client {
    // rustls on AWS-LC, as the product's own clients (passkey_auth::outbound).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn query_value(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

/// A passkey as the SDK stand-in keeps it.
pub struct Passkey {
    pair: EcdsaKeyPair,
    /// The credential id, once bound.
    pub credential_id: Option<String>,
}

impl Default for Passkey {
    fn default() -> Self {
        Self::new()
    }
}

impl Passkey {
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("a P-256 key");
        Self {
            pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
                .expect("a P-256 key"),
            credential_id: None,
        }
    }

    pub fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    pub fn sign(&self, message: &str) -> String {
        let sig = self
            .pair
            .sign(&SystemRandom::new(), message.as_bytes())
            .expect("a signature");
        URL_SAFE_NO_PAD.encode(sig.as_ref())
    }

    /// `bindPasskey(url)`: the emulator's status and body.
    pub async fn bind(&mut self, bi: &BiLocal, url: &str) -> (u16, Value) {
        let token = query_value(url, "token");
        let response = http()
            .post(format!("{}/_emulator/bind", bi.auth_url()))
            .json(&json!({
                "url": url,
                "public_key": self.jwk(),
                "signature": self.sign(&format!("{BIND_PROOF_PREFIX}{token}")),
            }))
            .send()
            .await
            .expect("bind");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON answer");
        if status == 200 {
            self.credential_id = body["passkey"]["id"].as_str().map(str::to_owned);
        }
        (status, body)
    }

    /// `authenticate(url, passkeyId)`: the emulator's status and body (`redirectUrl`).
    pub async fn authenticate(&self, bi: &BiLocal, url: &str) -> (u16, Value) {
        let request = query_value(url, "request");
        let response = http()
            .post(format!("{}/_emulator/authenticate", bi.auth_url()))
            .json(&json!({
                "url": url,
                "credential_id": self.credential_id.clone().unwrap_or_default(),
                "signature": self.sign(&format!("{AUTHENTICATE_PROOF_PREFIX}{request}")),
            }))
            .send()
            .await
            .expect("authenticate");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    /// Follows an `/authorize` URL (Automatic invocation) and authenticates: the
    /// `redirectUrl` back to the app, with `code` and `state`.
    pub async fn sign_in(&self, bi: &BiLocal, authorize_url: &str) -> String {
        let response = http().get(authorize_url).send().await.expect("authorize");
        assert_eq!(response.status(), 302, "authorize did not redirect");
        let location = response.headers()["location"]
            .to_str()
            .expect("a location")
            .to_owned();
        let (status, body) = self.authenticate(bi, &location).await;
        assert_eq!(status, 200, "{body}");
        body["redirectUrl"]
            .as_str()
            .expect("redirectUrl")
            .to_owned()
    }
}

/// A management API token from the client-credentials grant.
pub async fn management_token(s: &Settings) -> String {
    let response = http()
        .post(format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}/token",
            s.auth_base_url, s.tenant_id, s.admin_realm_id, s.mgmt_application_id
        ))
        .basic_auth(&s.mgmt_client_id, Some(&s.mgmt_client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("a JSON answer");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub fn realm_url(s: &Settings) -> String {
    format!(
        "{}/v1/tenants/{}/realms/{}",
        s.api_base_url, s.tenant_id, s.realm_id
    )
}

/// Creates an identity for `email` and returns it.
pub async fn create_identity(s: &Settings, token: &str, email: &str) -> Value {
    let response = http()
        .post(format!("{}/identities", realm_url(s)))
        .bearer_auth(token)
        .json(&json!({"identity": {
            "display_name": email,
            "traits": {"type": "traits_v0", "username": email, "primary_email_address": email}
        }}))
        .send()
        .await
        .expect("create identity");
    assert_eq!(response.status(), 200);
    response.json().await.expect("a JSON answer")
}

/// Creates a binding job; the status and the whole answer.
pub async fn create_job(
    s: &Settings,
    token: &str,
    identity_id: &str,
    delivery: &str,
) -> (u16, Value) {
    let response = http()
        .post(format!(
            "{}/identities/{identity_id}/credential-binding-jobs",
            realm_url(s)
        ))
        .bearer_auth(token)
        .json(&json!({"job": {
            "delivery_method": delivery,
            "authenticator_config_id": s.authenticator_config_id,
            "post_binding_redirect_uri": "http://localhost:3000/",
        }}))
        .send()
        .await
        .expect("create job");
    (
        response.status().as_u16(),
        response.json().await.expect("a JSON answer"),
    )
}

/// A user with an identity and a bound passkey.
pub async fn enrolled_user(bi: &BiLocal, email: &str) -> (Value, Passkey) {
    let s = bi.settings();
    let token = management_token(&s).await;
    let identity = create_identity(&s, &token, email).await;
    let (status, job) =
        create_job(&s, &token, identity["id"].as_str().expect("id"), "RETURN").await;
    assert_eq!(status, 200, "{job}");
    let mut passkey = Passkey::new();
    let (status, body) = passkey
        .bind(bi, job["credential_binding_link"].as_str().expect("a link"))
        .await;
    assert_eq!(status, 200, "{body}");
    (identity, passkey)
}
