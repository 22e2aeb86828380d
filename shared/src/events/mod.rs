//! Events for the team's app (docs/events.md): what happened to an account, published to
//! an Amazon EventBridge bus (`AUTH_EVENT_BUS`; off without it) for the team's own rules
//! to route to a Lambda function, a queue or an HTTP destination.
//!
//! Every event is `source` [`SOURCE`], `detail-type` its [`What::name`], and a detail of
//! schema version [`VERSION`]: `version`, `id` (unique; a consumer may see an event twice
//! and drops the second), `time` (RFC 3339), `type`, `user` (`id`: the `sub` at the
//! provider, the session answer's `user.id`), and the fields of its type. Never a token, code, cookie or
//! key: a session is named by the public id the account page shows.
//!
//! Publishing ([`Events::publish`]) comes after the work it reports, never before, and
//! never fails or delays that work by more than [`PUBLISH_BUDGET`]: an event that could
//! not be published is logged (`error` = `event_not_published`, which the stack counts
//! and alarms on), not retried.

pub mod eventbridge;

pub use eventbridge::{Events, PUBLISH_BUDGET};

use serde::Serialize;

/// The `source` of every event.
pub const SOURCE: &str = "passkey-auth";
/// The detail's schema version: a field added keeps it, a field removed or changed in
/// meaning makes the next.
pub const VERSION: u32 = 1;

/// Why sessions ended (`session.ended`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The user ended one from the account page (or an operator did).
    Revoked,
    /// "Sign out everywhere" (or an operator's `--all`).
    SignedOutEverywhere,
    /// A sign-in that ends every other session (`intent=end-other-sessions`).
    OtherSessionsEnded,
    /// The provider's back-channel logout.
    ProviderLogout,
}

/// What happened: the type and its own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum What {
    /// The first sign-in of an identity.
    #[serde(rename = "user.signed_up")]
    SignedUp {
        email: Option<String>,
        name: Option<String>,
    },
    /// A new session.
    #[serde(rename = "user.signed_in")]
    SignedIn {
        session: String,
        email: Option<String>,
        name: Option<String>,
        /// A fresh sign-in a sensitive action asked for.
        step_up: bool,
    },
    /// The user signed out of this session.
    #[serde(rename = "user.signed_out")]
    SignedOut { session: String },
    /// Sessions ended otherwise than by signing out (`session` when it was one, named).
    #[serde(rename = "session.ended")]
    SessionsEnded {
        reason: EndReason,
        count: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        session: Option<String>,
    },
    /// A passkey was bound to the identity (its credential id at Beyond Identity).
    #[serde(rename = "passkey.added")]
    PasskeyAdded { passkey: String },
    /// A passkey was revoked at Beyond Identity.
    #[serde(rename = "passkey.revoked")]
    PasskeyRevoked { passkey: String },
    /// The account's address changed (to this one).
    #[serde(rename = "user.address_changed")]
    AddressChanged { email: String },
    /// The account was deleted: its identity, passkeys and sessions are gone.
    #[serde(rename = "user.deleted")]
    AccountDeleted { sessions_ended: usize },
}

impl What {
    /// The type, which is also the EventBridge `detail-type`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignedUp { .. } => "user.signed_up",
            Self::SignedIn { .. } => "user.signed_in",
            Self::SignedOut { .. } => "user.signed_out",
            Self::SessionsEnded { .. } => "session.ended",
            Self::PasskeyAdded { .. } => "passkey.added",
            Self::PasskeyRevoked { .. } => "passkey.revoked",
            Self::AddressChanged { .. } => "user.address_changed",
            Self::AccountDeleted { .. } => "user.deleted",
        }
    }
}

/// The user an event is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventUser {
    /// The `sub` at the provider (with Beyond Identity, the identity id): the `user.id`
    /// of the session answer.
    pub id: String,
}

/// One event, as its detail is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub version: u32,
    pub id: String,
    pub time: String,
    pub user: EventUser,
    #[serde(flatten)]
    pub what: What,
}

impl Event {
    /// An event about the user whose `sub` is `user` at `now` (epoch seconds), with a
    /// new random id.
    pub fn new(user: &str, what: What, now: i64) -> Self {
        let mut bytes = [0u8; 16];
        // A failed draw leaves zeros: the id is for deduplication, not security, and
        // EventBridge gives each entry its own id as well.
        let _ = aws_lc_rs::rand::fill(&mut bytes);
        Self {
            version: VERSION,
            id: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            time: chrono::DateTime::from_timestamp(now, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            user: EventUser {
                id: user.to_owned(),
            },
            what,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const USER: &str = "e85de356dc78843a";

    #[test]
    fn an_event_is_its_version_id_time_type_user_and_fields() {
        let event = Event::new(
            USER,
            What::SignedIn {
                session: "0123456789abcdef0123456789abcdef".into(),
                email: Some("ada@example.com".into()),
                name: None,
                step_up: false,
            },
            1_796_608_871,
        );
        let mut detail = serde_json::to_value(&event).expect("json");
        let id = detail["id"].take();
        assert_eq!(id.as_str().map(str::len), Some(32));
        assert_eq!(
            detail,
            json!({
                "version": 1,
                "id": null,
                "time": "2026-12-07T02:01:11Z",
                "type": "user.signed_in",
                "user": {"id": "e85de356dc78843a"},
                "session": "0123456789abcdef0123456789abcdef",
                "email": "ada@example.com",
                "name": null,
                "step_up": false,
            })
        );
        assert_ne!(
            Event::new(USER, What::AccountDeleted { sessions_ended: 0 }, 0).id,
            Event::new(USER, What::AccountDeleted { sessions_ended: 0 }, 0).id
        );
    }

    #[test]
    fn every_type_is_named_as_it_is_written() {
        let all = [
            What::SignedUp {
                email: None,
                name: None,
            },
            What::SignedIn {
                session: "s".into(),
                email: None,
                name: None,
                step_up: true,
            },
            What::SignedOut {
                session: "s".into(),
            },
            What::SessionsEnded {
                reason: EndReason::ProviderLogout,
                count: 2,
                session: None,
            },
            What::PasskeyAdded {
                passkey: "p".into(),
            },
            What::PasskeyRevoked {
                passkey: "p".into(),
            },
            What::AddressChanged {
                email: "new@example.com".into(),
            },
            What::AccountDeleted { sessions_ended: 1 },
        ];
        let mut names = std::collections::HashSet::new();
        for what in all {
            let written = serde_json::to_value(Event::new(USER, what.clone(), 0)).expect("json");
            assert_eq!(written["type"], what.name());
            assert!(names.insert(what.name()));
        }
        let ended = serde_json::to_value(What::SessionsEnded {
            reason: EndReason::OtherSessionsEnded,
            count: 3,
            session: None,
        })
        .expect("json");
        assert_eq!(
            ended,
            json!({"type": "session.ended", "reason": "other_sessions_ended", "count": 3})
        );
    }
}
