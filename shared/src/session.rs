//! Server-side sessions: opaque 256-bit tokens in the browser, `SHA-256(token)` at rest,
//! idle and absolute expiry checked in code on every read.

use std::future::Future;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::config::SessionConfig;
pub use crate::store::StoreError;

pub const SESSION_COOKIE: &str = "__Host-session";

/// The signed-in user, identified by `(issuer, sub)` and never by email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl User {
    /// The key of the user index: the issuer (which has no space) and the subject.
    pub fn key(&self) -> String {
        format!("{} {}", self.issuer, self.subject)
    }
}

/// A session as stored. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
}

impl Session {
    /// When it ends if nothing happens: the earlier of the two limits.
    pub fn expires_at(&self) -> i64 {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at()
    }
}

/// The token the browser holds: 32 random bytes, base64url (43 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// What the table is keyed by: `session#` and the hex SHA-256 of the token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl SessionToken {
    const LEN: usize = 43;

    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| StoreError::Unavailable("no randomness".into()))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Accepts only what `generate` makes, so garbage never reaches the table.
    pub fn parse(value: &str) -> Option<Self> {
        let well_formed = value.len() == Self::LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD.decode(value).is_ok_and(|b| b.len() == 32);
        well_formed.then(|| Self(value.to_owned()))
    }

    pub fn as_cookie_value(&self) -> &str {
        &self.0
    }

    pub fn id(&self) -> SessionId {
        SessionId(format!("session#{}", crate::hex::sha256(&self.0)))
    }
}

