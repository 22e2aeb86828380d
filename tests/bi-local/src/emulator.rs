//! Endpoints that exist only in the emulator, under `{auth}/_emulator/`.

use std::sync::{Arc, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::binding::{self, Link, LinkError};
use crate::errors::ApiError;
use crate::faults::Fault;
use crate::keys::{self, EcJwk};
use crate::model::{
    self, Credential, CredentialState, EnrollmentStatus, JobState, StoredCredential,
};
use crate::{Ctx, oidc, pages, random};

pub fn router() -> Router<Arc<Ctx>> {
    Router::new()
        .route("/_emulator/", get(outbox_page))
        .route("/_emulator/outbox", get(outbox))
        .route("/_emulator/bind", post(bind).options(preflight))
        .route(
            "/_emulator/authenticate",
            post(authenticate).options(preflight),
        )
        .route("/_emulator/authenticate/cancel", post(cancel))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_emulator/keys/rotate", post(rotate_keys))
        .route("/_emulator/logout-token", post(logout_token))
        .route("/_emulator/tokens/expire", post(expire_tokens))
        .route("/_emulator/reset", post(reset))
}

/// The prefixes the SDK stand-in signs, so that a proof for one purpose is never
/// accepted for another.
pub const BIND_PROOF_PREFIX: &str = "bi-local-bind:";
pub const AUTHENTICATE_PROOF_PREFIX: &str = "bi-local-authenticate:";

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_request())
}

async fn outbox(State(ctx): State<Arc<Ctx>>) -> Response {
    let emails = ctx.store.read(|inner| inner.state.outbox.clone());
    axum::Json(json!({ "emails": emails })).into_response()
}

/// The passkeys section of `/_emulator/`: each credential, whose it is, and its state.
fn passkeys_section(state: &crate::model::State) -> String {
    if state.credentials.is_empty() {
        return "<h2>Passkeys</h2><p>No passkey has been bound yet.</p>".to_owned();
    }
    let rows: String = state
        .credentials
        .iter()
        .rev()
        .map(|stored| {
            let c = &stored.credential;
            let owner = state
                .identities
                .iter()
                .find(|i| i.id == c.identity_id)
                .map_or(c.identity_id.as_str(), |i| i.traits.username.as_str());
            let state = match c.state {
                CredentialState::Active => "ACTIVE",
                CredentialState::Revoked => "REVOKED (can no longer sign in)",
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"muted\">{}<br>{}</td></tr>",
                pages::escape(owner),
                pages::escape(&c.id),
                state,
                pages::escape(&c.create_time),
                pages::escape(&c.update_time),
            )
        })
        .collect();
    format!(
        "<h2>Passkeys</h2><table><thead><tr><th>Identity</th><th>Credential</th><th>State</th>\
         <th>Created, updated</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

async fn outbox_page(State(ctx): State<Arc<Ctx>>) -> Response {
    let (emails, passkeys) = ctx
        .store
        .read(|inner| (inner.state.outbox.clone(), passkeys_section(&inner.state)));
    let rows: String = emails
        .iter()
        .rev()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}<br><a href=\"{}\">Set up your passkey</a></td><td class=\"muted\">{}</td></tr>",
                pages::escape(&e.to),
                pages::escape(&e.subject),
                pages::escape(&e.link),
                pages::escape(&e.sent_at),
            )
        })
        .collect();
    let body = if emails.is_empty() {
        "<p>No enrolment email has been sent yet. Register on the app and reload this page.</p>"
            .to_owned()
    } else {
        format!(
            "<p class=\"muted\">Newest first. The same list as JSON: <a href=\"/_emulator/outbox\">/_emulator/outbox</a>.</p>\
                 <table><thead><tr><th>To</th><th>Email</th><th>Sent</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    pages::page(StatusCode::OK, "Outbox", &format!("{body}{passkeys}"))
}

/// The browser calls `bind` and `authenticate` from the app's pages, as the real SDK
/// calls Beyond Identity: cross-origin, allowed only from the config's trusted origins;
/// and from bi-local's own hosted pages ([`crate::hosted`]).
pub(crate) fn cors(ctx: &Ctx, headers: &HeaderMap) -> Result<Option<HeaderValue>, ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    if origin.as_bytes() == ctx.auth_base.as_bytes() {
        return Ok(None);
    }
    let trusted = ctx.store.read(|inner| {
        inner
            .state
            .authenticator_configs
            .iter()
            .flat_map(|c| &c.trusted_origins)
            .any(|t| t.as_bytes() == origin.as_bytes())
    });
    if trusted {
        Ok(Some(origin.clone()))
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin is not trusted",
        ))
    }
}

