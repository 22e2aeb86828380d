//! `POST …/token`: the code and client-credentials grants, client authentication, and the
//! tokens they issue.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::authorize::{is_pkce_value, single_params};
use super::userinfo::profile;
use super::{AppPath, find_app};
use crate::errors::OAuthError;
use crate::faults::{Flaw, Target};
use crate::keys::{self, Defects};
use crate::model::{self, Application, CodeGrant, GrantType};
use crate::store::Inner;
use crate::{Ctx, random};

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

pub(super) async fn token(
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

pub(super) fn app_path(tenant_id: &str, app: &Application) -> String {
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
