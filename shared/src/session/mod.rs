//! Server-side sessions: opaque 256-bit tokens in the browser, `SHA-256(token)` at rest,
//! idle and absolute expiry checked in code on every read. The check itself (token,
//! key, expiry, the hourly activity write) is `passkey_verifier`'s, the crate other
//! services use: one implementation for the functions and for them.

pub mod device;
mod store;
mod users;

use passkey_verifier::hex;

use crate::config::SessionConfig;
pub use crate::store::StoreError;
pub use passkey_verifier::{
    ClientInfo, SESSION_COOKIE, Session, SessionId, SessionRecords, SessionToken, User,
};
pub use store::SessionStore;

/// The key of the record that a user has signed in before ([`Sessions::first_sign_in`]).
pub(crate) fn seen_key(user: &User) -> String {
    format!("seen#{}", hex::sha256(&user.key()))
}

/// Until when that record is kept: for good, in practice (2100-01-01); it goes with the
/// account ([`Sessions::erase_user`]).
const SEEN_UNTIL: i64 = 4_102_444_800;

/// Who signed in, from where, and in which provider session: what a new session records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user: User,
    pub client: ClientInfo,
    /// The ID token's `sid`, when the provider sends one.
    pub provider_sid: Option<String>,
    /// The provider's logout URL for this sign-in ([`crate::oidc::Redeemed::logout_url`]).
    pub provider_logout_url: Option<String>,
    /// When the user authenticated at the provider (`auth_time`), if it says: the session's
    /// sign-in time then, so that a provider session reused from long ago is no "recent
    /// sign-in" here.
    pub auth_time: Option<i64>,
}

impl Authenticated {
    /// A sign-in with no client details and no provider session (tests, tools).
    pub fn user(user: User) -> Self {
        Self {
            user,
            client: ClientInfo::default(),
            provider_sid: None,
            provider_logout_url: None,
            auth_time: None,
        }
    }
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

    /// A new session for `user`, with a new token, for a sign-in that began at `began_at`;
    /// `None` when the user signed out everywhere since (the sign-in is void).
    pub async fn start(
        &self,
        authenticated: Authenticated,
        began_at: i64,
        now: i64,
    ) -> Result<Option<(SessionToken, Session)>, StoreError> {
        let token = SessionToken::generate()?;
        let session = Session {
            user: authenticated.user,
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now + self.config.idle_timeout.as_secs() as i64,
            absolute_expires_at: now + self.config.max_age.as_secs() as i64,
            // Never later than now: a provider's clock ahead of ours earns no extra time.
            authenticated_at: authenticated.auth_time.map_or(now, |at| at.min(now)),
            client: authenticated.client,
            provider_sid: authenticated.provider_sid,
            provider_logout_url: authenticated.provider_logout_url,
        };
        let created = self.store.create(&token.id(), &session, began_at).await?;
        Ok(created.then_some((token, session)))
    }

    /// The live session a cookie value names, if any ([`passkey_verifier::resolve`]:
    /// expired sessions are deleted; activity is written back at most once per
    /// [`SessionConfig::TOUCH_INTERVAL`]).
    pub async fn resolve(
        &self,
        cookie_value: &str,
        now: i64,
    ) -> Result<Option<Session>, StoreError> {
        Ok(self
            .resolve_keyed(cookie_value, now)
            .await?
            .map(|(_, session)| session))
    }

    /// As [`Sessions::resolve`], with the session's key: the token is parsed and hashed
    /// once, for routes that also name the session (the account pages, the authorizer).
    pub async fn resolve_keyed(
        &self,
        cookie_value: &str,
        now: i64,
    ) -> Result<Option<(SessionId, Session)>, StoreError> {
        let Some(token) = SessionToken::parse(cookie_value) else {
            return Ok(None);
        };
        let id = token.id();
        let session =
            passkey_verifier::resolve(&self.store, &id, self.config.idle_timeout, now).await?;
        Ok(session.map(|session| (id, session)))
    }