pub(crate) fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

async fn preflight(State(ctx): State<Arc<Ctx>>, headers: HeaderMap) -> Response {
    preflight_answer(&ctx, &headers, "POST", "content-type")
}

/// A CORS preflight's answer: the methods and request headers allowed from a trusted
/// origin, for ten minutes; 403 from any other.
pub(crate) fn preflight_answer(
    ctx: &Ctx,
    headers: &HeaderMap,
    methods: &'static str,
    allowed: &'static str,
) -> Response {
    match cors(ctx, headers) {
        Ok(origin) => {
            let mut response = with_cors(StatusCode::NO_CONTENT.into_response(), origin);
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(methods),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(allowed),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            response
        }
        Err(error) => error.into_response(),
    }
}

/// Runs a cross-origin JSON endpoint: CORS check, then the handler.
fn cross_origin(
    ctx: &Ctx,
    headers: &HeaderMap,
    run: impl FnOnce() -> Result<Value, ApiError>,
) -> Response {
    match cors(ctx, headers) {
        Ok(origin) => {
            let response = match run() {
                Ok(body) => axum::Json(body).into_response(),
                Err(error) => error.into_response(),
            };
            with_cors(response, origin)
        }
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
struct BindRequest {
    url: String,
    public_key: EcJwk,
    /// ECDSA P-256 over `bi-local-bind:{token}`, P1363 form, base64url.
    signature: String,
}

/// `POST /_emulator/bind`: the SDK stand-in's `bindPasskey`. Redeems a binding link
/// for a new credential holding the browser's public key, once the browser proves it
/// holds the private key.
async fn bind(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    cross_origin(&ctx, &headers, || {
        let request: BindRequest = parse(&body)?;
        let link = Link::parse(&request.url).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "this is not a passkey binding link",
            )
        })?;
        let proof = format!("{BIND_PROOF_PREFIX}{}", link.token);
        if !request
            .public_key
            .verify(proof.as_bytes(), &request.signature)
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "the proof of possession does not verify with this P-256 public key",
            ));
        }
        let now = model::now();
        ctx.store.write(|inner| {
            let bound = complete_binding(inner, &link, request.public_key.clone(), now)
                .map_err(LinkError::into_api_error)?;
            Ok(json!({
                "passkey": bound.passkey,
                "postBindingRedirectUri": bound.post_binding_redirect_uri,
            }))
        })
    })
}

/// A binding that went through: the new credential, and the passkey as the SDK
/// describes it.
pub(crate) struct Bound {
    pub credential: Credential,
    pub passkey: Value,
    pub post_binding_redirect_uri: Option<String>,
}

