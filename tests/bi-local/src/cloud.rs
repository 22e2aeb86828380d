//! Beyond Identity's cloud protocol, as the real browser SDK (`@beyondidentity/bi-sdk-js`
//! 3.0.6) speaks it during `bindPasskey` and `authenticate`.
//!
//! Each request and answer here was recorded from the real SDK in Chromium, or read from
//! Beyond Identity's public repositories; docs/real-beyond-identity.md gives the evidence
//! for each. In short:
//!
//! - binding: `GET {auth}/…/credential-binding-jobs/{job}:invokeAuthenticator?token=` with
//!   `Accept: application/json` answers the `CredentialBindingInstruction` (the fields of
//!   the `/bind?…` redirect); `POST {api}/…/{job}:getInfo` (the job token as a bearer)
//!   answers the `CredentialBindingInfo`; `POST {api}/…/{job}:bind` carries
//!   `{"type":"JWT","raw":<ES256 JWS whose header holds the new public key>}` and answers
//!   the new credential.
//! - signing in: the `request` of `/bi-authenticate?request=` is a JWT signed by the
//!   application's key, with a `jku` the SDK fetches it from; its claims (`authn`, `origin`,
//!   `transaction_id`, …) say where to send the proof: `POST {base_url}/…/applications/{app}/bi-authenticate`
//!   with `claims={"Jwt":<ES256 JWS by the passkey, kid = its JWK thumbprint>}`, answered
//!   `{"type":"allow","code",…}` (the SDK then builds `redirect_uri?code&state` itself) or
//!   `{"type":"deny","message"}` (the SDK's `PolicyDenied`).
//!
//! The same routes are served on bi-local's plain HTTP hosts too (where the Rust tests
//! call them) and on its HTTPS host ([`crate::Options::cloud_addr`]) for the real SDK.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::binding::{self, Link, LinkError};
use crate::errors::ApiError;
use crate::keys::EcJwk;
use crate::model::{self, Application, AuthenticatorConfig, CredentialState, Transaction};
use crate::store::Inner;
use crate::{Ctx, emulator, oidc};

/// The policy's proof requests, as in Beyond Identity's own sample request (the Android
/// SDK's tests): one direct proof, no arguments. The SDK answers them in `bi_prf`.
const PROOF_REQUESTS: &str = r#"[{"direct":{"id":"platform","arguments":[]}}]"#;

/// The auth host's routes: the proof of a sign-in.
pub fn auth_routes() -> Router<Arc<Ctx>> {
    Router::new().route(
        "/v1/tenants/{tenant}/realms/{realm}/applications/{app}/bi-authenticate",
        post(authenticate).options(preflight),
    )
}

/// CORS for the SDK's calls, from the authenticator configs' trusted origins: it sends
/// `Authorization` (binding) and `X-Correlation-Id` (signing in).
pub async fn preflight(State(ctx): State<Arc<Ctx>>, headers: HeaderMap) -> Response {
    emulator::preflight_answer(
        &ctx,
        &headers,
        "GET, POST",
        "authorization, content-type, x-correlation-id",
    )
}

/// A cross-origin answer of the cloud protocol: CORS first, then the handler's JSON.
fn answer(
    ctx: &Ctx,
    headers: &HeaderMap,
    run: impl FnOnce() -> Result<Value, ApiError>,
) -> Response {
    match emulator::cors(ctx, headers) {
        Ok(origin) => {
            let response = match run() {
                Ok(body) => axum::Json(body).into_response(),
                Err(error) => error.into_response(),
            };
            emulator::with_cors(response, origin)
        }
        Err(error) => error.into_response(),
    }
}

/// The `CredentialBindingInstruction` of a link: what `invokeAuthenticator` answers the
/// SDK, and what the `/bind?…` redirect carries for a browser.
pub fn instruction(ctx: &Ctx, link: &Link) -> Value {
    json!({
        "api_base_url": ctx.sdk_api_base,
        "tenant_id": link.tenant_id,
        "realm_id": link.realm_id,
        "identity_id": link.identity_id,
        "job_id": link.job_id,
        "token": link.token,
    })
}

