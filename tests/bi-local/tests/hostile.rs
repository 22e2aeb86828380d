//! Fault injection: hostile ID tokens that a correct relying party must refuse (checked
//! with `openidconnect`'s verifier), key rotation, failing and slow endpoints.

mod common;

use std::str::FromStr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bi_local::{BiLocal, Fault, Flaw, Target};
use common::{
    Passkey, authenticate_url, enrolled_user, http, management_token, query_param, realm_url, start,
};
use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, Nonce};
use serde_json::{Value, json};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const NONCE: &str = "n-0S6_WzA2Mj";

/// Signs in and returns the raw ID token.
async fn sign_in(bi: &BiLocal, passkey: &Passkey) -> String {
    let s = bi.settings();
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=s&nonce={NONCE}&code_challenge={CHALLENGE}&code_challenge_method=S256",
        s.issuer,
        s.client_id,
        enc(&s.redirect_uri)
    );
    let (_, body) = passkey
        .authenticate(bi, &authenticate_url(&url).await)
        .await;
    let code = query_param(body["redirectUrl"].as_str().expect("redirect"), "code").expect("code");
    let response: Value = http()
        .post(format!("{}/token", s.issuer))
        .basic_auth(&s.client_id, Some(&s.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", &s.redirect_uri),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    response["id_token"].as_str().expect("id_token").to_owned()
}

/// What a relying party learns from discovery: the issuer and its key set.
async fn relying_party(bi: &BiLocal) -> CoreIdTokenVerifier<'static> {
    let s = bi.settings();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.issuer).expect("issuer"), &http())
            .await
            .expect("discovery");
    CoreIdTokenVerifier::new_confidential_client(
        ClientId::new(s.client_id),
        ClientSecret::new(s.client_secret),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    )
}

