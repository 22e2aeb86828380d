//! `GET /api/auth/session` and `POST /api/auth/signout`.
//!
//! The session answer has NextAuth's shape: `{"user":{"id","name","email","image":null},
//! "expires":"<RFC 3339>"}` when signed in and `{}` when not. A cookie that names no
//! live session is cleared. When the store cannot be reached the answer is 503, never
//! a guess.

use chrono::{DateTime, SecondsFormat};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

use crate::audit::{Audit, Outcome, Subject, event};
use crate::config::AppConfig;
use crate::error::AuthError;
use crate::http::{
    CookieValue, Reply, check_front_door, check_json_post, clear_cookie, client_address, cookie,
    route_path,
};
use crate::session::{SESSION_COOKIE, Session, SessionStore, SessionToken, Sessions};

pub const SESSION_PATH: &str = "/api/auth/session";
pub const SIGNOUT_PATH: &str = "/api/auth/signout";

pub struct SessionRoutes<S> {
    config: AppConfig,
    sessions: Sessions<S>,
    audit: Audit,
}

/// The NextAuth session object.
pub fn session_json(session: &Session) -> Value {
    let expires = DateTime::from_timestamp(session.expires_at(), 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    json!({
        "user": {
            "id": session.user.subject,
            "name": session.user.name,
            "email": session.user.email,
            "image": null,
        },
        "expires": expires,
    })
}

impl<S: SessionStore> SessionRoutes<S> {
    pub fn new(config: AppConfig, sessions: Sessions<S>) -> Self {
        Self {
            audit: Audit::new(config.audit_key.as_ref()),
            config,
            sessions,
        }
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let result = match (check_front_door(request, &self.config), route_path(request)) {
            (Err(error), _) => Err(error),
            (Ok(()), SESSION_PATH) => self.session(request, now).await,
            (Ok(()), SIGNOUT_PATH) => self.sign_out(request).await,
            (Ok(()), _) => Err(AuthError::NotFound),
        };
        match result {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    async fn session(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Err(AuthError::MethodNotAllowed { allowed: "GET" });
        }
        let signed_out = || Reply::json(StatusCode::OK, json!({}));
        match cookie(request.headers(), SESSION_COOKIE) {
            CookieValue::Absent => Ok(signed_out()),
            CookieValue::Several => Ok(signed_out().cookie(clear_cookie(SESSION_COOKIE))),
            CookieValue::One(value) => match self.sessions.resolve(&value, now).await {
                Ok(Some(session)) => Ok(Reply::json(StatusCode::OK, session_json(&session))),
                Ok(None) => Ok(signed_out().cookie(clear_cookie(SESSION_COOKIE))),
                Err(error) => {
                    tracing::error!(%error, "session check failed");
                    Err(AuthError::StoreUnavailable)
                }
            },
        }
    }

    async fn sign_out(&self, request: &Request) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.origin_str(), "POST")?;
        if let CookieValue::One(value) = cookie(request.headers(), SESSION_COOKIE) {
            self.sessions.end(&value).await.map_err(|error| {
                tracing::error!(%error, "sign-out could not delete the session");
                AuthError::StoreUnavailable
            })?;
            let session = SessionToken::parse(&value).map(|token| token.id());
            self.audit.record(
                event::SIGN_OUT,
                Outcome::Succeeded,
                "",
                Subject {
                    session: session.as_ref().map(|id| id.as_str()),
                    client: Some(&client_address(request, &self.config)),
                    ..Subject::default()
                },
            );
        }
        Ok(Reply::json(StatusCode::OK, json!({"ok": true})).cookie(clear_cookie(SESSION_COOKIE)))
    }
}
