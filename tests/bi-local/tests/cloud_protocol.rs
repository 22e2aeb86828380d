//! The cloud protocol of Beyond Identity's real SDK, as bi-local serves it: each request
//! here is the one the SDK 3.0.6 was recorded sending (docs/real-beyond-identity.md), and
//! every check a cloud must make is held to refuse what it should. The real SDK itself
//! runs against the same routes in tests/e2e/real-sdk.test.mjs.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bi_local::{BiLocal, Options, Settings};
use common::{
    Passkey, authenticate_url, create_identity, create_job, http, management_token, query_param,
    realm_url, start,
};
use serde_json::{Value, json};

const ORIGIN: &str = "http://localhost:3000";

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A compact ES256 JWS by `passkey` with this header and these claims.
fn jws(passkey: &Passkey, header: Value, claims: Value) -> String {
    let input = format!("{}.{}", b64(&header), b64(&claims));
    format!("{input}.{}", passkey.sign(&input))
}

/// The RFC 7638 thumbprint the SDK uses as the proof's `kid`.
fn thumbprint(passkey: &Passkey) -> String {
    let jwk = passkey.jwk();
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
        jwk["x"], jwk["y"]
    );
    URL_SAFE_NO_PAD.encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref(),
    )
}

/// The parts of a binding link, as the SDK's `CredentialBindingInstruction` has them.
struct Instruction(Value);

impl Instruction {
    fn job_url(&self, action: &str) -> String {
        let i = &self.0;
        format!(
            "{}/v1/tenants/{}/realms/{}/identities/{}/credential-binding-jobs/{}:{action}",
            i["api_base_url"].as_str().expect("api_base_url"),
            i["tenant_id"].as_str().expect("tenant_id"),
            i["realm_id"].as_str().expect("realm_id"),
            i["identity_id"].as_str().expect("identity_id"),
            i["job_id"].as_str().expect("job_id"),
        )
    }

    fn token(&self) -> &str {
        self.0["token"].as_str().expect("token")
    }

    fn subject(&self) -> String {
        format!(
            "CN={}, OU={}, O={}",
            self.0["identity_id"].as_str().expect("identity"),
            self.0["realm_id"].as_str().expect("realm"),
            self.0["tenant_id"].as_str().expect("tenant")
        )
    }
}

/// A RETURN link for a new user, followed as the SDK follows it (JSON, from the app's origin).
async fn instruction(bi: &BiLocal, email: &str) -> Instruction {
    let s = bi.settings();
    let token = management_token(&s).await;
    let identity = create_identity(&s, &token, email).await;
    let (_, job) = create_job(&s, &token, identity["id"].as_str().expect("id"), "RETURN").await;
    let link = job["credential_binding_link"].as_str().expect("a link");
    let response = http()
        .get(link)
        .header("accept", "application/json")
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("invokeAuthenticator");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    Instruction(response.json().await.expect("JSON"))
}

async fn post(url: &str, bearer: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = http()
        .post(url)
        .bearer_auth(bearer)
        .header("origin", ORIGIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("a request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `:bind` with a credential request signed by `signer`, carrying `key`'s public key.
async fn bind_with(
    instruction: &Instruction,
    signer: &Passkey,
    key: &Passkey,
    sub: &str,
    token: &str,
) -> (u16, Value) {
    let raw = jws(
        signer,
        json!({"alg": "ES256", "jwk": key.jwk()}),
        json!({"sub": sub, "token": token}),
    );
    post(
        &instruction.job_url("bind"),
        instruction.token(),
        Some(json!({"type": "JWT", "raw": raw})),
    )
    .await
}

async fn bind(instruction: &Instruction, passkey: &Passkey) -> (u16, Value) {
    bind_with(
        instruction,
        passkey,
        passkey,
        &instruction.subject(),
        instruction.token(),
    )
    .await
}

/// A sign-in request for the demo application: the `/bi-authenticate` URL and its claims.
async fn sign_in_request(s: &Settings) -> (String, Value) {
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let url = authenticate_url(&format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&state=st-1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.issuer,
        s.client_id,
        enc(&s.redirect_uri)
    ))
    .await;
    let request = query_param(&url, "request").expect("request");
    let claims = request.split('.').nth(1).expect("claims");
    let claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).expect("b64")).expect("json");
    (url, claims)
}

