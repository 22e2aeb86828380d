//! `GET /api/auth/callback/beyondidentity?code&state[&iss]`: finishes a sign-in.
//!
//! Everything that can be checked without the network is checked first, and any
//! failure ends the flow with nothing sent to the token endpoint: the flow cookie must
//! be present, sealed by us, under ten minutes old and made for this issuer, client
//! and redirect URI; `state` must match it; an `iss` parameter must be our issuer
//! exactly (RFC 9207), and must be present if the provider promises it; a provider
//! `error` ends here; the client address is counted against [`CALLBACK_PER_CLIENT`]
//! (a forged or replayed callback costs nothing until then, and nothing beyond the count
//! after); a flow already used is refused. Only then is the code exchanged
//! and the ID token verified. A step-up sign-in (one a sensitive action asked for) must
//! be a new ceremony: an `auth_time` older than the flow is refused. A new session
//! replaces every one the browser presented, unless the user signed out everywhere after
//! this sign-in began; a sign-in started to end the other sessions ends every session of
//! the user first, so the new one is the only one left. The flow cookie is cleared
//! whatever happens. Errors go to the error page as `?error=<code>`; every outcome is an
//! audit event.

use aws_lc_rs::constant_time;
use lambda_http::http::Method;
use lambda_http::http::header::USER_AGENT;
use lambda_http::{Body, Request, Response};

use crate::config::SignInConfig;
use crate::error::AuthError;
use crate::events::{EndReason, Event, Events, What};
use crate::http::ratelimit::{CALLBACK_PER_CLIENT, CounterStore, RateLimiter, client_subject};
use crate::http::{
    CookieValue, Reply, check_front_door, clear_cookie, client_address, cookie, cookie_values,
    set_cookie, single_query,
};
use crate::oidc::IdentityProvider;
use crate::oidc::flow::{FLOW_COOKIE, FLOW_TTL, Flow, FlowError, FlowSealer, Intent};
use crate::session::device::ClientInfo;
use crate::session::{
    Authenticated, SESSION_COOKIE, Session, SessionStore, SessionToken, Sessions,
};
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

pub struct Callback<P, S, C> {
    config: SignInConfig,
    provider: P,
    sessions: Sessions<S>,
    sealer: FlowSealer,
    limiter: RateLimiter<C>,
    audit: Audit,
    events: Events,
}

/// A finished sign-in: the answer, and who signed in to which session (for the audit).
struct SignedIn {
    reply: Reply,
    user: String,
    session: String,
    /// How many other sessions it ended (`Intent::EndOtherSessions`).
    ended_others: Option<usize>,
    /// What the team's app hears of it.
    events: Vec<Event>,
}

