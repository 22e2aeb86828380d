//! The auth host: each application's OpenID Connect provider, and the links of
//! credential binding jobs.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::errors::{ApiError, OAuthError};
use crate::faults::{Flaw, Target};
use crate::keys::{self, Defects};
use crate::model::{self, Application, CodeGrant, GrantType, Invocation, Pkce, Transaction};
use crate::store::Inner;
use crate::{Ctx, binding, cloud, emulator, hosted, pages, random};

/// How long an `/authorize` transaction waits for the user.
const TRANSACTION_TTL: i64 = 600;
/// How long an authorization code can be redeemed.
const CODE_TTL: i64 = 300;

pub fn router(ctx: Arc<Ctx>) -> Router {
    let app = "/v1/tenants/{tenant}/realms/{realm}/applications/{app}";
    Router::new()
        .route(&format!("{app}/.well-known/openid-configuration"), get(discovery))
        .route(&format!("{app}/.well-known/jwks.json"), get(jwks))
        .route(&format!("{app}/authorize"), get(authorize))
        .route(&format!("{app}/token"), post(token))
        .route(&format!("{app}/userinfo"), get(userinfo).post(userinfo))
        .route(&format!("{app}/logout"), get(end_session))
        .route(
            "/v1/tenants/{tenant}/realms/{realm}/identities/{identity}/credential-binding-jobs/{job}",
            get(binding::invoke_authenticator),
        )
        .merge(emulator::router())
        .merge(hosted::router())
        .merge(cloud::auth_routes())
        .fallback(not_found)
        .with_state(ctx)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not found")
}

#[derive(Deserialize)]
struct AppPath {
    tenant: String,
    realm: String,
    app: String,
}

fn find_app(inner: &Inner, path: &AppPath) -> Option<Application> {
    if path.tenant != inner.state.tenant_id {
        return None;
    }
    inner
        .state
        .application_by_id(&path.realm, &path.app)
        .cloned()
}

fn app_not_found(path: &AppPath) -> ApiError {
    ApiError::not_found("Application", &path.app)
}

async fn discovery(State(ctx): State<Arc<Ctx>>, Path(path): Path<AppPath>) -> Response {
    if let Some((status, retry_after)) = ctx.fault(Target::Discovery).await {
        return ApiError::injected(status, retry_after).into_response();
    }
    let Some(issuer) = ctx
        .store
        .read(|inner| find_app(inner, &path).map(|app| ctx.issuer(&inner.state, &app)))
    else {
        return app_not_found(&path).into_response();
    };
    let base = issuer.trim_end_matches('/');
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "preferred_username", "email"],
        "authorization_response_iss_parameter_supported": ctx.iss_parameter,
    });
    if ctx.end_session {
        document["end_session_endpoint"] = format!("{base}/logout").into();
    }
    axum::Json(document).into_response()
}