/// Redeems a usable link for a new active credential holding `public_key`: the job is
/// complete, the identity enrolled. Shared by the stand-in's `bind` and the cloud
/// protocol's `:bind`.
pub(crate) fn complete_binding(
    inner: &mut crate::store::Inner,
    link: &Link,
    public_key: EcJwk,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Bound, LinkError> {
    let job = binding::usable_job(inner, link, now.timestamp())?;
    let credential = Credential {
        id: random::hex_id(),
        identity_id: link.identity_id.clone(),
        realm_id: link.realm_id.clone(),
        tenant_id: link.tenant_id.clone(),
        state: CredentialState::Active,
        csr_type: "JWT".into(),
        jwk_json: json!(public_key).to_string(),
        jwk_thumbprint: public_key.thumbprint(),
        create_time: model::timestamp(now),
        update_time: model::timestamp(now),
    };
    job.job.state = JobState::Complete;
    job.job.credential_id = Some(credential.id.clone());
    job.job.update_time = model::timestamp(now);
    let post_binding_redirect_uri = job.job.post_binding_redirect_uri.clone();
    let (tenant_name, realm_name) = (
        inner.state.tenant_display_name.clone(),
        inner.state.realm.display_name.clone(),
    );
    let identity = inner
        .state
        .identity_mut(&link.realm_id, &link.identity_id)
        .ok_or(LinkError::NotFound)?;
    identity.enrollment_status = EnrollmentStatus::Enrolled;
    identity.update_time = model::timestamp(now);
    let passkey = json!({
        "id": credential.id,
        "passkeyId": credential.id,
        "created": credential.create_time,
        // What the real SDK 3.0.6 reports (measured), though its type file says `Active`.
        "state": "active",
        "keyType": "subtle",
        "tenant": {"id": link.tenant_id, "displayName": tenant_name},
        "realm": {"id": link.realm_id, "displayName": realm_name},
        "identity": {
            "id": identity.id,
            "username": identity.traits.username,
            "displayName": identity.display_name,
            "emailAddress": identity.traits.primary_email_address,
        },
        "theme": {"logoUrlLight": "", "logoUrlDark": ""},
    });
    inner.state.credentials.push(StoredCredential {
        credential: credential.clone(),
        public_key,
    });
    Ok(Bound {
        credential,
        passkey,
        post_binding_redirect_uri,
    })
}

fn invalid_authentication_url() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "this is not a valid authentication URL",
    )
}

fn request_gone() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "this sign-in request has expired or was already used",
    )
}

/// The `request` JWT of a `/bi-authenticate` URL.
fn request_jwt(url: &str) -> Result<String, ApiError> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "request")
                .map(|(_, v)| v.into_owned())
        })
        .ok_or_else(invalid_authentication_url)
}

/// The sign-in transaction a request JWT names, once its signature is bi-local's own.
fn transaction_id(inner: &crate::store::Inner, jwt: &str) -> Result<String, ApiError> {
    let claims = keys::decode_own(&inner.keys, jwt).ok_or_else(invalid_authentication_url)?;
    claims
        .get("jti")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(invalid_authentication_url)
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    url: String,
    credential_id: String,
    /// ECDSA P-256 over `bi-local-authenticate:{request}`, P1363 form, base64url.
    signature: String,
}

/// `POST /_emulator/authenticate`: the SDK stand-in's `authenticate`. The browser
/// signs the `/bi-authenticate` request with the passkey's key; the answer is the
/// redirect back to the app with a code and the state.
async fn authenticate(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    cross_origin(&ctx, &headers, || {
        let request: AuthenticateRequest = parse(&body)?;
        let invalid = invalid_authentication_url;
        let jwt = request_jwt(&request.url)?;
        let now = model::now().timestamp();
        ctx.store.write(|inner| {
            inner.state.sweep(now);
            let txn_id = transaction_id(inner, &jwt)?;
            let transaction = inner
                .state
                .transactions
                .get(&txn_id)
                .cloned()
                .ok_or_else(request_gone)?;
            let app = inner
                .state
                .applications
                .iter()
                .find(|a| a.id == transaction.application_id)
                .cloned()
                .ok_or_else(invalid)?;
            let stored = inner
                .state
                .credentials
                .iter()
                .find(|c| {
                    c.credential.id == request.credential_id
                        && c.credential.realm_id == app.realm_id
                })
                .ok_or_else(|| {
                    ApiError::sdk(
                        StatusCode::NOT_FOUND,
                        "passkey not found",
                        "CredentialNotFound",
                    )
                })?;
            // A revoked credential is no longer in the realm's usable set: the SDK's
            // `MissingCredentialInRealm` → `CredentialNotFound` (its CHANGELOG 2.0.1).
            if stored.credential.state != CredentialState::Active {
                return Err(ApiError::sdk(
                    StatusCode::FORBIDDEN,
                    "this passkey has been revoked",
                    "CredentialNotFound",
                ));
            }
            let proof = format!("{AUTHENTICATE_PROOF_PREFIX}{jwt}");
            if !stored
                .public_key
                .verify(proof.as_bytes(), &request.signature)
            {
                return Err(ApiError::sdk(
                    StatusCode::FORBIDDEN,
                    "the passkey signature does not verify",
                    "PolicyDenied",
                ));
            }
            let identity_id = stored.credential.identity_id.clone();
            let active = inner
                .state
                .identity(&app.realm_id, &identity_id)
                .is_some_and(|i| i.status == "active");
            if !active {
                return Err(ApiError::sdk(
                    StatusCode::FORBIDDEN,
                    "this identity cannot sign in",
                    "UserSuspended",
                ));
            }
            inner.state.transactions.remove(&txn_id);
            let code = oidc::issue_code(inner, transaction.clone(), &identity_id, now);
            let mut redirect = url::Url::parse(&transaction.redirect_uri).map_err(|_| invalid())?;
            {
                let mut query = redirect.query_pairs_mut();
                query.append_pair("code", &code);
                if let Some(state) = &transaction.state {
                    query.append_pair("state", state);
                }
                if ctx.iss_parameter {
                    query.append_pair("iss", &ctx.issuer(&inner.state, &app));
                }
            }
            Ok(json!({"redirectUrl": redirect.as_str(), "passkeyId": request.credential_id}))
        })
    })
}

