//! `POST /api/auth/register {"email"}`: an identity and an enrolment email.
//!
//! The address is normalised and validated, rate-limited per client address and per
//! address, then: create the identity (or, on 409, find it with the username filter),
//! and create an EMAIL credential binding job. The answer is the same 202 whether the
//! address was new or known, and both paths make the same three calls (create, find,
//! job), so neither the body nor the timing tells anyone who has an account.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Audit, Outcome, Subject, event};
use crate::config::ManagementFunctionConfig;
use crate::email;
use crate::error::AuthError;
use crate::http::{Reply, check_front_door, check_json_post, client_address};
use crate::management::{Delivery, ManagementApi, NewIdentity};
use crate::ratelimit::{CounterStore, REGISTER_PER_ADDRESS, REGISTER_PER_CLIENT, RateLimiter};

pub const ACCEPTED_MESSAGE: &str =
    "If this address can be used, an email with a link to set up your passkey is on its way.";

#[derive(Deserialize)]
struct RegisterBody {
    email: Option<serde_json::Value>,
}

pub struct Register<M, C> {
    config: ManagementFunctionConfig,
    api: M,
    limiter: RateLimiter<C>,
    audit: Audit,
}

impl<M: ManagementApi, C: CounterStore> Register<M, C> {
    pub fn new(config: ManagementFunctionConfig, api: M, counters: C) -> Self {
        Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            api,
            limiter: RateLimiter::new(counters),
        }
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        match self.register(request, now).await {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    async fn register(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        // A malformed request is refused before anything is counted: junk must not use up
        // the limits of the people who share a client address.
        check_front_door(request, &self.config.app)?;
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let body: RegisterBody = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
            AuthError::BadRequest(
                "the body must be a JSON object such as {\"email\":\"you@example.com\"}".into(),
            )
        })?;
        let raw = match body.email {
            Some(serde_json::Value::String(raw)) => raw,
            Some(_) => return Err(AuthError::BadRequest("email must be a string".into())),
            None => return Err(AuthError::BadRequest("email is required".into())),
        };
        let address = email::normalize(&raw).map_err(AuthError::InvalidEmail)?;

        let client = client_address(request, &self.config.app);
        let mailbox = email::mailbox_key(&address);
        let subject = || Subject {
            user: Some(&mailbox),
            client: Some(&client),
            ..Subject::default()
        };
        for (limit, key) in [
            (&REGISTER_PER_CLIENT, &client),
            (&REGISTER_PER_ADDRESS, &mailbox),
        ] {
            if let Err(error) = self.limiter.enforce(limit, key, now).await {
                self.audit
                    .record(event::REGISTER, Outcome::Limited, limit.name, subject());
                return Err(error);
            }
        }

        let created = self.api.create_identity(&address).await?;
        let found = self.api.find_identity(&address).await?;
        let identity = match (created, found) {
            (NewIdentity::Created(id), _) => id,
            (NewIdentity::Exists, Some(id)) => id,
            (NewIdentity::Exists, None) => return Err(AuthError::UpstreamUnavailable),
        };
        let redirect = self
            .config
            .management
            .authenticator
            .after_enrolment(&self.config.app.origin_str());
        self.api
            .create_binding_job(&identity, Delivery::Email, &redirect)
            .await?;
        self.audit
            .record(event::REGISTER, Outcome::Succeeded, "", subject());
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            json!({"ok": true, "message": ACCEPTED_MESSAGE}),
        ))
    }
}