    /// Ends the session a cookie value names, and gives back what it was (its provider
    /// logout URL, say); nothing to do for garbage.
    pub async fn end(&self, cookie_value: &str) -> Result<Option<Session>, StoreError> {
        match SessionToken::parse(cookie_value) {
            Some(token) => self.store.take(&token.id()).await,
            None => Ok(None),
        }
    }

    /// Marks a sign-in flow used; `false` if it already was (a replay).
    pub async fn claim_flow(&self, state: &str, expires_at: i64) -> Result<bool, StoreError> {
        self.store
            .claim(&format!("flow#{}", hex::sha256(state)), expires_at)
            .await
    }

    /// Marks a logout token's `jti` used until `expires_at`; `false` if it already was (a
    /// replay). Claimed before its sessions end, so that a replay can never end the
    /// sessions of a later sign-in.
    pub async fn claim_logout_token(
        &self,
        issuer: &str,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let key = format!("logout#{}", hex::sha256(&format!("{issuer} {jti}")));
        self.store.claim(&key, expires_at).await
    }

    /// Whether this is the first sign-in of `user` the table has seen: records it (a
    /// `seen#` item, removed with the account) and answers `true` once.
    pub async fn first_sign_in(&self, user: &User) -> Result<bool, StoreError> {
        self.store.claim(&seen_key(user), SEEN_UNTIL).await
    }

    /// Seconds a fresh cookie should live: until the absolute limit.
    pub fn cookie_max_age(&self, session: &Session, now: i64) -> u64 {
        (session.absolute_expires_at - now).max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemorySessionStore;
    use std::sync::Arc;
    use std::time::Duration;

    pub(super) fn user() -> User {
        User::new("https://issuer", "sub-1")
    }

    pub(super) async fn start<S: SessionStore>(
        sessions: &Sessions<S>,
        now: i64,
    ) -> (SessionToken, Session) {
        sessions
            .start(Authenticated::user(user()), now, now)
            .await
            .expect("start")
            .expect("created")
    }

    pub(super) fn sessions() -> (Arc<MemorySessionStore>, Sessions<Arc<MemorySessionStore>>) {
        let store = Arc::new(MemorySessionStore::default());
        let config = SessionConfig {
            table: "t".into(),
            idle_timeout: Duration::from_secs(2 * 3600),
            max_age: Duration::from_secs(5 * 3600),
            recent_sign_in: Duration::from_secs(300),
        };
        (store.clone(), Sessions::new(store, config))
    }

    #[tokio::test]
    async fn tokens_are_256_bit_and_stored_only_as_hashes() {
        let (store, sessions) = sessions();
        let (token, _) = start(&sessions, 0).await;
        assert_eq!(token.as_cookie_value().len(), 43);
        let id = token.id();
        assert!(id.as_str().starts_with("session#"));
        assert!(!id.as_str().contains(token.as_cookie_value()));
        assert_eq!(store.len(), 1);
        let (other, _) = start(&sessions, 0).await;
        assert_ne!(token, other, "every sign-in gets a new session");
        // Debug output says a token was there, and never shows it.
        assert_eq!(format!("{token:?}"), "SessionToken([redacted])");
    }

    #[tokio::test]
    async fn idle_and_absolute_expiry_are_enforced_in_code() {
        let (store, sessions) = sessions();
        let (token, _) = start(&sessions, 0).await;
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

        let (token, _) = start(&sessions, 0).await;
        assert!(
            sessions
                .resolve(token.as_cookie_value(), 7199)
                .await
                .expect("read")
                .is_some()
        );
        let (token, _) = start(&sessions, 0).await;
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
        let (token, _) = start(&sessions, 0).await;
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
        let (token, _) = start(&sessions, 0).await;
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

    impl SessionRecords for Counting {
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
    }

    impl SessionStore for Counting {
        async fn create(
            &self,
            id: &SessionId,
            session: &Session,
            began_at: i64,
        ) -> Result<bool, StoreError> {
            self.wrote();
            self.inner.create(id, session, began_at).await
        }
        async fn list(&self, user: &User) -> Result<Vec<(SessionId, Session)>, StoreError> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.list(user).await
        }
        async fn remove(&self, user: &User, ids: &[SessionId]) -> Result<(), StoreError> {
            self.wrote();
            self.inner.remove(user, ids).await
        }
        async fn revoke_before(
            &self,
            user: &User,
            at: i64,
            keep_until: i64,
        ) -> Result<(), StoreError> {
            self.wrote();
            self.inner.revoke_before(user, at, keep_until).await
        }
        async fn claim(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
            self.wrote();
            self.inner.claim(key, expires_at).await
        }
        async fn provider_sessions(
            &self,
            issuer: &str,
            sid: &str,
        ) -> Result<Vec<(SessionId, Session)>, StoreError> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.provider_sessions(issuer, sid).await
        }
        async fn forget_user(&self, user: &User, sids: &[String]) -> Result<(), StoreError> {
            self.wrote();
            self.inner.forget_user(user, sids).await
        }
        async fn hold_address_change(
            &self,
            key: &str,
            change: &crate::account::AddressChange,
            expires_at: i64,
        ) -> Result<(), StoreError> {
            self.wrote();
            self.inner
                .hold_address_change(key, change, expires_at)
                .await
        }
        async fn take_address_change(
            &self,
            key: &str,
            now: i64,
        ) -> Result<Option<crate::account::AddressChange>, StoreError> {
            self.wrote();
            self.inner.take_address_change(key, now).await
        }
        async fn set_email(
            &self,
            id: &SessionId,
            email: &str,
            name: Option<&str>,
        ) -> Result<(), StoreError> {
            self.wrote();
            self.inner.set_email(id, email, name).await
        }
        async fn take(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
            self.wrote();
            self.inner.take(id).await
        }
    }

