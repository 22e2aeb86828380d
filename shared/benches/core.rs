//! Micro-benchmarks of the work each request does in our own code (`make bench` runs
//! them and puts their medians in docs/BENCHMARKS.md): the flow cookie, ID-token
//! verification, the session token, and the callbackUrl check.

use std::hint::black_box;
use std::str::FromStr as _;

use bi_local::keys::{Defects, SigningKey, encode};
use criterion::{Criterion, criterion_group, criterion_main};
use openidconnect::core::{CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{IssuerUrl, Nonce};
use passkey_auth::config::secret::AuthSecret;
use passkey_auth::http::safe_callback_url;
use passkey_auth::oidc::flow::{Flow, FlowSealer, Intent};
use passkey_auth::oidc::id_token_verifier;
use passkey_auth::session::SessionToken;
use serde_json::json;

const ISSUER: &str = "https://auth-us.beyondidentity.com/v1/tenants/t/realms/r/applications/a";

fn flow_cookie(c: &mut Criterion) {
    let secret =
        AuthSecret::parse("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=").expect("a secret");
    let sealer = FlowSealer::new(&secret).expect("a sealer");
    let now = passkey_auth::now();
    let flow = Flow {
        state: "s".repeat(43),
        nonce: "n".repeat(43),
        pkce_verifier: "v".repeat(43),
        callback_url: "/account?tab=passkeys".into(),
        issuer: ISSUER.into(),
        client_id: "client-id".into(),
        redirect_uri: "https://app.example.com/api/auth/callback/beyondidentity".into(),
        created_at: now,
        intent: Intent::SignIn,
        params: Default::default(),
    };
    let sealed = sealer.seal(&flow).expect("sealed");
    c.bench_function("flow cookie: seal", |b| {
        b.iter(|| sealer.seal(black_box(&flow)))
    });
    c.bench_function("flow cookie: open", |b| {
        b.iter(|| sealer.open(black_box(&sealed), now))
    });
}

fn id_token(c: &mut Criterion) {
    let key = SigningKey::generate().expect("a key");
    let keys: CoreJsonWebKeySet =
        serde_json::from_value(json!({"keys": [key.jwk()]})).expect("a JWKS");
    let now = passkey_auth::now();
    let claims = json!({
        "iss": ISSUER, "aud": "client-id", "sub": "identity-id", "nonce": "n".repeat(43),
        "iat": now, "exp": now + 300,
    });
    let token = CoreIdToken::from_str(&encode(&key, "JWT", &claims, Defects::default()))
        .expect("an ID token");
    let verifier = id_token_verifier(
        "client-id",
        IssuerUrl::new(ISSUER.into()).expect("an issuer"),
        keys,
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
    );
    let nonce = Nonce::new("n".repeat(43));
    assert!(token.claims(&verifier, &nonce).is_ok());
    c.bench_function("ID token: verify (RS256, 2048-bit)", |b| {
        b.iter(|| black_box(&token).claims(&verifier, &nonce).is_ok())
    });
}

fn session_token(c: &mut Criterion) {
    let token = SessionToken::generate().expect("a token");
    let cookie = token.as_cookie_value().to_owned();
    c.bench_function("session token: generate", |b| {
        b.iter(SessionToken::generate)
    });
    c.bench_function("session token: parse and hash (every check)", |b| {
        b.iter(|| SessionToken::parse(black_box(&cookie)).map(|t| t.id()))
    });
}

fn callback_url(c: &mut Criterion) {
    let origin = url::Url::parse("https://app.example.com").expect("an origin");
    c.bench_function("callbackUrl: a same-origin path", |b| {
        b.iter(|| safe_callback_url(black_box(Some("/account?tab=passkeys#top")), &origin, "/"))
    });
    c.bench_function("callbackUrl: an attack (encoded //evil)", |b| {
        b.iter(|| safe_callback_url(black_box(Some("/%2F%2Fevil.example/%09x")), &origin, "/"))
    });
}

criterion_group!(benches, flow_cookie, id_token, session_token, callback_url);
criterion_main!(benches);
