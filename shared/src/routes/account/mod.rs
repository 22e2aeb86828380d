//! The account's routes, which the `bind-job` function serves: they hold the management
//! API's credentials, so that no other function does.
//!
//! - the user's passkeys ([`passkeys`]): add one, list them, revoke one;
//! - the account itself: change its address ([`address`]), delete it ([`deletion`]).
//!
//! All need a live session (401 otherwise), and every change a recent sign-in.

pub mod address;
pub mod deletion;
pub mod passkeys;

use std::time::Duration;

use lambda_http::{Body, Request, Response};

use crate::config::ManagementFunctionConfig;
use crate::error::AuthError;
use crate::events::Events;
use crate::http::ratelimit::{CounterStore, RateLimiter};
use crate::http::{Reply, check_front_door, route_path};
use crate::mail::Mailer;
use crate::management::ManagementApi;
use crate::session::{SessionStore, Sessions};
use crate::telemetry::audit::Audit;

pub struct AccountRoutes<M, S> {
    config: ManagementFunctionConfig,
    api: M,
    sessions: Sessions<S>,
    limiter: RateLimiter<S>,
    audit: Audit,
    events: Events,
    mailer: Option<Mailer>,
    answer_floor: Duration,
}

impl<M: ManagementApi, S: SessionStore + CounterStore + Clone> AccountRoutes<M, S> {
    pub fn new(config: ManagementFunctionConfig, api: M, store: S) -> Self {
        Self {
            sessions: Sessions::new(store.clone(), config.app.sessions.clone()),
            limiter: RateLimiter::new(store),
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            api,
            events: Events::off(),
            mailer: None,
            answer_floor: address::ANSWER_FLOOR,
        }
    }

    /// Sends the product's own mail ([`crate::mail`]): without it, no change of address.
    pub fn with_mailer(mut self, mailer: Option<Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Another floor than [`address::ANSWER_FLOOR`] (the tests keep theirs short).
    pub fn with_answer_floor(mut self, floor: Duration) -> Self {
        self.answer_floor = floor;
        self
    }

    /// Publishes revoked passkeys and deleted accounts ([`crate::events`]).
    pub fn with_events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let result = match (
            check_front_door(request, &self.config.app),
            route_path(request),
        ) {
            (Err(error), _) => Err(error),
            (Ok(()), passkeys::BIND_JOB_PATH) => self.bind_job(request, now).await,
            (Ok(()), passkeys::PASSKEYS_PATH) => self.list(request, now).await,
            (Ok(()), passkeys::REVOKE_PASSKEY_PATH) => self.revoke(request, now).await,
            (Ok(()), address::ADDRESS_PATH) => self.ask_for_address(request, now).await,
            (Ok(()), address::CONFIRM_ADDRESS_PATH) => self.confirm_address(request, now).await,
            (Ok(()), deletion::DELETE_ACCOUNT_PATH) => self.delete_account(request, now).await,
            (Ok(()), _) => Err(AuthError::NotFound),
        };
        match result {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }
}