#[derive(Deserialize)]
struct EndSession {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// `GET …/logout` (only with [`crate::Options::end_session`]): OpenID RP-Initiated Logout
/// 1.0. The `id_token_hint` must be an ID token this emulator signed for the application
/// (an expired one is accepted, as the specification allows), `client_id` if given the
/// application's, and `post_logout_redirect_uri` on the origin of one of its redirect
/// URIs; then the subject's provider session ends and the browser goes back, with `state`.
async fn end_session(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    Query(request): Query<EndSession>,
) -> Response {
    if !ctx.end_session {
        return not_found().await.into_response();
    }
    let checked = ctx.store.read(|inner| {
        let app = find_app(inner, &path).ok_or("no such application")?;
        let hint = request
            .id_token_hint
            .as_deref()
            .ok_or("id_token_hint is required")?;
        let claims = keys::decode_own(&inner.keys, hint)
            .ok_or("id_token_hint is not an ID token of this provider")?;
        if claims["aud"] != app.client_id.as_str() {
            return Err("id_token_hint was issued to another client");
        }
        if request
            .client_id
            .as_deref()
            .is_some_and(|c| c != app.client_id)
        {
            return Err("client_id does not match id_token_hint");
        }
        let back = request
            .post_logout_redirect_uri
            .as_deref()
            .ok_or("post_logout_redirect_uri is required")?;
        let back = url::Url::parse(back).map_err(|_| "post_logout_redirect_uri is not a URL")?;
        let registered = app
            .redirect_uris
            .iter()
            .any(|r| url::Url::parse(r).is_ok_and(|r| r.origin() == back.origin()));
        if !registered {
            return Err("post_logout_redirect_uri is not registered for this application");
        }
        let subject = claims["sub"].as_str().unwrap_or_default().to_owned();
        Ok((subject, back))
    });
    match checked {
        Ok((subject, mut back)) => {
            ctx.logouts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(subject);
            if let Some(state) = &request.state {
                back.query_pairs_mut().append_pair("state", state);
            }
            pages::found(back.as_str())
        }
        Err(message) => pages::error(StatusCode::BAD_REQUEST, message),
    }
}

async fn jwks(State(ctx): State<Arc<Ctx>>, Path(path): Path<AppPath>) -> Response {
    if let Some((status, retry_after)) = ctx.fault(Target::Jwks).await {
        return ApiError::injected(status, retry_after).into_response();
    }
    ctx.store
        .read(|inner| {
            find_app(inner, &path).map(|_| {
                let keys: Vec<Value> = inner.keys.iter().map(keys::SigningKey::jwk).collect();
                // Public keys, fetched by the SDK from the app's pages (cross-origin).
                (
                    [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
                    axum::Json(json!({ "keys": keys })),
                )
            })
        })
        .map_or_else(
            || app_not_found(&path).into_response(),
            IntoResponse::into_response,
        )
}

/// Query or form parameters, refusing any that appear twice (RFC 6749 §3.1, §3.2).
fn single_params(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name.clone(), value).is_some() {
            return Err(format!("parameter {name} appears more than once"));
        }
    }
    Ok(params)
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Sends an OAuth error back to a redirect URI that is known to be the client's.
/// An OAuth error answer on the client's redirect URI, with `iss` when the emulator
/// promises RFC 9207's parameter.
fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    iss: Option<&str>,
) -> Response {
    match error_location(redirect_uri, error, description, state, iss) {
        Some(location) => pages::found(&location),
        None => pages::error(StatusCode::BAD_REQUEST, description),
    }
}

/// An authorization error response (RFC 6749 §4.1.2.1) on the client's `redirect_uri`.
pub(crate) fn error_location(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    iss: Option<&str>,
) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", description);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        if let Some(iss) = iss {
            query.append_pair("iss", iss);
        }
    }
    Some(url.into())
}

