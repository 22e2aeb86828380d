//! The signed-in user's passkeys, through Beyond Identity's management API:
//!
//! - `POST /api/auth/bind-job`: a RETURN credential binding job for the session's
//!   identity, answered as `{"credential_binding_link"}` for the page to bind a passkey
//!   on this device;
//! - `GET /api/auth/passkeys`: the identity's credentials (`id`, `state`, created and
//!   updated);
//! - `POST /api/auth/passkeys/revoke {"id"[, "confirm"]}`: revokes one of them at Beyond
//!   Identity, so that it can no longer sign in. Revoking the last active passkey needs
//!   `"confirm": true` (409 `confirmation_required` otherwise): without one the user can
//!   only get back in through a new enrolment email.
//!
//! Adding and revoking need a recent sign-in (401 `reauthentication_required`): a stolen
//! session cookie must not be able to bind the thief's own passkey, or remove the
//! owner's. The session's `sub` is the Beyond Identity identity id (the application's
//! default subject field, `id`), so a user can only ever name their own identity; a
//! credential id that is not theirs is 404.

use lambda_http::Request;
use lambda_http::http::{Method, StatusCode};

use super::AccountRoutes;
use crate::error::AuthError;
use crate::events::What;
use crate::http::ratelimit::{BIND_JOBS_PER_USER, CounterStore};
use crate::http::{Reply, action_body, check_json_post, client_address};
use crate::management::{Credential, Delivery, ManagementApi, ManagementError};
use crate::routes::answers::{AccountPasskey, BindingLink, PasskeyList, PasskeyRevoked};
use crate::routes::{recently_signed_in, signed_in};
use crate::session::SessionStore;
use crate::telemetry::audit::{Outcome, Subject, event};

pub const BIND_JOB_PATH: &str = "/api/auth/bind-job";
pub const PASSKEYS_PATH: &str = "/api/auth/passkeys";
pub const REVOKE_PASSKEY_PATH: &str = "/api/auth/passkeys/revoke";

fn account_passkey(credential: &Credential) -> AccountPasskey {
    AccountPasskey {
        id: credential.id.clone(),
        state: credential.state.clone(),
        created_at: credential.create_time.clone(),
        updated_at: credential.update_time.clone(),
    }
}

impl<M: ManagementApi, S: SessionStore + CounterStore + Clone> AccountRoutes<M, S> {
    pub(super) async fn bind_job(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let (_, session) = recently_signed_in(&self.sessions, request, now).await?;
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
            &BindingLink {
                credential_binding_link: link,
            },
        ))
    }

    pub(super) async fn list(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Err(AuthError::MethodNotAllowed { allowed: "GET" });
        }
        let (_, session) = signed_in(&self.sessions, request, now).await?;
        let credentials = self.api.list_credentials(&session.user.subject).await?;
        let passkeys = credentials.iter().map(account_passkey).collect();
        Ok(Reply::json(StatusCode::OK, &PasskeyList { passkeys }))
    }

    pub(super) async fn revoke(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let body = action_body(request)?;
        let (current, session) = recently_signed_in(&self.sessions, request, now).await?;
        let identity = &session.user.subject;
        // The user's own list decides: an id that is not among it is 404, whoever's it is.
        let credentials = self.api.list_credentials(identity).await?;
        let target = credentials
            .iter()
            .find(|c| c.id == body.id)
            .ok_or(AuthError::NotFound)?;
        // Revoked already (as /device does for a passkey a new one replaced, which the
        // user may have revoked first): the same answer, and nothing asked of Beyond
        // Identity, whose answer to a second revoke is not documented.
        if !target.is_active() {
            return Ok(Reply::json(
                StatusCode::OK,
                &PasskeyRevoked {
                    ok: true,
                    passkey: account_passkey(target),
                },
            ));
        }
        let others_active = credentials
            .iter()
            .any(|c| c.id != target.id && c.is_active());
        if !others_active && !body.confirm {
            return Err(AuthError::ConfirmationRequired(
                "this is your last passkey: after revoking it you can sign in again only \
                 through a new enrolment email; send \"confirm\": true to go ahead",
            ));
        }
        let revoked = match self.api.revoke_credential(identity, &target.id).await {
            Ok(revoked) => revoked,
            Err(ManagementError::NotFound) => return Err(AuthError::NotFound),
            Err(error) => return Err(error.into()),
        };
        let what = What::PasskeyRevoked {
            passkey: revoked.id.clone(),
        };
        self.events
            .publish_one(&session.user.subject, what, now)
            .await;
        let user = session.user.key();
        self.audit.record(
            event::PASSKEY_REVOKED,
            Outcome::Succeeded,
            "",
            Subject {
                user: Some(&user),
                session: Some(current.as_str()),
                client: Some(&client_address(request, &self.config.app)),
            },
        );
        Ok(Reply::json(
            StatusCode::OK,
            &PasskeyRevoked {
                ok: true,
                passkey: account_passkey(&revoked),
            },
        ))
    }
}
