//! A change of the account's address: the user asks for a new one, a link sent to it
//! confirms it, and then the identity at Beyond Identity, the sessions and the team's app
//! all have the new one, and the old one gets a notice (docs/account.md).
//!
//! - `POST /api/auth/account/address {"email"}` (recent sign-in): unless another identity
//!   has the address as its username, holds the change (one hour, under a hash of a new
//!   256-bit token) and mails the link to the new address. The answer is the same `202`
//!   either way, and comes no sooner than [`ANSWER_FLOOR`] after the request began: it
//!   tells no one who has an account. Limited per user and per mailbox.
//! - `POST /api/auth/account/address/confirm {"token"}` (signed in as the user who asked):
//!   takes the change (a link works once), moves the identity from the old address to the
//!   new one (`UpdateIdentity`; only if its username is still the old one), has every live
//!   session show the new one, mails the old one a notice, `{"ok":true,"email"}`.
//!
//! The link is the product's own mail ([`crate::mail`]), not Beyond Identity's: every
//! Beyond Identity email is a link that binds a passkey to an account, which must never
//! go to an address not yet proven (a typo would hand a stranger the account). The link
//! grants nothing by itself: it needs the user's own session too.

use std::time::Duration;

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Deserialize;

use super::AccountRoutes;
use crate::account::AddressChange;
use crate::email;
use crate::error::AuthError;
use crate::events::What;
use crate::http::ratelimit::{ADDRESS_CHANGES_PER_ADDRESS, ADDRESS_CHANGES_PER_USER, CounterStore};
use crate::http::{Reply, check_json_post, client_address};
use crate::mail::Mailer;
use crate::management::{AddressChanged, ManagementApi};
use crate::routes::answers::{AddressConfirmed, AddressRequested};
use crate::routes::{recently_signed_in, signed_in};
use crate::session::{SessionStore, User};
use crate::telemetry::audit::{Outcome, Subject, event};

pub const ADDRESS_PATH: &str = "/api/auth/account/address";
pub const CONFIRM_ADDRESS_PATH: &str = "/api/auth/account/address/confirm";
/// The query of the account page that carries a confirmation link's token.
pub const CONFIRM_QUERY: &str = "confirm-address";
/// How long a confirmation link works.
const LINK_LIFETIME: i64 = 3600;
/// The soonest an accepted request answers, counted from its start: above what asking
/// Beyond Identity and SES takes, so that an address another account has (no mail sent)
/// answers when a free one does.
pub const ANSWER_FLOOR: Duration = Duration::from_secs(1);
/// A token is 43 characters; nothing longer is read.
const MAX_TOKEN: usize = 64;

pub const ASKED_MESSAGE: &str = "If this address can be used, an email with a link to confirm it is on its way. \
     Open it within an hour, in a browser where you are signed in.";

