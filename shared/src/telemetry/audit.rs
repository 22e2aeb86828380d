//! Audit events: one log line per security event, with a stable schema (docs/security.md,
//! "Audit events"), so that who signed in, out, registered or was refused can be read
//! and counted (the stack's metric filters and alarms count them).
//!
//! Every line is `message: "audit"` with the fields `audit` (the event), `outcome`
//! (`succeeded`, `refused` or `limited`), `reason` (the error code or the limit's name),
//! `user`, `session` and `client`. The last three are keyed hashes (HMAC-SHA256 under
//! `AUDIT_KEY`, 16 bytes in hex): the same user, session or address gives the same value
//! in every function, and none can be read back without the key. No secret, token, code,
//! cookie or address ever appears in the clear. An empty string means "not applicable".
//! Lambda adds the request id (the runtime's span carries it).

use aws_lc_rs::hmac;

use crate::config::secret::Secret;

/// The events.
pub mod event {
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_OUT: &str = "sign_out";
    pub const REGISTER: &str = "register";
    pub const BINDING_LINK: &str = "binding_link";
    pub const SESSION_REVOKED: &str = "session_revoked";
    pub const SIGN_OUT_EVERYWHERE: &str = "sign_out_everywhere";
    pub const PASSKEY_REVOKED: &str = "passkey_revoked";
    pub const BACKCHANNEL_LOGOUT: &str = "backchannel_logout";
    pub const ACCOUNT_DELETED: &str = "account_deleted";
    pub const ADDRESS_CHANGE_ASKED: &str = "address_change_asked";
    pub const ADDRESS_CHANGED: &str = "address_changed";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Refused,
    Limited,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Refused => "refused",
            Self::Limited => "limited",
        }
    }
}

/// What one event is about; each value is hashed before it is logged.
#[derive(Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The user (`iss sub`, or for a registration the mailbox).
    pub user: Option<&'a str>,
    /// The session (its stored id).
    pub session: Option<&'a str>,
    /// The client address.
    pub client: Option<&'a str>,
}

pub struct Audit {
    key: hmac::Key,
}

impl Audit {
    /// Keyed by `AUDIT_KEY`, or without one (development) by a key made at cold start, so
    /// hashes still link the events of one process but no two processes.
    pub fn new(key: Option<&Secret>) -> Self {
        let key = match key {
            Some(secret) => hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes()),
            None => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| {
                    hmac::Key::new(hmac::HMAC_SHA256, b"no random bytes: events still link")
                })
            }
        };
        Self { key }
    }

    /// The keyed hash of a value, as it appears in the logs.
    pub fn pseudonym(&self, value: &str) -> String {
        passkey_verifier::hex::lower(&hmac::sign(&self.key, value.as_bytes()).as_ref()[..16])
    }

    pub fn record(&self, audit: &str, outcome: Outcome, reason: &str, subject: Subject<'_>) {
        let hash = |value: Option<&str>| value.map(|v| self.pseudonym(v)).unwrap_or_default();
        tracing::info!(
            audit,
            outcome = outcome.as_str(),
            reason,
            user = hash(subject.user),
            session = hash(subject.session),
            client = hash(subject.client),
            "audit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_stable_and_unreadable() {
        let a = Audit::new(Some(&Secret::new("k".repeat(32))));
        let b = Audit::new(Some(&Secret::new("k".repeat(32))));
        let other = Audit::new(Some(&Secret::new("j".repeat(32))));
        let value = "ada@example.com";
        assert_eq!(
            a.pseudonym(value),
            b.pseudonym(value),
            "one key, one pseudonym"
        );
        assert_ne!(
            a.pseudonym(value),
            other.pseudonym(value),
            "another key, another"
        );
        assert_ne!(a.pseudonym(value), a.pseudonym("bob@example.com"));
        assert_eq!(a.pseudonym(value).len(), 32);
        assert!(!a.pseudonym(value).contains("ada"));
    }
}