async fn authorize(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Some((status, _)) = ctx.fault(Target::Authorize).await {
        return pages::error(
            status,
            "The sign-in service is unavailable. Try again later.",
        );
    }
    let Some(app) = ctx.store.read(|inner| find_app(inner, &path)) else {
        return pages::error(StatusCode::NOT_FOUND, "This application does not exist.");
    };
    let Ok(params) = single_params(pairs) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "A parameter appears more than once.",
        );
    };
    // Until client_id and redirect_uri are known good, errors are shown here and never
    // sent to a redirect URI (RFC 6749 §4.1.2.1).
    if params.get("client_id") != Some(&app.client_id) {
        return pages::error(StatusCode::BAD_REQUEST, "Unknown or missing client_id.");
    }
    let Some(redirect_uri) = params
        .get("redirect_uri")
        .filter(|r| app.redirect_uris.contains(r))
    else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is missing or is not registered for this application.",
        );
    };
    let state = params.get("state").map(String::as_str);
    let issuer = ctx
        .iss_parameter
        .then(|| ctx.store.read(|inner| ctx.issuer(&inner.state, &app)));
    let fail = |error: &str, description: &str| {
        error_redirect(redirect_uri, error, description, state, issuer.as_deref())
    };

    if params.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if !app.grant_types.contains(&GrantType::AuthorizationCode) {
        return fail(
            "unauthorized_client",
            "this application cannot use the authorization code grant",
        );
    }
    let scope = params.get("scope").cloned().unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if !scopes.contains(&"openid") {
        return fail("invalid_scope", "scope must contain openid");
    }
    // OpenID Connect's scopes are accepted on every request; any other must be one of
    // the application's `allowed_scopes` (its resource server's).
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !crate::OIDC_SCOPES.contains(s) && !app.allowed_scopes.iter().any(|a| a == *s))
    {
        return fail(
            "invalid_scope",
            &format!("scope {unknown} is not allowed for this application"),
        );
    }
    let challenge = params.get("code_challenge");
    let method = params.get("code_challenge_method").map(String::as_str);
    match (app.pkce, challenge, method) {
        (Pkce::Disabled, _, _) => {}
        (_, None, _) => return fail("invalid_request", "code_challenge is required"),
        (_, Some(c), _) if !is_pkce_value(c) => {
            return fail("invalid_request", "code_challenge is malformed");
        }
        (Pkce::S256, _, Some("S256")) | (Pkce::Plain, _, None | Some("plain" | "S256")) => {}
        (Pkce::S256, _, _) => return fail("invalid_request", "code_challenge_method must be S256"),
        (Pkce::Plain, _, _) => return fail("invalid_request", "unsupported code_challenge_method"),
    }

    let Some(config) = ctx.store.read(|inner| inner.state.config_of(&app).cloned()) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "This application has no authenticator configuration.",
        );
    };
    let now = model::now().timestamp();
    let transaction = Transaction {
        application_id: app.id.clone(),
        redirect_uri: redirect_uri.clone(),
        scope: scopes.join(" "),
        state: state.map(str::to_owned),
        nonce: params.get("nonce").cloned(),
        code_challenge: challenge.cloned(),
        code_challenge_method: challenge.map(|_| method.unwrap_or("plain").to_owned()),
        expires_at: now + TRANSACTION_TTL,
        prove_nonce: random::opaque(),
    };
    let request = ctx.store.write(|inner| {
        inner.state.sweep(now);
        let id = random::opaque();
        let claims =
            cloud::authenticate_request(&ctx, inner, &app, &config, &id, &transaction, now);
        let jku = cloud::jwks_url(&ctx, inner, &app);
        inner.state.transactions.insert(id, transaction);
        keys::encode_with_jku(inner.signing_key(), &jku, &claims)
    });
    // Embedded SDK: the app's own `/bi-authenticate` page; Hosted Web: Beyond Identity's.
    let page = if config.is_hosted() {
        let tenant = ctx.store.read(|inner| inner.state.tenant_id.clone());
        hosted::page_url(&ctx.auth_base, &tenant, &config, "bi-authenticate")
    } else {
        format!("{}/bi-authenticate", config.invoke_url)
    };
    let Ok(mut url) = url::Url::parse(&page) else {
        return pages::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The invoke URL is not valid.",
        );
    };
    url.query_pairs_mut().append_pair("request", &request);
    match config.invocation_type {
        Invocation::Manual if !config.is_hosted() => {
            axum::Json(json!({ "authenticate_url": url.as_str() })).into_response()
        }
        _ => pages::found(url.as_str()),
    }
}

/// Client authentication (RFC 6749 §2.3.1): HTTP Basic or the body, never both.
fn authenticate_client(
    app: &Application,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let body_secret = params.get("client_secret");
    let (client_id, secret, used_basic) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(
                "invalid_request",
                "use one client authentication method, not two",
            ));
        }
        (Some(encoded), None) => {
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            let unescape = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (unescape(id), unescape(secret), true)
        }
        (None, Some(secret)) => (
            params.get("client_id").cloned().unwrap_or_default(),
            secret.clone(),
            false,
        ),
        (None, None) => return Err(OAuthError::invalid_client(false)),
    };
    if let Some(body_id) = params.get("client_id")
        && *body_id != client_id
    {
        return Err(OAuthError::invalid_client(used_basic));
    }
    if client_id == app.client_id && keys::secrets_equal(&secret, &app.client_secret) {
        Ok(())
    } else {
        Err(OAuthError::invalid_client(used_basic))
    }
}

