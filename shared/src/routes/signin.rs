//! `GET /api/auth/signin?callbackUrl=/path[&intent=reauthenticate|end-other-sessions]`:
//! starts a sign-in.
//!
//! A fresh `state`, `nonce` and PKCE verifier are sealed into the flow cookie together
//! with the (same-origin) return path, the issuer, client and redirect URI they are for,
//! and the sign-in's [`Intent`]; the browser is sent to the provider's authorization
//! endpoint. A return path that would make the cookie too large to come back becomes `/`.
//!
//! A step-up (`intent`) asks the provider for a new ceremony (`max_age=0`). Ending the
//! other sessions changes more than this browser, so a page of another site must not be
//! able to start it: when the browser says where the navigation came from
//! (`Sec-Fetch-Site`, sent by every current browser), it must be this origin.
//!
//! Each client address may start [`SIGN_IN_PER_CLIENT`] sign-ins a minute, counted once
//! the request is found well-formed. Past it, or when the counter cannot be reached, the
//! browser is sent to the error page (`?error=rate_limited`, `?error=session_store_unavailable`):
//! a person clicked "Sign in" and reads a page, not a JSON body.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

use crate::config::SignInConfig;
use crate::error::AuthError;
use crate::http::ratelimit::{CounterStore, RateLimiter, SIGN_IN_PER_CLIENT, client_subject};
use crate::http::{
    Reply, check_front_door, client_address, safe_callback_url, set_cookie, single_query,
};
use crate::oidc::IdentityProvider;
use crate::oidc::flow::{FLOW_COOKIE, FLOW_TTL, Flow, FlowError, FlowSealer, Intent};
use crate::routes::random_value;
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

pub struct SignIn<P, C> {
    config: SignInConfig,
    provider: P,
    sealer: FlowSealer,
    limiter: RateLimiter<C>,
    audit: Audit,
}

impl<P: IdentityProvider, C: CounterStore> SignIn<P, C> {
    pub fn new(config: SignInConfig, provider: P, counters: C) -> Result<Self, AuthError> {
        let sealer = FlowSealer::new(&config.flow.secret).map_err(|_| AuthError::Internal)?;
        Ok(Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            provider,
            sealer,
            limiter: RateLimiter::new(counters),
        })
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        match self.start(request, now).await {
            Ok(reply) => reply,
            Err(error @ (AuthError::RateLimited { .. } | AuthError::StoreUnavailable)) => {
                Reply::error_page(&error, &self.config.app.pages)
            }
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    async fn start(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Err(AuthError::MethodNotAllowed { allowed: "GET" });
        }
        check_front_door(request, &self.config.app)?;
        let query = single_query(request)?;
        let intent = Intent::parse(query.get("intent").map(String::as_str)).ok_or_else(|| {
            AuthError::BadRequest("intent must be reauthenticate or end-other-sessions".into())
        })?;
        if intent == Intent::EndOtherSessions && !same_origin_navigation(request) {
            return Err(AuthError::ForeignOrigin);
        }
        let client = client_address(request, &self.config.app);
        if let Err(error) = self
            .limiter
            .enforce(&SIGN_IN_PER_CLIENT, &client_subject(&client), now)
            .await
        {
            if let AuthError::RateLimited { .. } = error {
                let subject = Subject {
                    client: Some(&client),
                    ..Subject::default()
                };
                self.audit.record(
                    event::SIGN_IN,
                    Outcome::Limited,
                    SIGN_IN_PER_CLIENT.name,
                    subject,
                );
            }
            return Err(error);
        }
        let mut flow = Flow {
            state: random_value()?,
            nonce: random_value()?,
            pkce_verifier: random_value()?,
            callback_url: safe_callback_url(
                query.get("callbackUrl").map(String::as_str),
                &self.config.app.origin,
                &self.config.app.pages.landing,
            ),
            issuer: self.config.provider.issuer.clone(),
            client_id: self.config.provider.client_id.clone(),
            redirect_uri: self.config.app.redirect_uri(),
            created_at: now,
            intent,
        };
        // A return path too long for the cookie falls back to the landing page now,
        // rather than a cookie the callback would refuse after the user has authenticated.
        let sealed = match self.sealer.seal(&flow) {
            Err(FlowError::TooLarge) => {
                flow.callback_url.clone_from(&self.config.app.pages.landing);
                self.sealer.seal(&flow)
            }
            sealed => sealed,
        }
        .map_err(|_| AuthError::Internal)?;
        let authorize = self.provider.authorization_url(&flow).await?;
        Ok(Reply::found(authorize.as_str()).cookie(set_cookie(
            FLOW_COOKIE,
            &sealed,
            FLOW_TTL.as_secs(),
        )))
    }
}

/// Whether the browser did not say that this navigation came from another site: its
/// `Sec-Fetch-Site` is `same-origin`, or it sent none (a browser too old to).
fn same_origin_navigation(request: &Request) -> bool {
    let mut sent = request.headers().get_all("sec-fetch-site").iter();
    match (sent.next(), sent.next()) {
        (None, _) => true,
        (Some(site), None) => site.as_bytes() == b"same-origin",
        (Some(_), Some(_)) => false,
    }
}