#[derive(Deserialize)]
struct CancelRequest {
    url: String,
}

/// `POST /_emulator/authenticate/cancel`: the person turned the hosted sign-in page down.
/// The sign-in request ends, and the answer is the way back to the application with
/// `error=access_denied` (RFC 6749 §4.1.2.1) and its `state`.
async fn cancel(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    cross_origin(&ctx, &headers, || {
        let request: CancelRequest = parse(&body)?;
        let jwt = request_jwt(&request.url)?;
        ctx.store.write(|inner| {
            let txn_id = transaction_id(inner, &jwt)?;
            let transaction = inner
                .state
                .transactions
                .remove(&txn_id)
                .ok_or_else(request_gone)?;
            let issuer = inner
                .state
                .applications
                .iter()
                .find(|a| a.id == transaction.application_id)
                .filter(|_| ctx.iss_parameter)
                .map(|app| ctx.issuer(&inner.state, app));
            let location = oidc::error_location(
                &transaction.redirect_uri,
                "access_denied",
                "the user cancelled the sign-in",
                transaction.state.as_deref(),
                issuer.as_deref(),
            )
            .ok_or_else(invalid_authentication_url)?;
            Ok(json!({ "redirectUrl": location }))
        })
    })
}

fn faults_body(ctx: &Ctx) -> Response {
    let faults = ctx
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    axum::Json(json!({ "faults": faults })).into_response()
}

async fn list_faults(State(ctx): State<Arc<Ctx>>) -> Response {
    faults_body(&ctx)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddFaults {
    faults: Vec<Fault>,
}

async fn add_faults(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let request: AddFaults = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return ApiError::new(StatusCode::BAD_REQUEST, format!("invalid faults: {error}"))
                .into_response();
        }
    };
    for (i, fault) in request.faults.iter().enumerate() {
        if let Err(message) = fault.validate() {
            return ApiError::new(StatusCode::BAD_REQUEST, format!("faults[{i}]: {message}"))
                .into_response();
        }
    }
    ctx.faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(request.faults);
    faults_body(&ctx)
}

async fn clear_faults(State(ctx): State<Arc<Ctx>>) -> Response {
    ctx.faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    faults_body(&ctx)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Rotate {
    #[serde(default)]
    keep_old: bool,
}

/// `POST /_emulator/keys/rotate {"keep_old": false}`: a new signing key; the old ones
/// stay in the JWKS only with `keep_old`.
async fn rotate_keys(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let request: Rotate = if body.is_empty() {
        Rotate::default()
    } else {
        match parse(&body) {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        }
    };
    let result = ctx.store.write(|inner| {
        inner.rotate_keys(request.keep_old)?;
        Ok::<_, keys::KeyError>(inner.keys.iter().map(|k| k.kid.clone()).collect::<Vec<_>>())
    });
    match result {
        Ok(kids) => axum::Json(json!({ "kid": kids[0], "kids": kids })).into_response(),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not generate a key",
        )
        .into_response(),
    }
}

/// What `POST /_emulator/logout-token` is asked for.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutTokenRequest {
    sub: Option<String>,
    sid: Option<String>,
    /// One of [`LOGOUT_TOKEN_FAULTS`].
    fault: Option<String>,
}

