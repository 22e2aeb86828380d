//! The OpenID Connect client: discovery on first use, the authorization URL, the code
//! exchange and a complete ID-token check, on the `openidconnect` crate.
//!
//! What `openidconnect` leaves to the application is done here: the provider's keys are
//! cached with the rules of [`crate::oidc::jwks`] (an unknown `kid` is fetched for at once, and
//! a set older than ten minutes is fetched again, so rotations work and removed keys
//! stop being trusted in a warm container); `exp` gets a
//! documented clock-skew allowance and `iat` a bound; only asymmetric algorithms the
//! provider advertises are accepted; and the HTTP client follows no redirects and has
//! connect and total timeouts.
//!
//! Name and email come from the ID token when it has them, and otherwise from the
//! provider's userinfo endpoint (with the access token), whose `sub` must be the ID
//! token's. Beyond Identity's ID token carries only the subject: its guides map the name
//! and email from `sub`, and its userinfo endpoint documents `name`,
//! `preferred_username` and `email` (docs/real-beyond-identity.md has the evidence).

use std::future::Future;

use url::Url;

use crate::error::AuthError;
use crate::oidc::flow::Flow;
use crate::oidc::logout_token::LogoutClaims;
use crate::session::User;

pub mod authorization_params;
mod client;
mod discovery;
mod errors;
pub mod flow;
pub mod jwks;
pub mod jws;
pub mod logout_token;
mod provider_session;
mod verify;

pub use client::{OidcClient, http_client};
pub use discovery::ExtraMetadata;
pub use verify::id_token_verifier;

/// What the callback needs from an OpenID provider. [`OidcClient`] is the real one.
pub trait IdentityProvider: Send + Sync {
    /// Where to send the browser to sign in for this flow.
    fn authorization_url(&self, flow: &Flow)
    -> impl Future<Output = Result<Url, AuthError>> + Send;
    /// Whether the provider promises the RFC 9207 `iss` parameter (so its absence is an error).
    fn sends_iss_parameter(&self) -> impl Future<Output = Result<bool, AuthError>> + Send;
    /// Exchanges the code (with the flow's PKCE verifier) and verifies the ID token
    /// (with the flow's nonce). The only call that reaches the token endpoint.
    fn redeem(
        &self,
        code: &str,
        flow: &Flow,
    ) -> impl Future<Output = Result<Redeemed, AuthError>> + Send;
    /// Verifies a back-channel logout token ([`crate::oidc::logout_token`]) with the provider's keys.
    fn verify_logout_token(
        &self,
        token: &str,
        now: i64,
    ) -> impl Future<Output = Result<LogoutClaims, AuthError>> + Send;
}

impl<T: IdentityProvider> IdentityProvider for std::sync::Arc<T> {
    fn authorization_url(
        &self,
        flow: &Flow,
    ) -> impl Future<Output = Result<Url, AuthError>> + Send {
        (**self).authorization_url(flow)
    }
    fn sends_iss_parameter(&self) -> impl Future<Output = Result<bool, AuthError>> + Send {
        (**self).sends_iss_parameter()
    }
    fn redeem(
        &self,
        code: &str,
        flow: &Flow,
    ) -> impl Future<Output = Result<Redeemed, AuthError>> + Send {
        (**self).redeem(code, flow)
    }
    fn verify_logout_token(
        &self,
        token: &str,
        now: i64,
    ) -> impl Future<Output = Result<LogoutClaims, AuthError>> + Send {
        (**self).verify_logout_token(token, now)
    }
}

/// A verified sign-in: the user, and the provider's session when the ID token names one
/// (`sid`, OpenID Connect Front-/Back-Channel Logout), for a back-channel logout of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    pub user: User,
    /// When the user authenticated at the provider (`auth_time`), if it says.
    pub auth_time: Option<i64>,
    pub provider_sid: Option<String>,
    /// Where the browser ends the provider's session at sign-out (RP-Initiated Logout),
    /// when the provider has an `end_session_endpoint`: kept with the session on the
    /// server, so that the ID token it carries as `id_token_hint` never reaches the browser
    /// before sign-out.
    pub logout_url: Option<String>,
}
