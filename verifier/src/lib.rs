//! Who is signed in, for Rust services that are not behind the `authorizer` function: give
//! [`Verifier::user`] a request's `Cookie` headers, get the user or `None`.
//!
//! This crate is the session check itself: `passkey-auth`'s functions and its
//! `SessionReader` are built on it, so a service that uses it makes the same decision as
//! `/api/auth/session`, by the same code:
//!
//! - the `__Host-session` cookie must appear exactly once and hold 256 random bits in
//!   base64url (43 characters): anything else never reaches the table;
//! - the table holds only `SHA-256(token)`: one consistent `GetItem` by that key;
//! - idle and absolute expiry are checked in code (the table's TTL deletion is lazy); an
//!   expired session is deleted;
//! - activity is written back at most hourly, conditionally, so a revoked session is never
//!   brought back;
//! - a table that cannot be reached is an error, never a guess.
//!
//! ```no_run
//! use passkey_verifier::Verifier;
//!
//! # async fn example(cookie_headers: Vec<String>) -> Result<(), passkey_verifier::StoreError> {
//! let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//! let verifier = Verifier::new(aws_sdk_dynamodb::Client::new(&aws), "auth-sessions");
//! match verifier.user(cookie_headers.iter().map(String::as_str)).await? {
//!     Some(signed_in) => println!("hello, {}", signed_in.user.subject),
//!     None => println!("please sign in"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `examples/axum.rs` is a whole service. A route that changes state also checks that
//! the request came from the app's own pages: [`csrf::check_state_change`].

pub mod cookies;
pub mod csrf;
pub mod hex;
pub mod item;
mod model;
mod records;
mod token;

pub use cookies::{CookieValue, session_cookie};
pub use item::{session_from_item, session_item};
pub use model::{ClientInfo, Session, User};
pub use records::{DEFAULT_IDLE_TIMEOUT, DynamoRecords, SessionRecords, TOUCH_INTERVAL, resolve};
pub use token::{SESSION_COOKIE, SessionId, SessionToken};

use std::time::Duration;

/// The session store could not answer: the caller must not guess.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
}

/// A live session, and who it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub user: User,
    /// The session's public id, as the account page shows it (never its token or key).
    pub session: String,
    /// When the user last authenticated (Unix seconds), for a recent-sign-in rule of your own.
    pub authenticated_at: i64,
}

/// Reads sessions from the table; build one per process and share it.
pub struct Verifier<R = DynamoRecords> {
    records: R,
    idle_timeout: Duration,
}

impl Verifier<DynamoRecords> {
    /// The sessions of `table` (the stack's `SessionTable` output), with the functions'
    /// default idle timeout ([`DEFAULT_IDLE_TIMEOUT`]; see [`Verifier::with_idle_timeout`]).
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self::with_records(DynamoRecords::new(client, table))
    }
}