/// The proof the SDK posts for a sign-in request, with `tweak` applied to its claims.
async fn prove(passkey: &Passkey, request: &Value, tweak: impl FnOnce(&mut Value)) -> (u16, Value) {
    let authn = &request["authn"];
    let url = format!(
        "{}/v1/tenants/{}/realms/{}/applications/{}/bi-authenticate",
        authn["base_url"].as_str().expect("base_url"),
        authn["tid"].as_str().expect("tid"),
        authn["rid"].as_str().expect("rid"),
        authn["aid"].as_str().expect("aid"),
    );
    let prove = &authn["action"]["prove"];
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": "app-instance:3.0.6",
        "sub": "",
        "aud": [url],
        "exp": now + 300, "nbf": now, "iat": now, "jti": "j",
        "bi_tid": prove["transaction_id"], "bi_non": prove["nonce"],
        "bi_prf": STANDARD.encode("[]"), "bi_pol_ver": "v3", "flow_type": "embedded",
    });
    tweak(&mut claims);
    let jwt = jws(
        passkey,
        json!({"alg": "ES256", "kid": thumbprint(passkey)}),
        claims,
    );
    let response = http()
        .post(&url)
        .header("origin", ORIGIN)
        .header("x-correlation-id", request["cid"].as_str().expect("cid"))
        .form(&[("claims", json!({"Jwt": jwt}).to_string())])
        .send()
        .await
        .expect("bi-authenticate");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// A user bound through the cloud protocol: the passkey and its subject.
async fn bound_user(bi: &BiLocal, email: &str) -> (Passkey, String, Value) {
    let instruction = instruction(bi, email).await;
    let passkey = Passkey::new();
    let (status, credential) = bind(&instruction, &passkey).await;
    assert_eq!(status, 200, "{credential}");
    (passkey, instruction.subject(), credential)
}

#[tokio::test]
async fn the_sdks_binding_calls_bind_a_credential_once() {
    let bi = start().await;
    let instruction = instruction(&bi, "ann@example.com").await;
    let (status, info) = post(&instruction.job_url("getInfo"), instruction.token(), None).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["identity"]["traits"]["username"], "ann@example.com");
    assert_eq!(info["authenticator_config"]["config"]["type"], "embedded");
    assert_eq!(info["application_id"], bi.settings().application_id);

    let passkey = Passkey::new();
    let (status, credential) = bind(&instruction, &passkey).await;
    assert_eq!(status, 200, "{credential}");
    assert_eq!(credential["state"], "ACTIVE");
    assert_eq!(credential["jwk_thumbprint"], thumbprint(&passkey));
    // The management API sees it; the link is used.
    let s = bi.settings();
    let token = management_token(&s).await;
    let listed: Value = http()
        .get(format!(
            "{}/identities/{}/credentials",
            realm_url(&s),
            instruction.0["identity_id"].as_str().expect("id")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed["credentials"][0]["id"], credential["id"]);
    let (status, _) = bind(&instruction, &Passkey::new()).await;
    assert_eq!(status, 410, "a used link binds nothing more");
    let (status, _) = post(&instruction.job_url("getInfo"), instruction.token(), None).await;
    assert_eq!(status, 410);
}