#[derive(Deserialize)]
struct AddressBody {
    email: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ConfirmBody {
    token: Option<serde_json::Value>,
}

impl<M: ManagementApi, S: SessionStore + CounterStore + Clone> AccountRoutes<M, S> {
    pub(super) async fn ask_for_address(
        &self,
        request: &Request,
        now: i64,
    ) -> Result<Reply, AuthError> {
        let started = tokio::time::Instant::now();
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        // No mail, no change of address: the route is not there.
        let mailer = self.mailer.as_ref().ok_or(AuthError::NotFound)?;
        let body: AddressBody = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
            AuthError::BadRequest(
                "the body must be a JSON object such as {\"email\":\"you@example.com\"}".into(),
            )
        })?;
        let raw = match body.email {
            Some(serde_json::Value::String(raw)) => raw,
            _ => return Err(AuthError::BadRequest("email must be a string".into())),
        };
        let new = email::normalize(&raw).map_err(AuthError::InvalidEmail)?;
        let (current, session) = recently_signed_in(&self.sessions, request, now).await?;
        let user = &session.user;
        let old = user.email.as_deref().unwrap_or_default().to_lowercase();
        if new == old {
            return Err(AuthError::BadRequest(
                "this is already your account's address".into(),
            ));
        }
        let key = user.key();
        let client = client_address(request, &self.config.app);
        let subject = || Subject {
            user: Some(&key),
            session: Some(current.as_str()),
            client: Some(&client),
        };
        for (limit, counted) in [
            (&ADDRESS_CHANGES_PER_USER, key.clone()),
            (&ADDRESS_CHANGES_PER_ADDRESS, email::mailbox_key(&new)),
        ] {
            if let Err(error) = self.limiter.enforce(limit, &counted, now).await {
                self.audit.record(
                    event::ADDRESS_CHANGE_ASKED,
                    Outcome::Limited,
                    limit.name,
                    subject(),
                );
                return Err(error);
            }
        }
        let sent = self.send_confirmation(mailer, user, old, new, now).await;
        // Whichever way it went, and however fast: not before the floor.
        tokio::time::sleep_until(started + self.answer_floor).await;
        sent?;
        self.audit.record(
            event::ADDRESS_CHANGE_ASKED,
            Outcome::Succeeded,
            "",
            subject(),
        );
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            &AddressRequested {
                ok: true,
                message: ASKED_MESSAGE.to_owned(),
            },
        ))
    }

    /// Holds the change and mails its link to the new address, unless another identity
    /// has that address: then nothing is held and no one is written to (docs/account.md,
    /// "An address another account has").
    async fn send_confirmation(
        &self,
        mailer: &Mailer,
        user: &User,
        old: String,
        new: String,
        now: i64,
    ) -> Result<(), AuthError> {
        if self.api.find_identity(&new).await?.is_some() {
            return Ok(());
        }
        let token = crate::random_value()?;
        let link = format!(
            "{}{}?{CONFIRM_QUERY}={token}",
            self.config.app.origin_str(),
            self.config.app.pages.account
        );
        let change = AddressChange {
            user: user.clone(),
            old,
            new,
        };
        self.sessions
            .hold_address_change(&token, &change, now + LINK_LIFETIME)
            .await?;
        let text = format!(
            "Someone, we hope you, asked to use this address for their account at {origin}.\n\n\
             To confirm it, open this link within an hour, in a browser where you are signed \
             in to that account:\n\n{link}\n\n\
             If it was not you, ignore this email: nothing changes without the link.\n",
            origin = self.config.app.origin_str(),
        );
        mailer
            .send(&change.new, "Confirm your new address", &text)
            .await
            .map_err(|error| {
                tracing::error!(%error, "the confirmation email could not be sent");
                AuthError::MailUnavailable
            })
    }

    pub(super) async fn confirm_address(
        &self,
        request: &Request,
        now: i64,
    ) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let mailer = self.mailer.as_ref().ok_or(AuthError::NotFound)?;
        let body: ConfirmBody = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
            AuthError::BadRequest("the body must be a JSON object such as {\"token\":\"…\"}".into())
        })?;
        let token = match body.token {
            Some(serde_json::Value::String(token)) if token.len() <= MAX_TOKEN => token,
            _ => return Err(AuthError::LinkExpired),
        };
        let (current, session) = signed_in(&self.sessions, request, now).await?;
        let change = self
            .sessions
            .take_address_change(&token, now)
            .await?
            .ok_or(AuthError::LinkExpired)?;
        if change.user.key() != session.user.key() {
            return Err(AuthError::WrongAccount);
        }
        match self
            .api
            .change_address(&change.user.subject, &change.old, &change.new)
            .await?
        {
            AddressChanged::Changed => {}
            AddressChanged::Taken => return Err(AuthError::AddressTaken),
            AddressChanged::Moved => return Err(AuthError::AddressMoved),
        }
        self.sessions
            .show_email(&session.user, &change.old, &change.new, now)
            .await?;
        self.notify_old_address(mailer, &change).await;
        let what = What::AddressChanged {
            email: change.new.clone(),
        };
        self.events
            .publish_one(&session.user.subject, what, now)
            .await;
        let key = session.user.key();
        self.audit.record(
            event::ADDRESS_CHANGED,
            Outcome::Succeeded,
            "",
            Subject {
                user: Some(&key),
                session: Some(current.as_str()),
                client: Some(&client_address(request, &self.config.app)),
            },
        );
        Ok(Reply::json(
            StatusCode::OK,
            &AddressConfirmed {
                ok: true,
                email: change.new,
            },
        ))
    }

    /// Tells the address the account left: if someone else did it, its owner learns of it
    /// there. A notice that cannot be sent is logged; the change stands.
    async fn notify_old_address(&self, mailer: &Mailer, change: &AddressChange) {
        if change.old.is_empty() {
            return;
        }
        let account = format!(
            "{}{}",
            self.config.app.origin_str(),
            self.config.app.pages.account
        );
        let text = format!(
            "The address of your account at {origin} is now {new} instead of this one.\n\n\
             Your passkeys sign you in as before. If you did not make this change, sign in \
             at {account}, end the sessions and revoke the passkeys you do not know, and \
             change the address back.\n",
            origin = self.config.app.origin_str(),
            new = change.new,
        );
        if let Err(error) = mailer
            .send(&change.old, "Your account's address was changed", &text)
            .await
        {
            tracing::error!(%error, "the notice to the old address could not be sent");
        }
    }
}
