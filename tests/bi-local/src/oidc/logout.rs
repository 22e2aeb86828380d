//! `GET …/logout`: RP-Initiated Logout, when the emulator is asked to serve it.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{AppPath, find_app, not_found};
use crate::keys::{self};
use crate::{Ctx, pages};

#[derive(Deserialize)]
pub(super) struct EndSession {
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
pub(super) async fn end_session(
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
