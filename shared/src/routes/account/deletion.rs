//! `POST /api/auth/account/delete`: the signed-in user deletes their account
//! ([`crate::account::delete_account`]: every session ends, the user's items leave the
//! table, the identity and its passkeys leave Beyond Identity), answered `{"ok":true}`
//! with the session cookie cleared.
//!
//! A recent sign-in is needed (401 `reauthentication_required`), as for every change to
//! the account. When Beyond Identity fails after the sessions have ended, the answer is
//! its error (502, 503 or 504), the cookie cleared too: the user is signed out, the
//! identity may remain, and signing in again and deleting once more completes it.

use lambda_http::Request;
use lambda_http::http::StatusCode;

use super::AccountRoutes;
use crate::account::{DeletionError, delete_account};
use crate::error::AuthError;
use crate::events::What;
use crate::http::ratelimit::CounterStore;
use crate::http::{Reply, check_json_post, clear_cookie, client_address};
use crate::management::ManagementApi;
use crate::routes::answers::Done;
use crate::routes::recently_signed_in;
use crate::session::{SESSION_COOKIE, SessionStore};
use crate::telemetry::audit::{Outcome, Subject, event};

pub const DELETE_ACCOUNT_PATH: &str = "/api/auth/account/delete";

impl<M: ManagementApi, S: SessionStore + CounterStore + Clone> AccountRoutes<M, S> {
    pub(super) async fn delete_account(
        &self,
        request: &Request,
        now: i64,
    ) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let (current, session) = recently_signed_in(&self.sessions, request, now).await?;
        let deleted = delete_account(&self.api, &self.sessions, &session.user, now).await;
        let user = session.user.key();
        let subject = Subject {
            user: Some(&user),
            session: Some(current.as_str()),
            client: Some(&client_address(request, &self.config.app)),
        };
        match deleted {
            Ok(deleted) => {
                self.audit
                    .record(event::ACCOUNT_DELETED, Outcome::Succeeded, "", subject);
                let what = What::AccountDeleted {
                    sessions_ended: deleted.sessions_ended,
                };
                self.events
                    .publish_one(&session.user.subject, what, now)
                    .await;
                Ok(Reply::json(StatusCode::OK, &Done::ok()).cookie(clear_cookie(SESSION_COOKIE)))
            }
            Err(DeletionError::Store(error)) => Err(error.into()),
            Err(DeletionError::Provider(error)) => {
                let error = AuthError::from(error);
                self.audit.record(
                    event::ACCOUNT_DELETED,
                    Outcome::Refused,
                    error.code(),
                    subject,
                );
                Ok(Reply::error(&error).cookie(clear_cookie(SESSION_COOKIE)))
            }
        }
    }
}