async fn token(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match token_response(&ctx, &path, &headers, &body).await {
        Ok(body) => {
            let mut response = axum::Json(body).into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn token_response(
    ctx: &Ctx,
    path: &AppPath,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, OAuthError> {
    if let Some((status, retry_after)) = ctx.fault(Target::Token).await {
        return Err(OAuthError::injected(status, retry_after));
    }
    let app = ctx
        .store
        .read(|inner| find_app(inner, path))
        .ok_or_else(|| OAuthError {
            status: StatusCode::NOT_FOUND,
            ..OAuthError::new("invalid_request", "no such application")
        })?;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !is_form {
        return Err(OAuthError::new(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let pairs = url::form_urlencoded::parse(body).into_owned().collect();
    let params = single_params(pairs).map_err(|e| OAuthError::new("invalid_request", e))?;
    authenticate_client(&app, headers, &params)?;
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") if app.grant_types.contains(&GrantType::AuthorizationCode) => {
            redeem_code(ctx, &app, &params)
        }
        Some("client_credentials") if app.grant_types.contains(&GrantType::ClientCredentials) => {
            client_credentials(ctx, &app, &params)
        }
        Some("authorization_code" | "client_credentials") => Err(OAuthError::new(
            "unauthorized_client",
            "this application may not use this grant type",
        )),
        Some(_) => Err(OAuthError::new(
            "unsupported_grant_type",
            "unsupported grant_type",
        )),
        None => Err(OAuthError::new("invalid_request", "grant_type is required")),
    }
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new("invalid_grant", description)
}

fn redeem_code(
    ctx: &Ctx,
    app: &Application,
    params: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
    let flaws = ctx.take_flaws(Target::IdToken);
    let now = model::now().timestamp();
    ctx.store.write(|inner| {
        let grant = inner
            .state
            .codes
            .get_mut(code)
            .filter(|g| g.expires_at > now && g.transaction.application_id == app.id)
            .ok_or_else(|| invalid_grant("the code is invalid or expired"))?;
        if grant.redeemed {
            // RFC 6749 §4.1.2: a replayed code revokes what it produced.
            let issued = std::mem::take(&mut grant.issued);
            for jti in issued {
                let exp = inner
                    .state
                    .issued_tokens
                    .remove(&jti)
                    .unwrap_or(now + app.expires_after);
                inner.state.revoked_tokens.insert(jti, exp);
            }
            return Err(invalid_grant("the code has already been used"));
        }
        let txn = &grant.transaction;
        if params.get("redirect_uri") != Some(&txn.redirect_uri) {
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&txn.code_challenge, params.get("code_verifier")) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(invalid_grant(
                    "no code_challenge was sent, so code_verifier must not be",
                ));
            }
            (Some(_), None) => return Err(invalid_grant("code_verifier is required")),
            (Some(challenge), Some(verifier)) => {
                let expected = if txn.code_challenge_method.as_deref() == Some("S256") {
                    keys::pkce_s256(verifier)
                } else {
                    verifier.clone()
                };
                if !is_pkce_value(verifier) || !keys::secrets_equal(&expected, challenge) {
                    return Err(invalid_grant("code_verifier does not match code_challenge"));
                }
            }
        }
        grant.redeemed = true;
        let grant = grant.clone();
        let identity = inner
            .state
            .identity(&app.realm_id, &grant.identity_id)
            .cloned()
            .ok_or_else(|| invalid_grant("the identity no longer exists"))?;
        let issuer = ctx.issuer(&inner.state, app);
        let jti = random::jti();
        let exp = now + app.expires_after;
        let access_claims = json!({
            "iss": issuer,
            "sub": identity.id,
            "aud": [app.id],
            "azp": app_path(&inner.state.tenant_id, app),
            "bi_p": app_path(&inner.state.tenant_id, app),
            "bi_t": inner.state.tenant_id,
            "bi_r": app.realm_id,
            "jti": jti,
            "scope": grant.transaction.scope,
            "iat": now,
            "nbf": now,
            "exp": exp,
        });
        let access_token = keys::encode(
            inner.signing_key(),
            "JWT",
            &access_claims,
            Defects::default(),
        );
        let id_token = id_token(
            inner,
            &issuer,
            app,
            &grant,
            &identity,
            now,
            &flaws,
            IdTokenExtras {
                profile: ctx.id_token_claims,
                sid: ctx.id_token_sid,
            },
        );
        inner.state.issued_tokens.insert(jti.clone(), exp);
        if let Some(g) = inner.state.codes.get_mut(code) {
            g.issued.push(jti);
        }
        Ok(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": app.expires_after,
            "scope": grant.transaction.scope,
            "id_token": id_token,
        }))
    })
}

fn app_path(tenant_id: &str, app: &Application) -> String {
    format!(
        "tenants/{tenant_id}/realms/{}/applications/{}",
        app.realm_id, app.id
    )
}

/// Claims beyond Beyond Identity's own that an ID token may be asked to carry.
#[derive(Clone, Copy)]
struct IdTokenExtras {
    /// [`crate::Options::id_token_claims`].
    profile: bool,
    /// [`crate::Options::id_token_sid`].
    sid: bool,
}

/// Builds the ID token, with whatever flaws the test asked for. Like Beyond Identity's,
/// it carries the subject and no profile claims (those are on userinfo) unless
/// `extras.profile` asks for them, as other providers do.
#[allow(clippy::too_many_arguments)]
fn id_token(
    inner: &Inner,
    issuer: &str,
    app: &Application,
    grant: &CodeGrant,
    identity: &model::Identity,
    now: i64,
    flaws: &[Flaw],
    extras: IdTokenExtras,
) -> String {
    let has = |f: Flaw| flaws.contains(&f);
    let mut claims = serde_json::Map::new();
    let iss = if has(Flaw::WrongIss) {
        format!("{issuer}-evil")
    } else {
        issuer.to_owned()
    };
    claims.insert("iss".into(), iss.into());
    if !has(Flaw::MissingSub) {
        claims.insert("sub".into(), identity.id.clone().into());
    }
    const OTHER_AUDIENCE: &str = "https://api.example.com";
    if has(Flaw::WrongAud) {
        claims.insert("aud".into(), "another-client".into());
    } else if has(Flaw::ExtraAud) || has(Flaw::ExtraAudNoAzp) {
        claims.insert("aud".into(), json!([app.client_id, OTHER_AUDIENCE]));
    } else if !has(Flaw::MissingAud) {
        claims.insert("aud".into(), app.client_id.clone().into());
    }
    if has(Flaw::ForeignAzp) {
        claims.insert("azp".into(), "another-client".into());
    } else if has(Flaw::ExtraAud) || has(Flaw::OwnAzp) {
        claims.insert("azp".into(), app.client_id.clone().into());
    } else if has(Flaw::ApplicationAzp) {
        claims.insert("azp".into(), app_path(&inner.state.tenant_id, app).into());
    }
    let (iat, exp) = match (has(Flaw::FutureIat), has(Flaw::Expired)) {
        (_, true) => (now - 7200, now - 3600),
        (true, false) => (now + 3600, now + 3600 + app.expires_after),
        (false, false) if has(Flaw::WithinSkew) => (now + 30, now - 30),
        (false, false) => (now, now + app.expires_after),
    };
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), exp.into());
    let auth_time = if has(Flaw::StaleAuthTime) {
        grant.auth_time - 3600
    } else {
        grant.auth_time
    };
    claims.insert("auth_time".into(), auth_time.into());
    if let Some(nonce) = &grant.transaction.nonce {
        let nonce = if has(Flaw::NonceMismatch) {
            random::opaque()
        } else {
            nonce.clone()
        };
        claims.insert("nonce".into(), nonce.into());
    }
    if extras.profile {
        claims.extend(profile(identity, &grant.transaction.scope));
    }
    if has(Flaw::EmailOnly) {
        claims.remove("name");
        claims.remove("preferred_username");
    }
    if extras.sid {
        claims.insert("sid".into(), random::jti().into());
    }
    let defects = Defects {
        omit_kid: has(Flaw::MissingKid),
        alg_none: has(Flaw::AlgNone),
        bad_signature: has(Flaw::BadSignature),
    };
    let key = match inner.retired.last() {
        Some(retired) if has(Flaw::RetiredKey) => retired,
        _ => inner.signing_key(),
    };
    keys::encode(key, "JWT", &Value::Object(claims), defects)
}

