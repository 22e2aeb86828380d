//! `POST /api/auth/backchannel-logout`: the OpenID Connect Back-Channel Logout 1.0
//! receiver (served by the `callback` function, which holds the provider's keys).
//!
//! The provider posts `logout_token=<JWT>` (`application/x-www-form-urlencoded`) when a
//! user's session there ends. The token is verified as [`crate::oidc::logout_token`] describes, its
//! `jti` is claimed in the table so that it works once, and the sessions it names end:
//! by `sid` (the provider session the sign-in recorded from the ID token), by `sub` (every
//! session of that user), or both. Each is refused on its very next request, as after any
//! revocation. `200 {"ok":true,"ended":n}` when the token is valid (also when it names no
//! session here: there is nothing left to end, and the provider must not retry); `400
//! invalid_request` for an invalid, replayed or missing token; `503` when the table
//! cannot be reached (the provider may retry). Every outcome is an audit event.
//!
//! To register it, give the provider `<AUTH_URL>/api/auth/backchannel-logout` as the
//! client's `backchannel_logout_uri` (and `backchannel_logout_session_required` if it
//! should always send `sid`).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::config::SignInConfig;
use crate::error::AuthError;
use crate::events::{EndReason, Event, Events, What};
use crate::http::{FORM, Reply, check_front_door, client_address, has_media_type};
use crate::oidc::IdentityProvider;
use crate::oidc::logout_token::MAX_LOGOUT_TOKEN;
use crate::routes::answers::Ended;
use crate::session::{SessionStore, Sessions};
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

pub const BACKCHANNEL_LOGOUT_PATH: &str = "/api/auth/backchannel-logout";

pub struct BackchannelLogout<P, S> {
    config: SignInConfig,
    provider: P,
    sessions: Sessions<S>,
    audit: Audit,
    events: Events,
}

impl<P: IdentityProvider, S: SessionStore> BackchannelLogout<P, S> {
    pub fn new(config: SignInConfig, provider: P, sessions: Sessions<S>) -> Self {
        Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            provider,
            sessions,
            events: Events::off(),
        }
    }

    /// Publishes the sessions a provider's logout ended ([`crate::events`]).
    pub fn with_events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let result = self.receive(request, now).await;
        let client = client_address(request, &self.config.app);
        let (outcome, reason) = match &result {
            Ok(_) => (Outcome::Succeeded, ""),
            Err(error) => (Outcome::Refused, error.code()),
        };
        self.audit.record(
            event::BACKCHANNEL_LOGOUT,
            outcome,
            reason,
            Subject {
                client: Some(&client),
                ..Subject::default()
            },
        );
        match result {
            Ok(ended) => Reply::json(StatusCode::OK, &Ended { ok: true, ended }),
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    async fn receive(&self, request: &Request, now: i64) -> Result<usize, AuthError> {
        check_front_door(request, &self.config.app)?;
        if request.method() != Method::POST {
            return Err(AuthError::MethodNotAllowed { allowed: "POST" });
        }
        if !has_media_type(request, FORM) {
            return Err(AuthError::UnsupportedMediaType { expected: FORM });
        }
        // The token, its name and a little room; nothing else is read.
        let limit = MAX_LOGOUT_TOKEN + 64;
        if request.body().len() > limit {
            return Err(AuthError::BodyTooLarge { limit });
        }
        let mut tokens = url::form_urlencoded::parse(request.body().as_ref())
            .filter(|(name, _)| name == "logout_token")
            .map(|(_, value)| value);
        let token = match (tokens.next(), tokens.next()) {
            (Some(token), None) => token,
            (None, _) => return Err(AuthError::InvalidLogoutToken("logout_token is missing")),
            (Some(_), Some(_)) => {
                return Err(AuthError::InvalidLogoutToken(
                    "logout_token appears more than once",
                ));
            }
        };
        let claims = self.provider.verify_logout_token(&token, now).await?;
        let issuer = &self.config.provider.issuer;
        let first_use = self
            .sessions
            .claim_logout_token(issuer, &claims.jti, claims.expires_at)
            .await?;
        if !first_use {
            return Err(AuthError::InvalidLogoutToken(
                "this logout token was already used",
            ));
        }
        let ended = self
            .sessions
            .end_provider_session(
                issuer,
                claims.subject.as_deref(),
                claims.sid.as_deref(),
                now,
            )
            .await?;
        let events = ended
            .iter()
            .map(|(user, count)| {
                let reason = EndReason::ProviderLogout;
                let what = What::SessionsEnded {
                    reason,
                    count: *count,
                    session: None,
                };
                Event::new(&user.subject, what, now)
            })
            .collect();
        self.events.publish(events).await;
        Ok(ended.iter().map(|(_, count)| count).sum())
    }
}
