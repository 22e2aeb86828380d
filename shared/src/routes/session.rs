//! `GET /api/auth/session` and `POST /api/auth/signout`, forward auth's `GET
//! /api/auth/verify` ([`crate::routes::forward_auth`]), and the user's own sessions:
//! `GET /api/auth/sessions`, `POST /api/auth/sessions/revoke {"id"}` and `POST
//! /api/auth/signout-everywhere` (both of which need a recent sign-in to end a session
//! other than the current one).
//!
//! Ending a session deletes its item, so the session check's one consistent read finds
//! nothing on the very next request; the hourly activity write is conditional on the
//! item existing and cannot bring it back. Signing out everywhere first records the time
//! in the user's item, which voids any sign-in that began earlier and is still under
//! way, then deletes every session the user's item and the index name
//! ([`crate::session::SessionStore`]).
//!
//! The session answer has NextAuth's shape: `{"user":{"id","name","email","image":null},
//! "expires":"<RFC 3339>"}` when signed in and `false` when not (the answer both of
//! next-auth's clients read as signed out: [`SignedOut`]). next-auth's `update()`
//! (`POST /api/auth/session`) and `signOut()` (a form posted to `/api/auth/signout`) are
//! answered here too ([`crate::routes::nextauth`]). A cookie that is no token
//! at all is cleared; one whose session has ended is left alone (`session` says why).
//! When the store cannot be reached the answer is 503, never a guess.

use chrono::{DateTime, SecondsFormat};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::config::AppConfig;
use crate::error::AuthError;
use crate::events::{EndReason, Events, What};
use crate::http::csrf_token::{self, CSRF_FIELD};
use crate::http::{
    CookieValue, Reply, action_body, check_front_door, check_json_post, clear_cookie,
    client_address, cookie, route_path, safe_callback_url,
};
use crate::routes::answers::{
    Done, Ended, ListedSession, SessionAnswer, SessionList, SessionUser, SignedOut, SignedOutAnswer,
};
use crate::routes::forward_auth::{VERIFY_PATH, verify};
use crate::routes::nextauth::{self, Answer};
use crate::routes::{recently_signed_in, signed_in};
use crate::session::{SESSION_COOKIE, Session, SessionId, SessionStore, SessionToken, Sessions};
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

pub const SESSION_PATH: &str = "/api/auth/session";
pub const SIGNOUT_PATH: &str = "/api/auth/signout";
pub const SESSIONS_PATH: &str = "/api/auth/sessions";
pub const REVOKE_SESSION_PATH: &str = "/api/auth/sessions/revoke";
pub const SIGNOUT_EVERYWHERE_PATH: &str = "/api/auth/signout-everywhere";

pub struct SessionRoutes<S> {
    config: AppConfig,
    sessions: Sessions<S>,
    audit: Audit,
    events: Events,
}