impl<P: IdentityProvider, S: SessionStore, C: CounterStore> Callback<P, S, C> {
    pub fn new(
        config: SignInConfig,
        provider: P,
        sessions: Sessions<S>,
        counters: C,
    ) -> Result<Self, AuthError> {
        let sealer = FlowSealer::new(&config.flow.secret).map_err(|_| AuthError::Internal)?;
        Ok(Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            provider,
            sessions,
            sealer,
            limiter: RateLimiter::new(counters),
            events: Events::off(),
        })
    }

    /// Publishes the sign-ins (and sign-ups) to the team's app ([`crate::events`]).
    pub fn with_events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let client = client_address(request, &self.config.app);
        let result = self.finish(request, now).await;
        let (outcome, reason, user, session) = match &result {
            Ok(signed_in) => (
                Outcome::Succeeded,
                "",
                Some(signed_in.user.as_str()),
                Some(signed_in.session.as_str()),
            ),
            Err(AuthError::RateLimited { .. }) => {
                (Outcome::Limited, CALLBACK_PER_CLIENT.name, None, None)
            }
            Err(error) => (Outcome::Refused, error.code(), None, None),
        };
        let subject = Subject {
            user,
            session,
            client: Some(&client),
        };
        self.audit.record(event::SIGN_IN, outcome, reason, subject);
        if let Ok(SignedIn {
            ended_others: Some(_),
            ..
        }) = &result
        {
            self.audit
                .record(event::SIGN_OUT_EVERYWHERE, Outcome::Succeeded, "", subject);
        }
        let reply = match result {
            Ok(signed_in) => {
                self.events.publish(signed_in.events).await;
                signed_in.reply
            }
            Err(error @ (AuthError::MethodNotAllowed { .. } | AuthError::DirectAccess)) => {
                Reply::error(&error)
            }
            Err(error) => Reply::error_page(&error, &self.config.app.pages),
        };
        reply.cookie(clear_cookie(FLOW_COOKIE)).into_response()
    }

    async fn finish(&self, request: &Request, now: i64) -> Result<SignedIn, AuthError> {
        check_front_door(request, &self.config.app)?;
        if request.method() != Method::GET {
            return Err(AuthError::MethodNotAllowed { allowed: "GET" });
        }
        let query = single_query(request)?;
        let flow = self.open_flow(request, now)?;

        // The flow must be this configuration's: an old cookie from before a change of
        // provider or client must not be redeemed against the new one.
        let expected_redirect = self.config.app.redirect_uri();
        if flow.issuer != self.config.provider.issuer
            || flow.client_id != self.config.provider.client_id
            || flow.redirect_uri != expected_redirect
        {
            return Err(AuthError::FlowMismatch);
        }

        let state = query.get("state").map(String::as_str).unwrap_or_default();
        if constant_time::verify_slices_are_equal(state.as_bytes(), flow.state.as_bytes()).is_err()
        {
            return Err(AuthError::StateMismatch);
        }

        match query.get("iss") {
            Some(iss) if *iss != self.config.provider.issuer => {
                return Err(AuthError::IssuerMismatch);
            }
            Some(_) => {}
            None if self.provider.sends_iss_parameter().await? => {
                return Err(AuthError::IssuerMismatch);
            }
            None => {}
        }

        if let Some(error) = query.get("error") {
            return Err(AuthError::ProviderDenied(sanitize(error)));
        }
        let code = query
            .get("code")
            .filter(|c| !c.is_empty())
            .ok_or(AuthError::MissingCode)?;

        let client = client_address(request, &self.config.app);
        self.limiter
            .enforce(&CALLBACK_PER_CLIENT, &client_subject(&client), now)
            .await?;

        // Single use on the server too: a flow cookie replayed from elsewhere (it is
        // valid for ten minutes) finds its state already claimed.
        let flow_expires = flow.created_at + FLOW_TTL.as_secs() as i64;
        let first_use = self.sessions.claim_flow(&flow.state, flow_expires).await?;
        if !first_use {
            return Err(AuthError::ReplayedFlow);
        }

        let redeemed = self.provider.redeem(code, &flow).await?;

        // A step-up must be a new ceremony: when the provider says when the user
        // authenticated, that must not be before this sign-in began.
        if !flow.fresh_enough(redeemed.auth_time) {
            return Err(AuthError::StaleAuthentication);
        }

        // A new session on every sign-in; every one this browser presented ends (a
        // cookie sent twice is no reason to keep either alive).
        for old in cookie_values(request.headers(), SESSION_COOKIE) {
            self.sessions.end(&old).await?;
        }
        let user_key = redeemed.user.key();
        let authenticated = Authenticated {
            user: redeemed.user,
            client: ClientInfo::new(
                request
                    .headers()
                    .get(USER_AGENT)
                    .and_then(|v| v.to_str().ok()),
                &client,
            ),
            provider_sid: redeemed.provider_sid,
            provider_logout_url: redeemed.logout_url,
            auth_time: redeemed.auth_time,
        };
        // Asked for to end the other sessions: all of them end before the new one exists,
        // so no request made with another session's cookie can end it.
        let ended_others = if flow.intent == Intent::EndOtherSessions {
            let ended = self
                .sessions
                .revoke_all_for_sign_in(&authenticated.user, flow.created_at, now)
                .await?;
            Some(ended)
        } else {
            None
        };
        // Refused if the user signed out everywhere after this sign-in began.
        let (token, session) = self
            .sessions
            .start(authenticated, flow.created_at, now)
            .await?
            .ok_or(AuthError::SignInSuperseded)?;
        // The session cookie first: where a front door can carry only one Set-Cookie (an
        // ALB without multi-value headers), it is the one that arrives.
        let reply = Reply::see_other(flow.callback_url).cookie(set_cookie(
            SESSION_COOKIE,
            token.as_cookie_value(),
            self.sessions.cookie_max_age(&session, now),
        ));
        let events = self
            .what_happened(&session, &token, flow.intent, ended_others, now)
            .await;
        Ok(SignedIn {
            reply,
            user: user_key,
            session: token.id().as_str().to_owned(),
            ended_others,
            events,
        })
    }

    /// The events of a sign-in: the other sessions it ended, the identity's first
    /// sign-in, the sign-in. Whether it is the first is one conditional write, made
    /// whether events are on or not, so that turning them on later misses no sign-up; it
    /// cannot fail the sign-in, which is done.
    async fn what_happened(
        &self,
        session: &Session,
        token: &SessionToken,
        intent: Intent,
        ended_others: Option<usize>,
        now: i64,
    ) -> Vec<Event> {
        let user = &session.user;
        let mut events = Vec::new();
        if let Some(count) = ended_others {
            let reason = EndReason::OtherSessionsEnded;
            let what = What::SessionsEnded {
                reason,
                count,
                session: None,
            };
            events.push(Event::new(&user.subject, what, now));
        }
        match self.sessions.first_sign_in(user).await {
            Ok(true) => {
                let (email, name) = (user.email.clone(), user.name.clone());
                events.push(Event::new(
                    &user.subject,
                    What::SignedUp { email, name },
                    now,
                ));
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "whether this is a first sign-in is unknown"),
        }
        let signed_in = What::SignedIn {
            session: token.id().public_id(),
            email: user.email.clone(),
            name: user.name.clone(),
            step_up: intent != Intent::SignIn,
        };
        events.push(Event::new(&user.subject, signed_in, now));
        events
    }

    fn open_flow(&self, request: &Request, now: i64) -> Result<Flow, AuthError> {
        match cookie(request.headers(), FLOW_COOKIE) {
            CookieValue::Absent => Err(AuthError::MissingFlow),
            CookieValue::Several => Err(AuthError::InvalidFlow),
            CookieValue::One(sealed) => self.sealer.open(&sealed, now).map_err(|e| match e {
                FlowError::Expired | FlowError::Invalid | FlowError::Seal | FlowError::TooLarge => {
                    AuthError::InvalidFlow
                }
            }),
        }
    }
}

/// An OAuth error code from the provider, kept to its grammar (RFC 6749 §4.1.2.1).
fn sanitize(error: &str) -> String {
    error
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn provider_error_codes_keep_only_their_grammar() {
        assert_eq!(sanitize("access_denied"), "access_denied");
        assert_eq!(sanitize("login_required<script>"), "login_requiredscript");
        assert_eq!(sanitize("a b\n\u{202e}c"), "abc");
        assert_eq!(sanitize(&"x".repeat(100)).len(), 64);
    }
}
