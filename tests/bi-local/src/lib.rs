//! `bi-local`: an offline stand-in for the Beyond Identity cloud.
//!
//! It serves two hosts, as Beyond Identity does: the **auth host** (per-application
//! OpenID Connect provider: discovery, JWKS, `/authorize`, `/token`, `/userinfo`, and the
//! links of credential binding jobs) and the **API host** (the management API:
//! identities, credential binding jobs, credentials). Paths, JSON shapes, ids,
//! timestamps and error bodies follow Beyond Identity's documentation and OpenAPI file.
//!
//! Emulator-only endpoints live under `{auth}/_emulator/`: the outbox of enrolment
//! emails, the `bind` and `authenticate` calls the browser SDK stand-in makes, fault
//! injection, key rotation, token expiry and reset. See `README.md` beside this crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bi_local::StartError> {
//! let bi = bi_local::BiLocal::start(bi_local::Options::default()).await?;
//! let settings = bi.settings();
//! println!("{}", settings.env_lines());
//! assert!(bi.outbox().is_empty());
//! bi.stop().await;
//! # Ok(()) }
//! ```

mod api;
mod bearer;
mod binding;
mod cloud;
mod emulator;
mod errors;
mod faults;
mod hosted;
/// The emulator's signing keys; public for the ID-token micro-benchmark of `make bench`.
pub mod keys;
mod model;
mod oidc;
mod options;
mod pages;
mod random;
pub mod sdk;
mod seed;
mod server;
mod settings;
mod store;
mod tenant_api;
mod tls;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;

pub use faults::{Fault, Flaw, Target};
pub use model::{Email, Invocation};
pub use options::{Authenticator, CALLBACK_PATH, DEFAULT_APP_ORIGIN, Options};
pub use seed::MANAGEMENT_SCOPES;
pub use server::{BiLocal, StartError};
pub use settings::{Cloud, Settings};

use model::{Application, State};
use store::Store;

/// Everything the request handlers share.
pub(crate) struct Ctx {
    pub store: Store,
    pub auth_base: String,
    pub api_base: String,
    /// The auth and API hosts as the browser SDK is told them, in binding links, the
    /// `/bind` redirect and sign-in requests: the local addresses, or Beyond Identity's
    /// own names when the real SDK is served ([`Options::cloud_addr`]).
    pub sdk_auth_base: String,
    pub sdk_api_base: String,
    pub faults: Mutex<Vec<Fault>>,
    /// [`Options::id_token_claims`].
    pub id_token_claims: bool,
    /// [`Options::id_token_sid`].
    pub id_token_sid: bool,
    /// [`Options::end_session`].
    pub end_session: bool,
    /// The subjects whose provider session ended at the end-session endpoint, in order.
    pub logouts: Mutex<Vec<String>>,
    /// [`Options::iss_parameter`].
    pub iss_parameter: bool,
    /// [`Options::issuer_trailing_slash`].
    pub issuer_trailing_slash: bool,
    /// Nanoseconds spent answering requests, both hosts together ([`BiLocal::busy`]).
    pub busy: Arc<AtomicU64>,
}

impl Ctx {
    /// The application's issuer, with a trailing `/` when [`Options::issuer_trailing_slash`]
    /// asks for one (the endpoints hang off it without the slash either way).
    pub fn issuer(&self, state: &State, app: &Application) -> String {
        format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}{}",
            self.auth_base,
            state.tenant_id,
            app.realm_id,
            app.id,
            if self.issuer_trailing_slash { "/" } else { "" }
        )
    }

    /// Applies the first fault rule for `target`: waits, and returns the status to
    /// answer with instead, if any.
    pub async fn fault(&self, target: Target) -> Option<(StatusCode, Option<u64>)> {
        let fault = {
            let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
            faults::take(&mut faults, target)?
        };
        if let Some(ms) = fault.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let status = StatusCode::from_u16(fault.status?).ok()?;
        Some((status, fault.retry_after))
    }

    pub fn take_flaws(&self, target: Target) -> Vec<Flaw> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults::take_flaws(&mut faults, target)
    }
}
