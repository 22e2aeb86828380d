//! `GET|POST …/userinfo`: the profile claims a token's scope grants.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::token::{app_path, live_token};
use super::{AppPath, find_app};
use crate::errors::ApiError;
use crate::faults::{Flaw, Target};
use crate::model::{self};
use crate::{Ctx, random};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub(super) async fn userinfo(
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
pub(super) fn profile(identity: &model::Identity, scope: &str) -> serde_json::Map<String, Value> {
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
