//! Passkey sign-in with Beyond Identity (or any OpenID provider) for Rust functions on
//! AWS Lambda: configuration, the OIDC client, the flow cookie, DynamoDB sessions and
//! the HTTP helpers, with the routes built from them.
//!
//! # Reading the signed-in user in your own function
//!
//! [`SessionReader::user`] is what `getServerSession` is in NextAuth: give it the
//! request, get the user or `None`. It never answers "signed in" by mistake: an
//! unknown, expired, revoked or malformed cookie is `None`, and a session store that
//! cannot be reached is an error, not a guess.
//!
//! ```no_run
//! use lambda_http::{Body, Error, Request, Response, service_fn};
//! use passkey_auth::{AppConfig, Env, SessionReader};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let config = AppConfig::load(&Env::from_process())?;
//!     let reader = SessionReader::from_config(&config).await?;
//!     lambda_http::run(service_fn(|request: Request| {
//!         let reader = &reader;
//!         async move {
//!             let body = match reader.user(&request).await {
//!                 Ok(Some(user)) => format!("hello, {}", user.name.unwrap_or(user.subject)),
//!                 Ok(None) => "please sign in".to_owned(),
//!                 Err(_) => "try again shortly".to_owned(),
//!             };
//!             Ok::<_, Error>(Response::new(Body::from(body)))
//!         }
//!     }))
//!     .await
//! }
//! ```

pub mod account;
pub mod config;
pub mod email;
pub mod error;
pub mod events;
pub mod http;
pub mod mail;
pub mod management;
pub mod oidc;
pub mod outbound;
pub mod routes;
pub mod session;
pub mod store;
pub mod telemetry;

pub use config::{
    AccountOperatorConfig, AppConfig, ConfigError, Env, ManagementFunctionConfig, OperatorConfig,
    ProviderConfig, SessionConfig, SignInConfig,
};
pub use error::AuthError;
pub use routes::reader::SessionReader;
pub use session::{Session, SessionStore, Sessions, User};

/// 32 random bytes, base64url: a `state`, a `nonce` or a PKCE verifier (43 characters,
/// within RFC 7636's 43–128), a CSRF token.
pub(crate) fn random_value() -> Result<String, AuthError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AuthError::Internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