fn client_credentials(
    ctx: &Ctx,
    app: &Application,
    params: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let scope = match params.get("scope") {
        None => app.allowed_scopes.join(" "),
        Some(requested) => {
            let scopes: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(unknown) = scopes
                .iter()
                .find(|s| !app.allowed_scopes.iter().any(|a| a == *s))
            {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {unknown} is not allowed"),
                ));
            }
            scopes.join(" ")
        }
    };
    let lifetime = match params.get("expiration_time") {
        None => app.expires_after,
        Some(value) => value
            .parse::<i64>()
            .ok()
            .filter(|&s| s > 0)
            .ok_or_else(|| {
                OAuthError::new(
                    "invalid_request",
                    "expiration_time must be a positive number of seconds",
                )
            })?
            .min(app.expires_after),
    };
    let now = model::now().timestamp();
    ctx.store.write(|inner| {
        inner.state.sweep(now);
        let jti = random::jti();
        let claims = json!({
            "iss": ctx.issuer(&inner.state, app),
            "sub": app.client_id,
            "aud": ["beyondidentity"],
            "azp": app_path(&inner.state.tenant_id, app),
            "bi_p": app_path(&inner.state.tenant_id, app),
            "bi_t": inner.state.tenant_id,
            "bi_r": "*",
            "jti": jti,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
        });
        let token = keys::encode(inner.signing_key(), "JWT", &claims, Defects::default());
        inner.state.issued_tokens.insert(jti, now + lifetime);
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        }))
    })
}