/// `GET …:invokeAuthenticator` asked for JSON (the SDK's `bindPasskey` on a RETURN link):
/// the instruction, cross-origin.
pub fn invoke_authenticator_json(ctx: &Ctx, headers: &HeaderMap, link: &Link) -> Response {
    answer(ctx, headers, || {
        let now = model::now().timestamp();
        ctx.store
            .write(|inner| binding::open(inner, link, now).map(|_| instruction(ctx, link)))
            .map_err(LinkError::into_cloud_error)
    })
}

/// The bearer token of a call on `{api}/…/credential-binding-jobs/{job}:{action}`: the
/// SDK authenticates `getInfo` and `bind` with the link's own token.
pub fn bearer(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

/// `POST {api}/…/credential-binding-jobs/{job}:getInfo`: who and what the passkey will be
/// for (the SDK's `CredentialBindingInfo`).
pub fn get_info(ctx: &Ctx, headers: &HeaderMap, link: &Link) -> Response {
    answer(ctx, headers, || {
        let now = model::now().timestamp();
        ctx.store.write(|inner| {
            let stored =
                binding::usable_job(inner, link, now).map_err(LinkError::into_cloud_error)?;
            let job = stored.job.clone();
            let state = &inner.state;
            let config = state
                .authenticator_config(&link.realm_id, &job.authenticator_config_id)
                .ok_or_else(|| LinkError::NotFound.into_cloud_error())?;
            let identity = state
                .identity(&link.realm_id, &link.identity_id)
                .ok_or_else(|| LinkError::NotFound.into_cloud_error())?;
            let application_id = state
                .applications
                .iter()
                .find(|a| a.authenticator_config_id.as_deref() == Some(config.id.as_str()))
                .map(|a| a.id.clone());
            Ok(json!({
                "tenant": {"id": state.tenant_id, "display_name": state.tenant_display_name},
                "realm": {"id": state.realm.id, "display_name": state.realm.display_name},
                "identity": {
                    "id": identity.id,
                    "display_name": identity.display_name,
                    "traits": {
                        "type": "traits_v0",
                        "username": identity.traits.username,
                        "primary_email_address": identity.traits.primary_email_address,
                    },
                },
                "theme": theme(ctx.sdk_auth_base.as_str()),
                "post_binding_redirect_uri": job.post_binding_redirect_uri,
                "authenticator_config": config.to_api(&state.tenant_id),
                "application_id": application_id,
            }))
        })
    })
}

fn theme(auth_base: &str) -> Value {
    json!({
        "logo_url_light": format!("{auth_base}/_emulator/logo-light.svg"),
        "logo_url_dark": format!("{auth_base}/_emulator/logo-dark.svg"),
        "support_url": format!("{auth_base}/_emulator/"),
    })
}

/// An authenticator config as the SDK reads it (inside `getInfo` and sign-in requests).
#[derive(Deserialize)]
struct BindBody {
    #[serde(rename = "type")]
    kind: String,
    raw: String,
}

/// A compact JWS, split and decoded: its header, its claims, what was signed, the signature.
struct Jws {
    header: Value,
    claims: Value,
    signing_input: String,
    signature: String,
}

impl Jws {
    fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let decode = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        Some(Self {
            header: decode(h)?,
            claims: decode(c)?,
            signing_input: format!("{h}.{c}"),
            signature: s.to_owned(),
        })
    }

    fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// ES256 only, verified with `key`.
    fn verifies_with(&self, key: &EcJwk) -> bool {
        self.header.get("alg").and_then(Value::as_str) == Some("ES256")
            && key.verify(self.signing_input.as_bytes(), &self.signature)
    }
}

