//! The table's items as DynamoDB holds them: the session item, written at sign-in and
//! read by every session check, in both directions here so that the writer and the reader
//! cannot drift; the attribute values of every item; the error a failed call becomes.
//!
//! Session item: `pk` (`session#<hex sha256 of the token>`), `kind` = `session`,
//! `user_key` and `created_at` (the `by-user` index), `iss`, `sub`, `name`, `email`,
//! `last_seen_at`, `idle_expires_at`, `absolute_expires_at`, `authenticated_at`,
//! `user_agent`, `network`, `provider_sid`, `provider_logout_url`, and `expires_at` (the
//! table's TTL attribute: the earlier limit; TTL deletion is lazy, so expiry is also
//! checked in code on every read). Absent optional values are absent attributes. The other
//! items (user, provider session, counter, claim) are the sign-in functions' alone:
//! `passkey_auth::store::dynamo` describes them.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::{ClientInfo, Session, SessionId, StoreError, User};

/// The item that stores `session` under `id`.
pub fn session_item(id: &SessionId, session: &Session) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("pk".to_owned(), s(id.as_str())),
        ("kind".to_owned(), s("session")),
        ("user_key".to_owned(), s(&session.user.key())),
        ("iss".to_owned(), s(&session.user.issuer)),
        ("sub".to_owned(), s(&session.user.subject)),
        ("created_at".to_owned(), n(session.created_at)),
        ("last_seen_at".to_owned(), n(session.last_seen_at)),
        ("idle_expires_at".to_owned(), n(session.idle_expires_at)),
        (
            "absolute_expires_at".to_owned(),
            n(session.absolute_expires_at),
        ),
        ("authenticated_at".to_owned(), n(session.authenticated_at)),
        ("expires_at".to_owned(), n(session.expires_at())),
    ]);
    let optional = [
        ("name", &session.user.name),
        ("email", &session.user.email),
        ("user_agent", &session.client.user_agent),
        ("network", &session.client.network),
        ("provider_sid", &session.provider_sid),
        ("provider_logout_url", &session.provider_logout_url),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            item.insert(name.to_owned(), s(value));
        }
    }
    item
}

/// A failed DynamoDB call: DynamoDB's error code, message and request id when it answered
/// (never the raw answer, nor an item's values), the whole chain of causes when it did not
/// (no connection, a timeout).
pub fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + RequestId + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match error.as_service_error() {
        Some(service) => StoreError::Unavailable(format!(
            "DynamoDB answered {}: {} (request id {})",
            service.code().unwrap_or("an error without a code"),
            service.message().unwrap_or("no message"),
            service.request_id().unwrap_or("none"),
        )),
        None => StoreError::Unavailable(DisplayErrorContext(&error).to_string()),
    }
}

/// A DynamoDB request that could not be built: a field left out, a bug of ours.
pub fn unbuilt(error: BuildError) -> StoreError {
    StoreError::Unavailable(format!("a DynamoDB request could not be built: {error}"))
}

/// A session item as the table holds it; `None` for any other item or a malformed one.
pub fn session_from_item(item: &HashMap<String, AttributeValue>) -> Option<Session> {
    if read_s(item, "kind").as_deref() != Some("session") {
        return None;
    }
    Some(Session {
        user: User {
            issuer: read_s(item, "iss")?,
            subject: read_s(item, "sub")?,
            name: read_s(item, "name"),
            email: read_s(item, "email"),
        },
        created_at: read_n(item, "created_at")?,
        last_seen_at: read_n(item, "last_seen_at")?,
        idle_expires_at: read_n(item, "idle_expires_at")?,
        absolute_expires_at: read_n(item, "absolute_expires_at")?,
        // Sessions written before it was recorded authenticated when they were created.
        authenticated_at: read_n(item, "authenticated_at")
            .or_else(|| read_n(item, "created_at"))?,
        client: ClientInfo {
            user_agent: read_s(item, "user_agent"),
            network: read_s(item, "network"),
        },
        provider_sid: read_s(item, "provider_sid"),
        provider_logout_url: read_s(item, "provider_logout_url"),
    })
}

pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

pub fn read_n(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

pub fn read_s(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::SessionToken;

    fn text() -> impl Strategy<Value = String> {
        "[ -~]{1,40}"
    }

    fn session() -> impl Strategy<Value = Session> {
        (
            (
                text(),
                text(),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
            (
                0..i64::MAX / 4,
                0..100_000i64,
                0..100_000i64,
                0..100_000i64,
                0..100_000i64,
            ),
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
        )
            .prop_map(
                |((issuer, subject, name, email), (at, seen, idle, absolute, auth), rest)| {
                    let (user_agent, network, provider_sid, provider_logout_url) = rest;
                    Session {
                        user: User {
                            issuer,
                            subject,
                            name,
                            email,
                        },
                        created_at: at,
                        last_seen_at: at + seen,
                        idle_expires_at: at + idle,
                        absolute_expires_at: at + absolute,
                        authenticated_at: at - auth,
                        client: ClientInfo {
                            user_agent,
                            network,
                        },
                        provider_sid,
                        provider_logout_url,
                    }
                },
            )
    }

    proptest! {
        /// What sign-in writes, every session check reads back whole.
        #[test]
        fn a_session_item_reads_back_as_the_session_it_was_written_from(session in session()) {
            let id = SessionToken::generate().expect("a token").id();
            let item = session_item(&id, &session);
            prop_assert_eq!(session_from_item(&item), Some(session.clone()));
            prop_assert_eq!(read_s(&item, "pk"), Some(id.as_str().to_owned()));
            prop_assert_eq!(read_s(&item, "user_key"), Some(session.user.key()));
            prop_assert_eq!(read_n(&item, "expires_at"), Some(session.expires_at()));
        }
    }

    #[test]
    fn other_items_and_incomplete_ones_are_not_sessions() {
        let id = SessionToken::generate().expect("a token").id();
        let session = Session {
            user: User::new("https://issuer.example", "sub"),
            created_at: 10,
            last_seen_at: 10,
            idle_expires_at: 20,
            absolute_expires_at: 30,
            authenticated_at: 10,
            client: ClientInfo::default(),
            provider_sid: None,
            provider_logout_url: None,
        };
        let item = session_item(&id, &session);
        assert!(
            !item.contains_key("name"),
            "absent values are absent attributes"
        );
        let mut user = item.clone();
        user.insert("kind".into(), s("user"));
        assert_eq!(session_from_item(&user), None);
        for required in [
            "iss",
            "sub",
            "created_at",
            "last_seen_at",
            "idle_expires_at",
            "absolute_expires_at",
        ] {
            let mut incomplete = item.clone();
            incomplete.remove(required);
            assert_eq!(session_from_item(&incomplete), None, "{required}");
        }
        let mut older = item.clone();
        older.remove("authenticated_at");
        assert_eq!(
            session_from_item(&older).map(|s| s.authenticated_at),
            Some(10),
            "sessions written before authenticated_at signed in when they were made"
        );
    }
}