    /// The promise of docs/sign-in.md: one read per session check, and a write at most hourly.
    #[tokio::test]
    async fn a_session_check_is_one_read_and_writes_at_most_hourly() {
        let store = Arc::new(Counting::default());
        let config = SessionConfig {
            table: "t".into(),
            idle_timeout: Duration::from_secs(24 * 3600),
            max_age: Duration::from_secs(7 * 24 * 3600),
            recent_sign_in: Duration::from_secs(300),
        };
        let sessions = Sessions::new(store.clone(), config);
        // A realistic clock: the rule must hold whatever the epoch.
        let t0 = 1_800_000_000;
        let (token, _) = start(&sessions, t0).await;
        let cookie = token.as_cookie_value();
        assert_eq!(store.counts(), (0, 1), "starting writes the session once");
        for (i, now) in [t0 + 1, t0 + 60, t0 + 3599].into_iter().enumerate() {
            assert!(sessions.resolve(cookie, now).await.expect("read").is_some());
            assert_eq!(store.counts(), (i + 1, 1), "check {i} at +{} s", now - t0);
        }
        let session = sessions
            .resolve(cookie, t0 + 3600)
            .await
            .expect("read")
            .expect("live");
        assert_eq!(store.counts(), (4, 2), "an hour on: one read and one write");
        assert_eq!(session.last_seen_at, t0 + 3600);
        assert!(
            sessions
                .resolve(cookie, t0 + 3601)
                .await
                .expect("read")
                .is_some()
        );
        assert_eq!(store.counts(), (5, 2));
        // Garbage never reaches the store.
        assert!(
            sessions
                .resolve("garbage", t0)
                .await
                .expect("read")
                .is_none()
        );
        assert_eq!(store.counts(), (5, 2));
    }

    #[tokio::test]
    async fn the_cookie_lives_until_the_absolute_limit() {
        let (_, sessions) = sessions();
        let t0 = 1_800_000_000;
        let (_, session) = start(&sessions, t0).await;
        assert_eq!(sessions.cookie_max_age(&session, t0), 5 * 3600);
        assert_eq!(sessions.cookie_max_age(&session, t0 + 3600), 4 * 3600);
        assert_eq!(sessions.cookie_max_age(&session, t0 + 6 * 3600), 0);
    }

    #[tokio::test]
    async fn the_memory_store_claims_each_key_once() {
        let store = MemorySessionStore::default();
        assert!(store.claim("flow#a", 10).await.expect("claim"));
        assert!(!store.claim("flow#a", 10).await.expect("claim"));
        assert!(store.claim("flow#b", 10).await.expect("claim"));
    }
}