impl<R: SessionRecords> Verifier<R> {
    pub fn with_records(records: R) -> Self {
        Self {
            records,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }

    /// The stack's `SESSION_IDLE_TIMEOUT`, if it was changed: the hourly activity write
    /// extends a session by this much.
    pub fn with_idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// The signed-in user of a request, from the values of its `Cookie` headers: `None`
    /// for no session cookie, two of them, or one that names no live session.
    pub async fn user<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<SignedIn>, StoreError> {
        let CookieValue::One(value) = session_cookie(cookie_headers) else {
            return Ok(None);
        };
        self.user_of_cookie(&value, now()).await
    }

    /// As [`Verifier::user`], for the value of the session cookie alone, at `now`.
    pub async fn user_of_cookie(
        &self,
        value: &str,
        now: i64,
    ) -> Result<Option<SignedIn>, StoreError> {
        let Some(token) = SessionToken::parse(value) else {
            return Ok(None);
        };
        let id = token.id();
        let session = resolve(&self.records, &id, self.idle_timeout, now).await?;
        Ok(session.map(|session| SignedIn {
            session: id.public_id(),
            authenticated_at: session.authenticated_at,
            user: session.user,
        }))
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The one session a token names, and what the check wrote back.
    struct OneSession {
        id: SessionId,
        session: Mutex<Option<Session>>,
        touched: Mutex<Vec<Session>>,
    }

    impl SessionRecords for OneSession {
        async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
            Ok(self
                .session
                .lock()
                .expect("lock")
                .clone()
                .filter(|_| *id == self.id))
        }
        async fn touch(&self, _: &SessionId, session: &Session) -> Result<(), StoreError> {
            self.touched.lock().expect("lock").push(session.clone());
            Ok(())
        }
        async fn delete(&self, _: &SessionId) -> Result<(), StoreError> {
            *self.session.lock().expect("lock") = None;
            Ok(())
        }
    }

    const NOW: i64 = 1_800_000_000;

    /// The clock, read here rather than through the `now` under test.
    fn clock() -> i64 {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since_epoch.expect("after 1970").as_secs() as i64
    }

    /// A session signed in three hours before `now`, with an hour left of its absolute limit.
    fn records(token: &SessionToken, now: i64, last_seen_at: i64) -> OneSession {
        OneSession {
            id: token.id(),
            session: Mutex::new(Some(Session {
                user: User::new("https://issuer.example", "alice"),
                created_at: now - 3 * 3600,
                last_seen_at,
                idle_expires_at: last_seen_at + 24 * 3600,
                absolute_expires_at: now + 3600,
                authenticated_at: now - 3 * 3600,
                client: ClientInfo::default(),
                provider_sid: None,
                provider_logout_url: None,
            })),
            touched: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn cookies_are_checked_against_the_present_time() {
        let token = SessionToken::generate().expect("randomness");
        let cookie = format!("theme=dark; {SESSION_COOKIE}={}", token.as_cookie_value());
        let before = clock();
        let live = records(&token, before, before - 2 * 3600);
        let verifier = Verifier::with_records(live);
        let found = verifier.user([cookie.as_str()]).await.expect("read");
        assert_eq!(found.expect("live").user.subject, "alice");
        let touched = verifier.records.touched.lock().expect("lock").clone();
        assert!((before..=clock()).contains(&touched[0].last_seen_at));

        let ended = records(&token, before, before - 2 * 3600);
        if let Some(session) = ended.session.lock().expect("lock").as_mut() {
            session.absolute_expires_at = before - 1;
        }
        let verifier = Verifier::with_records(ended);
        assert_eq!(verifier.user([cookie.as_str()]).await.expect("read"), None);
        assert_eq!(
            *verifier.records.session.lock().expect("lock"),
            None,
            "deleted"
        );
    }

    #[tokio::test]
    async fn activity_extends_a_session_by_the_functions_default_of_a_day() {
        let token = SessionToken::generate().expect("randomness");
        let verifier = Verifier::with_records(records(&token, NOW, NOW - 2 * 3600));
        let signed_in = verifier
            .user_of_cookie(token.as_cookie_value(), NOW)
            .await
            .expect("read")
            .expect("live");
        assert_eq!(signed_in.user.subject, "alice");
        assert_eq!(signed_in.session, token.id().public_id());
        let touched = verifier.records.touched.lock().expect("lock").clone();
        assert_eq!(
            touched.len(),
            1,
            "seen two hours ago: activity is written back"
        );
        assert_eq!(touched[0].last_seen_at, NOW);
        assert_eq!(touched[0].idle_expires_at, NOW + 24 * 3600);

        let shorter = Verifier::with_records(records(&token, NOW, NOW - 2 * 3600))
            .with_idle_timeout(Duration::from_secs(2 * 3600));
        shorter
            .user_of_cookie(token.as_cookie_value(), NOW)
            .await
            .expect("read");
        let touched = shorter.records.touched.lock().expect("lock").clone();
        assert_eq!(touched[0].idle_expires_at, NOW + 2 * 3600);
    }
}
