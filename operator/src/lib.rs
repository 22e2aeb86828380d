//! The operator's command, `passkey-auth` (`src/main.rs`): what it does, as a library its
//! tests call directly.
//!
//! - [`tenant`]: checks a Beyond Identity tenant against the `.env` and sets up what the
//!   app needs in it (`tenant check`, `tenant setup`);
//! - [`sessions`]: a user's sessions, listed and revoked for incident response
//!   (`sessions list`, `sessions revoke`);
//! - [`account`]: a user's account deleted (`account delete`).

pub mod account;
pub mod sessions;
pub mod tenant;