fn rfc3339(at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One entry of the user's list: never the token or its key.
fn listed_session(id: &SessionId, session: &Session, current: &SessionId) -> ListedSession {
    ListedSession {
        id: id.public_id(),
        device: crate::session::device::device_of(&session.client),
        network: session.client.network.clone(),
        created_at: rfc3339(session.created_at),
        last_seen_at: rfc3339(session.last_seen_at),
        current: id == current,
    }
}

/// The NextAuth session object.
pub fn session_answer(session: &Session) -> SessionAnswer {
    SessionAnswer {
        user: SessionUser {
            id: session.user.subject.clone(),
            name: session.user.name.clone(),
            email: session.user.email.clone(),
            image: (),
        },
        expires: rfc3339(session.expires_at()),
    }
}

impl<S: SessionStore> SessionRoutes<S> {
    pub fn new(config: AppConfig, sessions: Sessions<S>) -> Self {
        Self {
            audit: Audit::new(config.audit_key.as_ref()),
            config,
            sessions,
            events: Events::off(),
        }
    }

    /// Publishes sign-outs and ended sessions to the team's app ([`crate::events`]).
    pub fn with_events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let result = match (check_front_door(request, &self.config), route_path(request)) {
            (Err(error), _) => Err(error),
            (Ok(()), SESSION_PATH) if request.method() == Method::POST => {
                self.update(request, now).await
            }
            (Ok(()), SESSION_PATH) => self.session(request, now).await,
            (Ok(()), VERIFY_PATH) => verify(&self.config, &self.sessions, request, now).await,
            (Ok(()), SIGNOUT_PATH) if nextauth::is_form(request) => {
                return self.next_auth_sign_out(request, now).await.into_response();
            }
            (Ok(()), SIGNOUT_PATH) => self.sign_out(request, now).await,
            (Ok(()), SESSIONS_PATH) => self.list(request, now).await,
            (Ok(()), REVOKE_SESSION_PATH) => self.revoke(request, now).await,
            (Ok(()), SIGNOUT_EVERYWHERE_PATH) => self.sign_out_everywhere(request, now).await,
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
            return Err(AuthError::MethodNotAllowed {
                allowed: "GET, POST",
            });
        }
        self.current(request, now).await
    }

    /// `POST /api/auth/session {"csrfToken","data"}`: next-auth's `update(data)`. The
    /// session holds what the provider said and nothing a browser sends, so `data` is not
    /// stored; the answer is the session as it is, as `GET` gives it.
    async fn update(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.origin_str(), "GET, POST")?;
        let body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(request.body().as_ref()).map_err(|_| {
                AuthError::BadRequest(
                    "the body must be a JSON object such as {\"csrfToken\":\"…\"}".into(),
                )
            })?;
        let token = body.get(CSRF_FIELD).and_then(serde_json::Value::as_str);
        csrf_token::check(request.headers(), token)?;
        self.current(request, now).await
    }

    /// The session answer: NextAuth's session object, or `false`.
    async fn current(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        // A token that has ended leaves the cookie alone: the answer cannot know which
        // token the browser holds by the time it arrives (a sign-in may have replaced it
        // meanwhile, or a client checks that its old token is dead), and a `Set-Cookie`
        // that clears the name would delete the new session's cookie. An ended token is
        // worthless where it is. Only a value that is no token at all is cleared.
        let signed_out = || Reply::json(StatusCode::OK, &SignedOut::ANSWER);
        match cookie(request.headers(), SESSION_COOKIE) {
            CookieValue::Absent | CookieValue::Several => Ok(signed_out()),
            CookieValue::One(value) if SessionToken::parse(&value).is_none() => {
                Ok(signed_out().cookie(clear_cookie(SESSION_COOKIE)))
            }
            CookieValue::One(value) => match self.sessions.resolve(&value, now).await? {
                Some(session) => Ok(Reply::json(StatusCode::OK, &session_answer(&session))),
                None => Ok(signed_out()),
            },
        }
    }

    /// `POST /api/auth/signout`: ends this browser's session. When the provider has an
    /// `end_session_endpoint` (OpenID RP-Initiated Logout), the answer says where the
    /// browser goes next to end the provider's session too: `{"ok":true,"redirect":…}`;
    /// otherwise sign-out is local (Beyond Identity advertises none).
    async fn sign_out(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.origin_str(), "POST")?;
        let redirect = self.end_browser_session(request, now).await?;
        let body = SignedOutAnswer { ok: true, redirect };
        Ok(Reply::json(StatusCode::OK, &body).cookie(clear_cookie(SESSION_COOKIE)))
    }

    /// next-auth's `signOut()`: a form with `csrfToken` and `callbackUrl`. The session
    /// ends exactly as above; the browser goes to the provider's logout when there is
    /// one, else to `callbackUrl` (on this origin; else the landing page).
    async fn next_auth_sign_out(&self, request: &Request, now: i64) -> Reply {
        let answer = Answer::of(request);
        let signed_out = async {
            let form = nextauth::read_form(request, &self.config)?;
            let redirect = self.end_browser_session(request, now).await?;
            Ok::<_, AuthError>(redirect.unwrap_or_else(|| {
                let path = safe_callback_url(
                    form.get("callbackUrl").map(String::as_str),
                    &self.config.origin,
                    &self.config.pages.landing,
                );
                format!("{}{path}", self.config.origin_str())
            }))
        };
        match signed_out.await {
            Ok(url) => answer.go(url).cookie(clear_cookie(SESSION_COOKIE)),
            Err(error) => answer.refuse(&error, &self.config),
        }
    }

    /// Ends the session of the browser's cookie, if it sent one: the provider's logout
    /// URL for it, when the provider has one.
    async fn end_browser_session(
        &self,
        request: &Request,
        now: i64,
    ) -> Result<Option<String>, AuthError> {
        let CookieValue::One(value) = cookie(request.headers(), SESSION_COOKIE) else {
            return Ok(None);
        };
        let ended = self.sessions.end(&value).await?;
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
        let Some(ended) = ended else {
            return Ok(None);
        };
        if let Some(id) = session {
            let what = What::SignedOut {
                session: id.public_id(),
            };
            self.events
                .publish_one(&ended.user.subject, what, now)
                .await;
        }
        Ok(ended.provider_logout_url)
    }

    /// A succeeded audit event of the signed-in user, from this session.
    fn record(&self, name: &str, request: &Request, session: &Session, current: &SessionId) {
        let user = session.user.key();
        self.audit.record(
            name,
            Outcome::Succeeded,
            "",
            Subject {
                user: Some(&user),
                session: Some(current.as_str()),
                client: Some(&client_address(request, &self.config)),
            },
        );
    }

    /// `GET /api/auth/sessions`: the user's live sessions, most recently used first.
    async fn list(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Err(AuthError::MethodNotAllowed { allowed: "GET" });
        }
        let (current, session) = signed_in(&self.sessions, request, now).await?;
        let listed = self.sessions.list(&session.user, now).await?;
        let sessions = listed
            .iter()
            .map(|(id, session)| listed_session(id, session, &current))
            .collect();
        Ok(Reply::json(StatusCode::OK, &SessionList { sessions }))
    }

    /// `POST /api/auth/sessions/revoke {"id"}`: ends one of the user's own sessions; an
    /// id the user has no session by (another user's included) is 404. Ending another
    /// session needs a recent sign-in: someone holding a copied cookie must not be able to
    /// end each new session of the owner in a loop (the owner's way that always wins is a
    /// sign-in with `intent=end-other-sessions`). Ending this one is signing out.
    async fn revoke(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.origin_str(), "POST")?;
        let body = action_body(request)?;
        let (current, session) = signed_in(&self.sessions, request, now).await?;
        if current.public_id() != body.id
            && !session.is_recent(self.sessions.config().recent_sign_in, now)
        {
            return Err(AuthError::ReauthenticationRequired);
        }
        let ended = self.sessions.revoke(&session.user, &body.id, now).await?;
        if !ended {
            return Err(AuthError::NotFound);
        }
        self.record(event::SESSION_REVOKED, request, &session, &current);
        let what = if current.public_id() == body.id {
            What::SignedOut { session: body.id }
        } else {
            What::SessionsEnded {
                reason: EndReason::Revoked,
                count: 1,
                session: Some(body.id),
            }
        };
        let signed_out = matches!(what, What::SignedOut { .. });
        self.events
            .publish_one(&session.user.subject, what, now)
            .await;
        let reply = Reply::json(StatusCode::OK, &Done::ok());
        Ok(if signed_out {
            reply.cookie(clear_cookie(SESSION_COOKIE))
        } else {
            reply
        })
    }

    /// `POST /api/auth/signout-everywhere`: ends every session of the user, this one too.
    async fn sign_out_everywhere(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.origin_str(), "POST")?;
        let (current, session) = recently_signed_in(&self.sessions, request, now).await?;
        let ended = self.sessions.revoke_all(&session.user, now).await?;
        self.record(event::SIGN_OUT_EVERYWHERE, request, &session, &current);
        let what = What::SessionsEnded {
            reason: EndReason::SignedOutEverywhere,
            count: ended,
            session: None,
        };
        self.events
            .publish_one(&session.user.subject, what, now)
            .await;
        Ok(Reply::json(StatusCode::OK, &Ended { ok: true, ended })
            .cookie(clear_cookie(SESSION_COOKIE)))
    }
}