/// The defects a logout token can be given, for the receiver's hostile-provider tests.
pub const LOGOUT_TOKEN_FAULTS: &[&str] = &[
    "bad_signature",
    "nonce",
    "replayed_jti",
    "unknown_sid",
    "no_events",
    "wrong_audience",
    "expired",
    "alg_none",
    "id_token_typ",
];

/// `POST /_emulator/logout-token {"sub"?, "sid"?, "fault"?}`: a back-channel logout token
/// (OpenID Back-Channel Logout 1.0) for the demo application, signed with the current
/// key, as a provider would post it to the app's `backchannel_logout_uri`. Beyond
/// Identity itself sends none (docs/real-beyond-identity.md); this exists to test the
/// receiver. `replayed_jti` reuses the previous token's `jti`.
async fn logout_token(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let request: LogoutTokenRequest = if body.is_empty() {
        LogoutTokenRequest::default()
    } else {
        match parse(&body) {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        }
    };
    let fault = request.fault.as_deref().unwrap_or_default();
    if !fault.is_empty() && !LOGOUT_TOKEN_FAULTS.contains(&fault) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("unknown fault; one of {}", LOGOUT_TOKEN_FAULTS.join(", ")),
        )
        .into_response();
    }
    if request.sub.is_none() && request.sid.is_none() && fault != "unknown_sid" {
        return ApiError::new(StatusCode::BAD_REQUEST, "give sub, sid or both").into_response();
    }
    let token = ctx.store.write(|inner| {
        let app = inner.state.app_application().cloned()?;
        let now = model::now().timestamp();
        let jti = match (fault, &inner.last_logout_jti) {
            ("replayed_jti", Some(previous)) => previous.clone(),
            _ => random::jti(),
        };
        inner.last_logout_jti = Some(jti.clone());
        let mut claims = json!({
            "iss": ctx.issuer(&inner.state, &app),
            "aud": if fault == "wrong_audience" { "another-client".to_owned() } else { app.client_id.clone() },
            "iat": now,
            "exp": if fault == "expired" { now - 600 } else { now + 120 },
            "jti": jti,
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        });
        if let Some(sub) = &request.sub {
            claims["sub"] = sub.clone().into();
        }
        match (fault, &request.sid) {
            ("unknown_sid", _) => claims["sid"] = random::jti().into(),
            (_, Some(sid)) => claims["sid"] = sid.clone().into(),
            _ => {}
        }
        if fault == "nonce" {
            claims["nonce"] = random::jti().into();
        }
        if fault == "no_events" {
            claims.as_object_mut()?.remove("events");
        }
        let typ = if fault == "id_token_typ" { "JWT" } else { "logout+jwt" };
        let defects = keys::Defects {
            bad_signature: fault == "bad_signature",
            alg_none: fault == "alg_none",
            ..keys::Defects::default()
        };
        Some(keys::encode(inner.signing_key(), typ, &claims, defects))
    });
    match token {
        Some(token) => axum::Json(json!({ "logout_token": token })).into_response(),
        None => ApiError::new(StatusCode::CONFLICT, "the demo application is gone").into_response(),
    }
}

/// `POST /_emulator/tokens/expire`: every token issued so far stops working, as if it
/// had expired (the console-made static API token is not affected).
async fn expire_tokens(State(ctx): State<Arc<Ctx>>) -> Response {
    let expired = ctx.store.write(|inner| {
        let issued = std::mem::take(&mut inner.state.issued_tokens);
        let n = issued.len();
        inner.state.revoked_tokens.extend(issued);
        n
    });
    axum::Json(json!({ "expired": expired })).into_response()
}

/// `POST /_emulator/reset`: forgets users, passkeys, jobs, emails, codes and faults;
/// keeps the tenant, its applications, secrets and keys.
async fn reset(State(ctx): State<Arc<Ctx>>) -> Response {
    ctx.faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    ctx.store.write(|inner| {
        let s = &mut inner.state;
        s.identities.clear();
        s.jobs.clear();
        s.credentials.clear();
        s.transactions.clear();
        s.codes.clear();
        s.outbox.clear();
        s.issued_tokens.clear();
        s.revoked_tokens.clear();
    });
    axum::Json(json!({ "ok": true })).into_response()
}