/// The claims of a live token the emulator issued, or `None`.
pub fn live_token(inner: &Inner, token: &str, now: i64) -> Option<Value> {
    let claims = keys::decode_own(&inner.keys, token)?;
    let exp = claims.get("exp")?.as_i64()?;
    let jti = claims.get("jti")?.as_str()?;
    (exp > now && !inner.state.revoked_tokens.contains_key(jti)).then_some(claims)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn userinfo(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    headers: HeaderMap,
) -> Response {
    if let Some((status, retry_after)) = ctx.fault(Target::Userinfo).await {
        return ApiError::injected(status, retry_after).into_response();
    }
    let flaws = ctx.take_flaws(Target::Userinfo);
    let now = model::now().timestamp();
    let claims = ctx.store.read(|inner| {
        let app = find_app(inner, &path)?;
        let claims = live_token(inner, bearer(&headers)?, now)?;
        if claims.get("bi_p")?.as_str()? != app_path(&inner.state.tenant_id, &app) {
            return None;
        }
        let identity = inner
            .state
            .identity(&app.realm_id, claims.get("sub")?.as_str()?)?;
        let mut body = serde_json::Map::new();
        body.insert("sub".into(), identity.id.clone().into());
        body.extend(profile(identity, claims.get("scope")?.as_str()?));
        if flaws.contains(&Flaw::WrongSub) {
            body.insert("sub".into(), random::hex_id().into());
        }
        Some(Value::Object(body))
    });
    match claims {
        Some(body) => axum::Json(body).into_response(),
        None => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_token", "error_description": "the access token is invalid or expired"})),
            )
                .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            response
        }
    }
}

/// The profile claims a scope grants, as Beyond Identity's userinfo documents them:
/// `name` and `preferred_username` for `profile`, `email` for `email`.
fn profile(identity: &model::Identity, scope: &str) -> serde_json::Map<String, Value> {
    let mut claims = serde_json::Map::new();
    let scopes: Vec<&str> = scope.split(' ').collect();
    if scopes.contains(&"profile") {
        claims.insert("name".into(), identity.display_name.clone().into());
        claims.insert(
            "preferred_username".into(),
            identity.traits.username.clone().into(),
        );
    }
    if scopes.contains(&"email")
        && let Some(email) = &identity.traits.primary_email_address
    {
        claims.insert("email".into(), email.clone().into());
    }
    claims
}

/// Mints an authorization code for a transaction the user authenticated.
pub fn issue_code(
    inner: &mut Inner,
    transaction: Transaction,
    identity_id: &str,
    now: i64,
) -> String {
    let code = random::opaque();
    inner.state.codes.insert(
        code.clone(),
        CodeGrant {
            transaction,
            identity_id: identity_id.to_owned(),
            auth_time: now,
            expires_at: now + CODE_TTL,
            redeemed: false,
            issued: Vec::new(),
        },
    );
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused() {
        let pairs = vec![
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
        ];
        assert!(single_params(pairs).is_err());
    }

    #[test]
    fn pkce_values_follow_rfc7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn error_redirects_keep_the_clients_query() {
        let response = error_redirect(
            "http://app/cb?x=1",
            "invalid_scope",
            "bad scope",
            Some("s t"),
            None,
        );
        let location = response.headers()[header::LOCATION]
            .to_str()
            .expect("ascii");
        assert_eq!(
            location,
            "http://app/cb?x=1&error=invalid_scope&error_description=bad+scope&state=s+t"
        );
    }
}