fn verify(verifier: &CoreIdTokenVerifier<'static>, id_token: &str) -> Result<(), String> {
    let token = CoreIdToken::from_str(id_token).map_err(|e| e.to_string())?;
    token
        .claims(verifier, &Nonce::new(NONCE.into()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn part(id_token: &str, index: usize) -> Value {
    let segment = id_token.split('.').nth(index).expect("segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).expect("base64")).expect("json")
}

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

#[tokio::test]
async fn every_hostile_id_token_is_refused_by_a_correct_verifier() {
    let bi = start().await;
    let (_, passkey) = enrolled_user(&bi, "hal@example.com").await;
    let client = relying_party(&bi).await;
    assert_eq!(verify(&client, &sign_in(&bi, &passkey).await), Ok(()));

    for (f, shows) in [
        (Flaw::WrongIss, "iss"),
        (Flaw::WrongAud, "aud"),
        (Flaw::MissingAud, "aud"),
        (Flaw::MissingSub, "sub"),
        (Flaw::BadSignature, "signature"),
        (Flaw::AlgNone, "alg"),
        (Flaw::NonceMismatch, "nonce"),
        (Flaw::Expired, "exp"),
    ] {
        bi.inject([flaw(f)]);
        let token = sign_in(&bi, &passkey).await;
        let claims = part(&token, 1);
        match f {
            Flaw::WrongIss => assert_ne!(claims["iss"], bi.settings().issuer.as_str()),
            Flaw::MissingAud => assert!(claims.get("aud").is_none()),
            Flaw::MissingSub => assert!(claims.get("sub").is_none()),
            Flaw::AlgNone => assert_eq!(part(&token, 0)["alg"], "none"),
            Flaw::NonceMismatch => assert_ne!(claims["nonce"], NONCE),
            Flaw::Expired => assert!(claims["exp"].as_i64() < claims["auth_time"].as_i64()),
            _ => {}
        }
        assert!(
            verify(&client, &token).is_err(),
            "{f:?} ({shows}) was accepted"
        );
    }

    // iat an hour ahead: openidconnect accepts any iat by default, so the product must
    // bound it itself; here we check that the emulator really sends it.
    bi.inject([flaw(Flaw::FutureIat)]);
    let claims = part(&sign_in(&bi, &passkey).await, 1);
    assert!(
        claims["iat"].as_i64().expect("iat")
            > claims["auth_time"].as_i64().expect("auth_time") + 3000
    );

    // No kid with a single key in the JWKS: usable. With several keys: ambiguous.
    bi.inject([flaw(Flaw::MissingKid)]);
    let token = sign_in(&bi, &passkey).await;
    assert!(part(&token, 0).get("kid").is_none());
    assert_eq!(verify(&client, &token), Ok(()));
    let rotated: Value = http()
        .post(format!("{}/_emulator/keys/rotate", bi.auth_url()))
        .json(&json!({"keep_old": true}))
        .send()
        .await
        .expect("rotate")
        .json()
        .await
        .expect("json");
    assert_eq!(rotated["kids"].as_array().map(Vec::len), Some(2));
    bi.inject([flaw(Flaw::MissingKid)]);
    let token = sign_in(&bi, &passkey).await;
    assert!(verify(&relying_party(&bi).await, &token).is_err());
}

#[tokio::test]
async fn after_key_rotation_a_relying_party_must_fetch_the_jwks_again() {
    let bi = start().await;
    let (_, passkey) = enrolled_user(&bi, "ivy@example.com").await;
    let before = relying_party(&bi).await;
    assert_eq!(verify(&before, &sign_in(&bi, &passkey).await), Ok(()));

    let rotated: Value = http()
        .post(format!("{}/_emulator/keys/rotate", bi.auth_url()))
        .send()
        .await
        .expect("rotate")
        .json()
        .await
        .expect("json");
    let token = sign_in(&bi, &passkey).await;
    assert_eq!(part(&token, 0)["kid"], rotated["kid"]);
    assert!(
        verify(&before, &token).is_err(),
        "the old key set cannot know the new key"
    );
    assert_eq!(verify(&relying_party(&bi).await, &token), Ok(()));
}

#[tokio::test]
async fn failing_and_slow_endpoints_answer_as_injected() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let url = format!("{}/identities", realm_url(&s));
    let add = |faults: Value| {
        let auth = bi.auth_url().to_owned();
        async move {
            http()
                .post(format!("{auth}/_emulator/faults"))
                .json(&faults)
                .send()
                .await
                .expect("faults")
        }
    };

    let r = add(json!({"faults": [
        {"target": "api", "status": 429, "retry_after": 2, "times": 1},
        {"target": "api", "status": 503, "times": 1}
    ]}))
    .await;
    assert_eq!(r.status(), 200);
    let r = http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(
        r.json::<Value>().await.expect("json")["code"],
        "too_many_requests"
    );
    let r = http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 503);
    let r = http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200, "counted faults run out");

    add(json!({"faults": [{"target": "token", "delay_ms": 300, "times": 1}]})).await;
    let started = Instant::now();
    management_token(&s).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    add(json!({"faults": [{"target": "discovery", "status": 500}]})).await;
    let r = http()
        .get(format!("{}/.well-known/openid-configuration", s.issuer))
        .send()
        .await
        .expect("discovery");
    assert_eq!(r.status(), 500);
    let listed: Value = http()
        .delete(format!("{}/_emulator/faults", bi.auth_url()))
        .send()
        .await
        .expect("clear")
        .json()
        .await
        .expect("json");
    assert_eq!(listed, json!({"faults": []}));

    // Incoherent rules are refused with a message.
    for bad in [
        json!({"faults": [{"target": "api"}]}),
        json!({"faults": [{"target": "id_token", "status": 500}]}),
        json!({"faults": [{"target": "nowhere", "status": 500}]}),
        json!({"faults": [{"target": "api", "status": 200}]}),
        json!({"nonsense": true}),
    ] {
        let r = add(bad.clone()).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.json::<Value>().await.expect("json")["message"].is_string());
    }
}

#[tokio::test]
async fn expired_management_tokens_are_refused_until_renewed() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let url = format!("{}/identities", realm_url(&s));
    let expired: Value = http()
        .post(format!("{}/_emulator/tokens/expire", bi.auth_url()))
        .send()
        .await
        .expect("expire")
        .json()
        .await
        .expect("json");
    assert_eq!(expired["expired"], 1);
    let r = http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
    let renewed = management_token(&s).await;
    let r = http()
        .get(&url)
        .bearer_auth(&renewed)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let r = http()
        .get(&url)
        .bearer_auth(&s.api_token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200, "the static API token is not affected");
}
