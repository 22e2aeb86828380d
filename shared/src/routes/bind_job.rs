//! `POST /api/auth/bind-job`: a passkey on this device for the signed-in user.
//!
//! Only with a live session (401 otherwise): a RETURN credential binding job for the
//! session's identity, answered as `{"credential_binding_link"}` for the page to bind in
//! place. The session's `sub` is the Beyond Identity identity id (the application's
//! default subject field, `id`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::audit::{Audit, Outcome, Subject, event};
use crate::config::ManagementFunctionConfig;
use crate::error::AuthError;
use crate::http::{CookieValue, Reply, check_front_door, check_json_post, client_address, cookie};
use crate::management::{Delivery, ManagementApi};
use crate::ratelimit::{BIND_JOBS_PER_USER, CounterStore, RateLimiter};
use crate::session::{SESSION_COOKIE, SessionStore, Sessions};

pub struct BindJob<M, S> {
    config: ManagementFunctionConfig,
    api: M,
    sessions: Sessions<S>,
    limiter: RateLimiter<S>,
    audit: Audit,
}

impl<M: ManagementApi, S: SessionStore + CounterStore + Clone> BindJob<M, S> {
    pub fn new(config: ManagementFunctionConfig, api: M, store: S) -> Self {
        Self {
            sessions: Sessions::new(store.clone(), config.app.sessions.clone()),
            limiter: RateLimiter::new(store),
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            api,
        }
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        match self.create(request, now).await {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    async fn create(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_front_door(request, &self.config.app)?;
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let CookieValue::One(value) = cookie(request.headers(), SESSION_COOKIE) else {
            return Err(AuthError::Unauthenticated);
        };
        let session = self
            .sessions
            .resolve(&value, now)
            .await
            .map_err(|_| AuthError::StoreUnavailable)?
            .ok_or(AuthError::Unauthenticated)?;
        let user = session.user.key();
        let client = client_address(request, &self.config.app);
        let subject = || Subject {
            user: Some(&user),
            client: Some(&client),
            ..Subject::default()
        };
        if let Err(error) = self.limiter.enforce(&BIND_JOBS_PER_USER, &user, now).await {
            self.audit.record(
                event::BINDING_LINK,
                Outcome::Limited,
                BIND_JOBS_PER_USER.name,
                subject(),
            );
            return Err(error);
        }
        let redirect = format!("{}/", self.config.app.origin_str());
        let job = self
            .api
            .create_binding_job(&session.user.subject, Delivery::Return, &redirect)
            .await?;
        let link = job.link.ok_or(AuthError::UpstreamUnavailable)?;
        self.audit
            .record(event::BINDING_LINK, Outcome::Succeeded, "", subject());
        Ok(Reply::json(
            StatusCode::OK,
            json!({"credential_binding_link": link}),
        ))
    }
}