/// Where sessions live. The DynamoDB adapter is [`crate::dynamo::DynamoSessionStore`];
/// [`crate::memory::MemorySessionStore`] is the test double.
pub trait SessionStore: Send + Sync {
    /// Stores a new session; never overwrites one.
    fn create(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One consistent read.
    fn get(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;
    /// Records activity (`last_seen_at`, `idle_expires_at`), only if the session still
    /// exists: a signed-out session is never resurrected.
    fn touch(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete(&self, id: &SessionId) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records a one-time marker `key` until `expires_at`; `false` if it was already
    /// there. Makes each sign-in flow single-use on the server, not only in the browser.
    fn claim(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Session rules on top of a store.
pub struct Sessions<S> {
    store: S,
    config: SessionConfig,
}

impl<S: SessionStore> Sessions<S> {
    pub fn new(store: S, config: SessionConfig) -> Self {
        Self { store, config }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// A new session for `user`, with a new token.
    pub async fn start(&self, user: User, now: i64) -> Result<(SessionToken, Session), StoreError> {
        let token = SessionToken::generate()?;
        let session = Session {
            user,
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now + self.config.idle_timeout.as_secs() as i64,
            absolute_expires_at: now + self.config.max_age.as_secs() as i64,
        };
        self.store.create(&token.id(), &session).await?;
        Ok((token, session))
    }

    /// The live session a cookie value names, if any. Expired sessions are deleted;
    /// activity is written back at most once per [`SessionConfig::TOUCH_INTERVAL`].
    pub async fn resolve(
        &self,
        cookie_value: &str,
        now: i64,
    ) -> Result<Option<Session>, StoreError> {
        let Some(token) = SessionToken::parse(cookie_value) else {
            return Ok(None);
        };
        let id = token.id();
        let Some(mut session) = self.store.get(&id).await? else {
            return Ok(None);
        };
        if !session.is_live(now) {
            self.store.delete(&id).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= SessionConfig::TOUCH_INTERVAL.as_secs() as i64 {
            session.last_seen_at = now;
            session.idle_expires_at = now + self.config.idle_timeout.as_secs() as i64;
            self.store.touch(&id, &session).await?;
        }
        Ok(Some(session))
    }

    /// Ends the session a cookie value names (nothing to do for garbage).
    pub async fn end(&self, cookie_value: &str) -> Result<(), StoreError> {
        match SessionToken::parse(cookie_value) {
            Some(token) => self.store.delete(&token.id()).await,
            None => Ok(()),
        }
    }

    /// Marks a sign-in flow used; `false` if it already was (a replay).
    pub async fn claim_flow(&self, state: &str, expires_at: i64) -> Result<bool, StoreError> {
        self.store
            .claim(&format!("flow#{}", crate::hex::sha256(state)), expires_at)
            .await
    }

    /// Seconds a fresh cookie should live: until the absolute limit.
    pub fn cookie_max_age(&self, session: &Session, now: i64) -> u64 {
        (session.absolute_expires_at - now).max(0) as u64
    }
}

impl<T: SessionStore> SessionStore for std::sync::Arc<T> {
    fn create(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).create(id, session)
    }
    fn get(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send {
        (**self).get(id)
    }
    fn touch(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).touch(id, session)
    }
    fn delete(&self, id: &SessionId) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).delete(id)
    }
    fn claim(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).claim(key, expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemorySessionStore;
    use std::sync::Arc;
    use std::time::Duration;

    fn user() -> User {
        User {
            issuer: "https://issuer".into(),
            subject: "sub-1".into(),
            name: None,
            email: None,
        }
    }

    fn sessions() -> (Arc<MemorySessionStore>, Sessions<Arc<MemorySessionStore>>) {
        let store = Arc::new(MemorySessionStore::default());
        let config = SessionConfig {
            table: "t".into(),
            idle_timeout: Duration::from_secs(2 * 3600),
            max_age: Duration::from_secs(5 * 3600),
        };
        (store.clone(), Sessions::new(store, config))
    }

    #[tokio::test]
    async fn tokens_are_256_bit_and_stored_only_as_hashes() {
        let (store, sessions) = sessions();
        let (token, _) = sessions.start(user(), 0).await.expect("start");
        assert_eq!(token.as_cookie_value().len(), 43);
        let id = token.id();
        assert!(id.as_str().starts_with("session#"));
        assert!(!id.as_str().contains(token.as_cookie_value()));
        assert_eq!(store.len(), 1);
        let (other, _) = sessions.start(user(), 0).await.expect("start");
        assert_ne!(token, other, "every sign-in gets a new session");
        // Debug output says a token was there, and never shows it.
        assert_eq!(format!("{token:?}"), "SessionToken([redacted])");
    }

    #[tokio::test]
    async fn idle_and_absolute_expiry_are_enforced_in_code() {
        let (store, sessions) = sessions();
        let (token, _) = sessions.start(user(), 0).await.expect("start");
        let cookie = token.as_cookie_value();
        // Used every 90 minutes: the idle limit slides, the absolute one does not.
        for now in [5400, 10800, 16200] {
            assert!(
                sessions.resolve(cookie, now).await.expect("read").is_some(),
                "at {now}"
            );
        }
        assert!(
            sessions
                .resolve(cookie, 18000)
                .await
                .expect("read")
                .is_none(),
            "absolute limit"
        );
        assert!(store.is_empty(), "the expired session was deleted");

        let (token, _) = sessions.start(user(), 0).await.expect("start");
        assert!(
            sessions
                .resolve(token.as_cookie_value(), 7199)
                .await
                .expect("read")
                .is_some()
        );
        let (token, _) = sessions.start(user(), 0).await.expect("start");
        assert!(
            sessions
                .resolve(token.as_cookie_value(), 7200)
                .await
                .expect("read")
                .is_none(),
            "idle limit"
        );
    }

    #[tokio::test]
    async fn activity_is_written_at_most_hourly() {
        let (store, sessions) = sessions();
        let (token, _) = sessions.start(user(), 0).await.expect("start");
        sessions
            .resolve(token.as_cookie_value(), 3599)
            .await
            .expect("read");
        assert_eq!(
            store
                .get(&token.id())
                .await
                .expect("get")
                .expect("some")
                .last_seen_at,
            0
        );
        sessions
            .resolve(token.as_cookie_value(), 3600)
            .await
            .expect("read");
        assert_eq!(
            store
                .get(&token.id())
                .await
                .expect("get")
                .expect("some")
                .last_seen_at,
            3600
        );
    }

    #[tokio::test]
    async fn garbage_unknown_and_ended_sessions_are_signed_out() {
        let (store, sessions) = sessions();
        for garbage in [
            "",
            "x",
            &"a".repeat(43 * 100),
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert!(sessions.resolve(garbage, 0).await.expect("read").is_none());
        }
        let unknown = SessionToken::generate().expect("token");
        assert!(
            sessions
                .resolve(unknown.as_cookie_value(), 0)
                .await
                .expect("read")
                .is_none()
        );
        let (token, _) = sessions.start(user(), 0).await.expect("start");
        sessions.end(token.as_cookie_value()).await.expect("end");
        assert!(
            sessions
                .resolve(token.as_cookie_value(), 1)
                .await
                .expect("read")
                .is_none()
        );
        store.set_unavailable(true);
        assert!(
            sessions.resolve(token.as_cookie_value(), 1).await.is_err(),
            "never a guess when the store is down"
        );
    }

    /// A store that counts each call, around the memory store.
    #[derive(Default)]
    struct Counting {
        inner: MemorySessionStore,
        reads: std::sync::atomic::AtomicUsize,
        writes: std::sync::atomic::AtomicUsize,
    }

    impl Counting {
        fn counts(&self) -> (usize, usize) {
            use std::sync::atomic::Ordering::SeqCst;
            (self.reads.load(SeqCst), self.writes.load(SeqCst))
        }

        fn wrote(&self) {
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl SessionStore for Counting {
        async fn create(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
            self.wrote();
            self.inner.create(id, session).await
        }
        async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.get(id).await
        }
        async fn touch(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
            self.wrote();
            self.inner.touch(id, session).await
        }
        async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
            self.wrote();
            self.inner.delete(id).await
        }
        async fn claim(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
            self.wrote();
            self.inner.claim(key, expires_at).await
        }
    }

    /// The README's promise: one read per session check, and a write at most hourly.
    #[tokio::test]
    async fn a_session_check_is_one_read_and_writes_at_most_hourly() {
        let store = Arc::new(Counting::default());
        let config = SessionConfig {
            table: "t".into(),
            idle_timeout: Duration::from_secs(24 * 3600),
            max_age: Duration::from_secs(7 * 24 * 3600),
        };
        let sessions = Sessions::new(store.clone(), config);
        // A realistic clock: the rule must hold whatever the epoch.
        let start = 1_800_000_000;
        let (token, _) = sessions.start(user(), start).await.expect("start");
        let cookie = token.as_cookie_value();
        assert_eq!(store.counts(), (0, 1), "starting writes the session once");
        for (i, now) in [start + 1, start + 60, start + 3599]
            .into_iter()
            .enumerate()
        {
            assert!(sessions.resolve(cookie, now).await.expect("read").is_some());
            assert_eq!(
                store.counts(),
                (i + 1, 1),
                "check {i} at +{} s",
                now - start
            );
        }
        let session = sessions
            .resolve(cookie, start + 3600)
            .await
            .expect("read")
            .expect("live");
        assert_eq!(store.counts(), (4, 2), "an hour on: one read and one write");
        assert_eq!(session.last_seen_at, start + 3600);
        assert!(
            sessions
                .resolve(cookie, start + 3601)
                .await
                .expect("read")
                .is_some()
        );
        assert_eq!(store.counts(), (5, 2));
        // Garbage never reaches the store.
        assert!(
            sessions
                .resolve("garbage", start)
                .await
                .expect("read")
                .is_none()
        );
        assert_eq!(store.counts(), (5, 2));
    }

    #[tokio::test]
    async fn the_cookie_lives_until_the_absolute_limit() {
        let (_, sessions) = sessions();
        let start = 1_800_000_000;
        let (_, session) = sessions.start(user(), start).await.expect("start");
        assert_eq!(sessions.cookie_max_age(&session, start), 5 * 3600);
        assert_eq!(sessions.cookie_max_age(&session, start + 3600), 4 * 3600);
        assert_eq!(sessions.cookie_max_age(&session, start + 6 * 3600), 0);
    }

    #[test]
    fn only_well_formed_tokens_parse() {
        let token = SessionToken::generate().expect("token");
        let value = token.as_cookie_value();
        assert_eq!(SessionToken::parse(value), Some(token.clone()));
        // Each clause alone: the length, the alphabet, and 32 bytes with no stray bits.
        let alphabet_ok_but_long = format!("{value}A");
        let right_length_bad_alphabet = format!("{}!", &value[..42]);
        let stray_bits = format!("{}B", "A".repeat(42));
        for bad in [
            alphabet_ok_but_long.as_str(),
            right_length_bad_alphabet.as_str(),
            "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+",
            stray_bits.as_str(),
            "",
        ] {
            assert_eq!(SessionToken::parse(bad), None, "{bad:?}");
        }
        assert!(SessionToken::parse(&"A".repeat(43)).is_some());
    }

    #[tokio::test]
    async fn the_memory_store_claims_each_key_once() {
        let store = MemorySessionStore::default();
        assert!(store.claim("flow#a", 10).await.expect("claim"));
        assert!(!store.claim("flow#a", 10).await.expect("claim"));
        assert!(store.claim("flow#b", 10).await.expect("claim"));
    }
}