#[tokio::test]
async fn a_binding_is_refused_without_the_link_token_or_a_proof_of_the_key() {
    let bi = start().await;
    let instruction = instruction(&bi, "bo@example.com").await;
    let (status, _) = post(&instruction.job_url("getInfo"), "not-the-token", None).await;
    assert_eq!(status, 404);
    let passkey = Passkey::new();
    // Signed by another key than the one it carries: no proof of possession.
    let (status, body) = bind_with(
        &instruction,
        &Passkey::new(),
        &passkey,
        &instruction.subject(),
        instruction.token(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // For another identity, or another job's token.
    let other = "CN=0000000000000000, OU=x, O=y";
    let (status, _) = bind_with(&instruction, &passkey, &passkey, other, instruction.token()).await;
    assert_eq!(status, 400);
    let (status, _) = bind_with(
        &instruction,
        &passkey,
        &passkey,
        &instruction.subject(),
        "x",
    )
    .await;
    assert_eq!(status, 400);
    // Nothing was bound by any of these: the link still works.
    let (status, _) = bind(&instruction, &passkey).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_sign_in_request_is_signed_and_says_where_to_prove() {
    let bi = start().await;
    let s = bi.settings();
    let (url, request) = sign_in_request(&s).await;
    assert!(url.starts_with("http://localhost:3000/bi-authenticate?request="));
    let header = query_param(&url, "request").expect("request");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(header.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(
        header["jku"],
        format!("{}/.well-known/jwks.json", s.issuer),
        "the JWKS the SDK fetches the key from"
    );
    assert_eq!(request["verb"], "authenticate");
    assert_eq!(request["authn"]["mode"], "grant");
    assert_eq!(request["authn"]["state"], "st-1");
    assert_eq!(request["authn"]["redirect_uri"], s.redirect_uri.as_str());
    assert_eq!(request["authn"]["action"]["prove"]["bi_pol_ver"], "v3");
    assert_eq!(
        request["transaction_id"],
        request["authn"]["action"]["prove"]["transaction_id"]
    );
    let jwks = http()
        .get(header["jku"].as_str().expect("jku"))
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("jwks");
    assert_eq!(jwks.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_proof_gives_one_code_and_a_replay_is_denied() {
    let bi = start().await;
    let s = bi.settings();
    let (passkey, subject, _) = bound_user(&bi, "cy@example.com").await;
    let (_, request) = sign_in_request(&s).await;
    let (status, body) = prove(&passkey, &request, |c| c["sub"] = subject.clone().into()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "allow");
    let code = body["code"].as_str().expect("code");
    // The code is the application's, for this redirect URI and PKCE verifier.
    let token = http()
        .post(format!("{}/token", s.issuer))
        .basic_auth(&s.client_id, Some(&s.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &s.redirect_uri),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(token.status(), 200);
    let (status, body) = prove(&passkey, &request, |c| c["sub"] = subject.into()).await;
    assert_eq!(
        (status, body["type"].as_str()),
        (200, Some("deny")),
        "{body}"
    );
}

#[tokio::test]
async fn a_proof_is_refused_for_anything_but_this_passkey_this_request_and_now() {
    let bi = start().await;
    let s = bi.settings();
    let (passkey, subject, _) = bound_user(&bi, "di@example.com").await;
    let (_, request) = sign_in_request(&s).await;
    let sub = subject.clone();
    type Tweak = Box<dyn FnOnce(&mut Value)>;
    let refused: Vec<(&str, Tweak)> = vec![
        ("another nonce", Box::new(|c| c["bi_non"] = "guess".into())),
        (
            "another audience",
            Box::new(|c| c["aud"] = json!(["https://elsewhere.example"])),
        ),
        ("expired", Box::new(|c| c["exp"] = 1_000.into())),
        ("no transaction", Box::new(|c| c["bi_tid"] = Value::Null)),
    ];
    for (case, tweak) in refused {
        let sub = sub.clone();
        let (status, body) = prove(&passkey, &request, move |c| {
            c["sub"] = sub.into();
            tweak(c);
        })
        .await;
        assert_eq!(status, 400, "{case}: {body}");
    }
    // Another identity's subject, or a key the realm does not know: denied in words.
    let (_, body) = prove(&passkey, &request, |c| c["sub"] = "CN=x, OU=y, O=z".into()).await;
    assert_eq!(body["type"], "deny", "{body}");
    let (_, body) = prove(&Passkey::new(), &request, |c| {
        c["sub"] = subject.clone().into()
    })
    .await;
    assert_eq!(body["type"], "deny", "{body}");
    // None of these used the request up.
    let (_, body) = prove(&passkey, &request, |c| c["sub"] = subject.into()).await;
    assert_eq!(body["type"], "allow", "{body}");
}

#[tokio::test]
async fn a_revoked_passkey_is_denied_with_a_message() {
    let bi = start().await;
    let s = bi.settings();
    let (passkey, subject, credential) = bound_user(&bi, "ed@example.com").await;
    let token = management_token(&s).await;
    let revoked = http()
        .post(format!(
            "{}/identities/{}/credentials/{}:revoke",
            realm_url(&s),
            credential["identity_id"].as_str().expect("identity"),
            credential["id"].as_str().expect("id")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200);
    let (_, request) = sign_in_request(&s).await;
    let (status, body) = prove(&passkey, &request, |c| c["sub"] = subject.into()).await;
    assert_eq!((status, body["type"].as_str()), (200, Some("deny")));
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("revoked")
    );
}

#[tokio::test]
async fn calls_from_an_untrusted_origin_are_refused() {
    let bi = start().await;
    let instruction = instruction(&bi, "fay@example.com").await;
    let response = http()
        .post(instruction.job_url("getInfo"))
        .bearer_auth(instruction.token())
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("getInfo");
    assert_eq!(response.status(), 403);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn the_https_host_names_beyond_identitys_hosts_and_serves_both() {
    let bi = BiLocal::start(Options {
        cloud_addr: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..Options::default()
    })
    .await
    .expect("bi-local starts");
    let cloud = bi.cloud().expect("the HTTPS host").clone();
    let args = cloud.chromium_args();
    assert!(args[0].contains(&format!("MAP api-us.beyondidentity.com {}", cloud.addr)));
    assert!(args[1].ends_with(&cloud.spki_sha256));
    // A client that trusts only this run's CA reaches both names at that one address.
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(tls_trusting(&cloud.ca_pem))
        .resolve("auth-us.beyondidentity.com", cloud.addr)
        .resolve("api-us.beyondidentity.com", cloud.addr)
        .build()
        .expect("a client");
    let s = bi.settings();
    let jwks_path = s
        .issuer
        .replace(&s.auth_base_url, "https://auth-us.beyondidentity.com");
    let jwks = client
        .get(format!("{jwks_path}/.well-known/jwks.json"))
        .send()
        .await
        .expect("the auth host over TLS");
    assert_eq!(jwks.status(), 200);
    let api = client
        .get(format!(
            "https://api-us.beyondidentity.com/v1/tenants/{}/realms/{}/identities",
            s.tenant_id, s.realm_id
        ))
        .send()
        .await
        .expect("the API host over TLS");
    assert_eq!(
        api.status(),
        401,
        "the API host's routes, not the auth host's"
    );
    // The links name Beyond Identity's hosts, so that the real SDK accepts them.
    let token = management_token(&s).await;
    let identity = create_identity(&s, &token, "gus@example.com").await;
    let (_, job) = create_job(&s, &token, identity["id"].as_str().expect("id"), "RETURN").await;
    assert!(
        job["credential_binding_link"]
            .as_str()
            .expect("link")
            .starts_with("https://auth-us.beyondidentity.com/v1/tenants/")
    );
    // Nobody else trusts that certificate.
    let stranger = reqwest::Client::builder()
        .resolve("auth-us.beyondidentity.com", cloud.addr)
        .build()
        .expect("a client");
    assert!(
        stranger
            .get(format!("{jwks_path}/.well-known/jwks.json"))
            .send()
            .await
            .is_err()
    );
}

/// rustls trusting exactly the CA in `pem`.
fn tls_trusting(pem: &str) -> rustls::ClientConfig {
    let der = STANDARD
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .expect("PEM");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(der))
        .expect("the CA");
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth()
}
