//! `POST /api/auth/register {"email"}`: an identity and an enrolment email.
//!
//! The address is normalised and validated, rate-limited per client address and per
//! address, then: create the identity (or, on 409, find it with the username filter),
//! and create an EMAIL credential binding job. The answer is the same 202 whether the
//! address was new or known, and both paths make the same three calls (create, find,
//! job), so neither the body nor the timing tells anyone who has an account.

use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;

use crate::config::{AppConfig, ManagementFunctionConfig};
use crate::email;
use crate::error::AuthError;
use crate::http::{Reply, check_front_door, check_json_post};
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
}

/// The caller's address, never a value the client controls. Behind CloudFront (the
/// request carried its secret header, so `app.origin_secret` is set and was checked) it is
/// `CloudFront-Viewer-Address`, without its port; otherwise the request context's source
/// IP for an HTTP API, a Function URL or a REST API, and for an ALB, which has none, the
/// last `X-Forwarded-For` entry (the one the load balancer added).
pub fn client_address(request: &Request, app: &AppConfig) -> String {
    if app.origin_secret.is_some()
        && let Some(viewer) = request
            .headers()
            .get("cloudfront-viewer-address")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit_once(':'))
            .map(|(address, _port)| address.trim_matches(['[', ']']).to_owned())
            .filter(|address| !address.is_empty())
    {
        return viewer;
    }
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        Some(RequestContext::Alb(_)) => request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty()),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}

impl<M: ManagementApi, C: CounterStore> Register<M, C> {
    pub fn new(config: ManagementFunctionConfig, api: M, counters: C) -> Self {
        Self {
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

        self.limiter
            .enforce(
                &REGISTER_PER_CLIENT,
                &client_address(request, &self.config.app),
                now,
            )
            .await?;
        self.limiter
            .enforce(&REGISTER_PER_ADDRESS, &email::mailbox_key(&address), now)
            .await?;

        let created = self.api.create_identity(&address).await?;
        let found = self.api.find_identity(&address).await?;
        let identity = match (created, found) {
            (NewIdentity::Created(id), _) => id,
            (NewIdentity::Exists, Some(id)) => id,
            (NewIdentity::Exists, None) => return Err(AuthError::UpstreamUnavailable),
        };
        let redirect = format!("{}/", self.config.app.origin_str());
        self.api
            .create_binding_job(&identity, Delivery::Email, &redirect)
            .await?;
        tracing::info!("enrolment email requested");
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            json!({"ok": true, "message": ACCEPTED_MESSAGE}),
        ))
    }
}