/// The subject the SDK puts in its binding and sign-in JWTs.
fn subject(tenant: &str, realm: &str, identity: &str) -> String {
    format!("CN={identity}, OU={realm}, O={tenant}")
}

/// `POST {api}/…/credential-binding-jobs/{job}:bind`: the new key, self-signed (proof of
/// possession) and naming the job's token and identity; answers the new credential.
pub fn bind(ctx: &Ctx, headers: &HeaderMap, link: &Link, body: &[u8]) -> Response {
    answer(ctx, headers, || {
        let body: BindBody =
            serde_json::from_slice(body).map_err(|_| ApiError::invalid_request())?;
        let bad = |why: &str| ApiError::new(StatusCode::BAD_REQUEST, why.to_owned());
        if body.kind != "JWT" {
            return Err(bad("only JWT credential requests are supported"));
        }
        let jws =
            Jws::parse(&body.raw).ok_or_else(|| bad("the credential request is not a JWS"))?;
        let key: EcJwk = jws
            .header
            .get("jwk")
            .cloned()
            .and_then(|k| serde_json::from_value(k).ok())
            .ok_or_else(|| bad("the credential request carries no P-256 public key"))?;
        if !jws.verifies_with(&key) {
            return Err(bad("the credential request's signature does not verify"));
        }
        if jws.claim("sub") != Some(&subject(&link.tenant_id, &link.realm_id, &link.identity_id))
            || !jws
                .claim("token")
                .is_some_and(|t| crate::keys::secrets_equal(t, &link.token))
        {
            return Err(bad("the credential request is for another binding job"));
        }
        let now = model::now();
        ctx.store.write(|inner| {
            let bound = emulator::complete_binding(inner, link, key, now)
                .map_err(LinkError::into_cloud_error)?;
            Ok(json!(bound.credential))
        })
    })
}

