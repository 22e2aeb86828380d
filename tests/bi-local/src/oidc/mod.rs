//! The auth host: each application's OpenID Connect provider (discovery and keys here,
//! [`authorize`], [`token`], [`userinfo`] and [`logout`] beside), and the links of
//! credential binding jobs.

mod authorize;
mod logout;
mod token;
mod userinfo;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::faults::Target;
use crate::keys;
use crate::model::Application;
use crate::store::Inner;
use crate::{Ctx, binding, cloud, emulator, hosted};

pub(crate) use authorize::{error_location, issue_code};
pub(crate) use token::live_token;

pub fn router(ctx: Arc<Ctx>) -> Router {
    let app = "/v1/tenants/{tenant}/realms/{realm}/applications/{app}";
    Router::new()
        .route(&format!("{app}/.well-known/openid-configuration"), get(discovery))
        .route(&format!("{app}/.well-known/jwks.json"), get(jwks))
        .route(&format!("{app}/authorize"), get(authorize::authorize))
        .route(&format!("{app}/token"), post(token::token))
        .route(&format!("{app}/userinfo"), get(userinfo::userinfo).post(userinfo::userinfo))
        .route(&format!("{app}/logout"), get(logout::end_session))
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