/// The claims of a `/bi-authenticate` request for `transaction_id`, in the shape of
/// Beyond Identity's own (its Android SDK's tests hold one), with the fields the SDK
/// 3.0.6 requires since (`mode`, `authenticator_config`, `transaction_id`, `bi_pol_ver`).
pub fn authenticate_request(
    ctx: &Ctx,
    inner: &Inner,
    app: &Application,
    config: &AuthenticatorConfig,
    transaction_id: &str,
    transaction: &Transaction,
    now: i64,
) -> Value {
    let state = &inner.state;
    let realm = format!(
        "{}/v1/tenants/{}/realms/{}",
        ctx.sdk_auth_base, state.tenant_id, app.realm_id
    );
    json!({
        "iss": format!("https://beyondidentity.com/v1/tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "sub": app.client_id,
        "aud": [],
        "exp": transaction.expires_at,
        "nbf": now,
        "iat": now,
        "jti": transaction_id,
        "cid": crate::random::uuid(),
        "verb": "authenticate",
        "authn": {
            "base_url": ctx.sdk_auth_base,
            "tid": state.tenant_id,
            "rid": app.realm_id,
            "aid": app.id,
            "action": {"prove": {
                "transaction_id": transaction_id,
                "nonce": transaction.prove_nonce,
                "bi_req": STANDARD.encode(PROOF_REQUESTS),
                "bi_pol_ver": "v3",
            }},
            "redirect_uri": transaction.redirect_uri,
            "state": transaction.state,
            "mode": "grant",
            "authenticator_config": config.to_api(&state.tenant_id),
        },
        "origin": {"ip": "127.0.0.1", "ua": "", "geo": "Unknown City", "ref": ""},
        "transaction_id": transaction_id,
        "indirect_uri": format!("{realm}/transactions/{transaction_id}/indirect"),
    })
}

/// The key the SDK fetches a sign-in request's signing key from (`jku`).
pub fn jwks_url(ctx: &Ctx, inner: &Inner, app: &Application) -> String {
    format!(
        "{}/v1/tenants/{}/realms/{}/applications/{}/.well-known/jwks.json",
        ctx.sdk_auth_base, inner.state.tenant_id, app.realm_id, app.id
    )
}

#[derive(Deserialize)]
struct AppPath {
    tenant: String,
    realm: String,
    app: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SignedClaims {
    jwt: String,
}

/// Why a sign-in is refused, in the words the SDK shows (its `PolicyDenied`).
fn deny(message: &str) -> Value {
    json!({"type": "deny", "message": message})
}

/// `POST {auth}/…/applications/{app}/bi-authenticate`: the passkey's proof for a sign-in
/// request; answers a code for the app, or a refusal.
async fn authenticate(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(&ctx, &headers, || {
        let bad = |why: &str| ApiError::new(StatusCode::BAD_REQUEST, why.to_owned());
        let claims = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "claims")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| bad("claims are required"))?;
        let signed: SignedClaims =
            serde_json::from_str(&claims).map_err(|_| bad("claims must hold a Jwt"))?;
        let jws = Jws::parse(&signed.jwt).ok_or_else(|| bad("the proof is not a JWS"))?;
        let now = model::now().timestamp();
        ctx.store.write(|inner| {
            inner.state.sweep(now);
            if path.tenant != inner.state.tenant_id {
                return Err(ApiError::not_found("Application", &path.app));
            }
            let app = inner
                .state
                .application_by_id(&path.realm, &path.app)
                .cloned()
                .ok_or_else(|| ApiError::not_found("Application", &path.app))?;
            let audience = format!(
                "{}/v1/tenants/{}/realms/{}/applications/{}/bi-authenticate",
                ctx.sdk_auth_base, path.tenant, path.realm, path.app
            );
            let for_us = jws
                .claims
                .get("aud")
                .and_then(Value::as_array)
                .is_some_and(|aud| aud.iter().any(|a| a.as_str() == Some(&audience)));
            let fresh = jws
                .claims
                .get("exp")
                .and_then(Value::as_i64)
                .is_some_and(|exp| exp > now);
            if !for_us || !fresh {
                return Err(bad("the proof is not for this application or has expired"));
            }
            let Some(txn_id) = jws.claim("bi_tid").map(str::to_owned) else {
                return Err(bad("the proof names no transaction"));
            };
            let Some(transaction) = inner.state.transactions.get(&txn_id).cloned() else {
                return Ok(deny("This sign-in request has expired or was already used. Start again."));
            };
            if transaction.application_id != app.id
                || !jws
                    .claim("bi_non")
                    .is_some_and(|n| crate::keys::secrets_equal(n, &transaction.prove_nonce))
            {
                return Err(bad("the proof is for another sign-in request"));
            }
            let kid = jws.header.get("kid").and_then(Value::as_str).unwrap_or_default();
            let Some(stored) = inner
                .state
                .credentials
                .iter()
                .find(|c| c.credential.realm_id == app.realm_id && c.credential.jwk_thumbprint == kid)
            else {
                return Ok(deny("This passkey is not known here. Register this device again."));
            };
            if !jws.verifies_with(&stored.public_key)
                || jws.claim("sub")
                    != Some(&subject(&inner.state.tenant_id, &app.realm_id, &stored.credential.identity_id))
            {
                return Ok(deny("The passkey's signature does not verify."));
            }
            if stored.credential.state != CredentialState::Active {
                return Ok(deny("This passkey has been revoked. Sign in with another passkey or register this device again."));
            }
            let identity_id = stored.credential.identity_id.clone();
            if inner
                .state
                .identity(&app.realm_id, &identity_id)
                .is_none_or(|i| i.status != "active")
            {
                return Ok(deny("This account cannot sign in."));
            }
            inner.state.transactions.remove(&txn_id);
            let code = oidc::issue_code(inner, transaction, &identity_id, now);
            Ok(json!({"type": "allow", "code": code, "message": "Signed in with your passkey."}))
        })
    })
}
