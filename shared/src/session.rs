//! Server-side sessions: opaque 256-bit tokens in the browser, `SHA-256(token)` at rest,
//! idle and absolute expiry checked in code on every read. The check itself (token,
//! key, expiry, the hourly activity write) is `passkey_verifier`'s, the crate other
//! services use: one implementation for the functions and for them.

use std::future::Future;

use crate::config::SessionConfig;
pub use crate::store::StoreError;
pub use passkey_verifier::{
    ClientInfo, SESSION_COOKIE, Session, SessionId, SessionRecords, SessionToken, User,
};

/// Where sessions live. The DynamoDB adapter is [`crate::dynamo::DynamoSessionStore`];
/// [`crate::memory::MemorySessionStore`] is the test double.
///
/// Every session of a user is also named in the user's own item (`user#…`), written in
/// the same transaction as the session: a user's sessions are found with consistent
/// reads, never through the eventually consistent index alone, so "sign out everywhere"
/// misses none. The same item holds `revoked_before`, which refuses a sign-in that began
/// before the user signed out everywhere.
pub trait SessionStore: SessionRecords {
    /// Stores a new session, never overwriting one, and names it in the user's item; only
    /// if the user has not signed out everywhere since `began_at` (`Ok(false)` then, and
    /// nothing is written).
    fn create(
        &self,
        id: &SessionId,
        session: &Session,
        began_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Deletes a session and returns it as it was (`None` if there was none): one call.
    fn take(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;
    /// The stored sessions of a user (live or not), with consistent reads.
    fn list(
        &self,
        user: &User,
    ) -> impl Future<Output = Result<Vec<(SessionId, Session)>, StoreError>> + Send;
    /// Deletes these sessions of the user and forgets them in the user's item.
    fn remove(
        &self,
        user: &User,
        ids: &[SessionId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The stored sessions made in the provider session `sid` of `issuer` (consistent reads
    /// of what the sign-ins recorded), for a back-channel logout that names only a `sid`.
    fn provider_sessions(
        &self,
        issuer: &str,
        sid: &str,
    ) -> impl Future<Output = Result<Vec<(SessionId, Session)>, StoreError>> + Send;
    /// Records that every sign-in of the user that began at or before `at` is void.
    fn revoke_before(
        &self,
        user: &User,
        at: i64,
        keep_until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records a one-time marker `key` until `expires_at`; `false` if it was already
    /// there. Makes each sign-in flow single-use on the server, not only in the browser.
    fn claim(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Who signed in, from where, and in which provider session: what a new session records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user: User,
    pub client: ClientInfo,
    /// The ID token's `sid`, when the provider sends one.
    pub provider_sid: Option<String>,
    /// The provider's logout URL for this sign-in ([`crate::oidc::Redeemed::logout_url`]).
    pub provider_logout_url: Option<String>,
}

impl Authenticated {
    /// A sign-in with no client details and no provider session (tests, tools).
    pub fn user(user: User) -> Self {
        Self {
            user,
            client: ClientInfo::default(),
            provider_sid: None,
            provider_logout_url: None,
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
            authenticated_at: now,
            client: authenticated.client,
            provider_sid: authenticated.provider_sid,
            provider_logout_url: authenticated.provider_logout_url,
        };
        let created = self.store.create(&token.id(), &session, began_at).await?;
        Ok(created.then_some((token, session)))
    }

    /// The live sessions of `user`, most recently used first.
    pub async fn list(
        &self,
        user: &User,
        now: i64,
    ) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let mut sessions: Vec<_> = self
            .store
            .list(user)
            .await?
            .into_iter()
            .filter(|(_, session)| session.user.key() == user.key() && session.is_live(now))
            .collect();
        sessions.sort_by_key(|(_, session)| std::cmp::Reverse(session.last_seen_at));
        Ok(sessions)
    }

    /// Ends the session of `user` whose public id is `public_id`; `false` if the user has
    /// none by that id (another user's session is not theirs to end).
    pub async fn revoke(&self, user: &User, public_id: &str, now: i64) -> Result<bool, StoreError> {
        let found = self
            .list(user, now)
            .await?
            .into_iter()
            .find(|(id, _)| id.public_id() == public_id);
        match found {
            Some((id, _)) => {
                self.store.remove(user, &[id]).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ends every session of `user`, and voids the sign-ins under way: first the marker
    /// (from then on no sign-in that began earlier can create a session), then every
    /// session the user's item and the index name. Returns how many were ended.
    pub async fn revoke_all(&self, user: &User, now: i64) -> Result<usize, StoreError> {
        let keep_until = now + self.config.max_age.as_secs() as i64;
        self.store.revoke_before(user, now, keep_until).await?;
        let ids: Vec<SessionId> = self
            .store
            .list(user)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        self.store.remove(user, &ids).await?;
        Ok(ids.len())
    }

    /// Ends the sessions a provider's back-channel logout names (OpenID Back-Channel Logout
    /// 1.0 §2.7): with `subject` and `sid`, that user's sessions made in that provider
    /// session; with `subject` alone, every session of that user; with `sid` alone, every
    /// session made in it. Only sessions of `issuer`. Returns how many were ended.
    pub async fn end_provider_session(
        &self,
        issuer: &str,
        subject: Option<&str>,
        sid: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let found = match (subject, sid) {
            (Some(subject), _) => self.list(&User::new(issuer, subject), now).await?,
            (None, Some(sid)) => self.store.provider_sessions(issuer, sid).await?,
            (None, None) => return Ok(0),
        };
        let mut by_user: std::collections::HashMap<String, (User, Vec<SessionId>)> =
            std::collections::HashMap::new();
        for (id, session) in found {
            let named = session.user.issuer == issuer
                && subject.is_none_or(|subject| session.user.subject == subject)
                && sid.is_none_or(|sid| session.provider_sid.as_deref() == Some(sid));
            if named {
                by_user
                    .entry(session.user.key())
                    .or_insert_with(|| (session.user.clone(), Vec::new()))
                    .1
                    .push(id);
            }
        }
        let mut ended = 0;
        for (user, ids) in by_user.into_values() {
            self.store.remove(&user, &ids).await?;
            ended += ids.len();
        }
        Ok(ended)
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
            .claim(&format!("flow#{}", crate::hex::sha256(state)), expires_at)
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
        let key = format!("logout#{}", crate::hex::sha256(&format!("{issuer} {jti}")));
        self.store.claim(&key, expires_at).await
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
        began_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).create(id, session, began_at)
    }
    fn list(
        &self,
        user: &User,
    ) -> impl Future<Output = Result<Vec<(SessionId, Session)>, StoreError>> + Send {
        (**self).list(user)
    }
    fn remove(
        &self,
        user: &User,
        ids: &[SessionId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).remove(user, ids)
    }
    fn revoke_before(
        &self,
        user: &User,
        at: i64,
        keep_until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).revoke_before(user, at, keep_until)
    }
    fn provider_sessions(
        &self,
        issuer: &str,
        sid: &str,
    ) -> impl Future<Output = Result<Vec<(SessionId, Session)>, StoreError>> + Send {
        (**self).provider_sessions(issuer, sid)
    }
    fn take(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send {
        (**self).take(id)
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
        User::new("https://issuer", "sub-1")
    }

    async fn start<S: SessionStore>(sessions: &Sessions<S>, now: i64) -> (SessionToken, Session) {
        sessions
            .start(Authenticated::user(user()), now, now)
            .await
            .expect("start")
            .expect("created")
    }

    fn sessions() -> (Arc<MemorySessionStore>, Sessions<Arc<MemorySessionStore>>) {
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
        async fn take(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
            self.wrote();
            self.inner.take(id).await
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

    fn other_user() -> User {
        User {
            subject: "sub-2".into(),
            ..user()
        }
    }

    #[tokio::test]
    async fn a_user_lists_and_ends_only_their_own_live_sessions() {
        let (_, sessions) = sessions();
        let (older, _) = start(&sessions, 0).await;
        let (newer, _) = start(&sessions, 100).await;
        let (theirs, _) = sessions
            .start(Authenticated::user(other_user()), 0, 0)
            .await
            .expect("start")
            .expect("created");
        // Seen an hour later: the older one is now the most recently used.
        sessions
            .resolve(older.as_cookie_value(), 3600)
            .await
            .expect("read");
        let listed = sessions.list(&user(), 3600).await.expect("list");
        let ids: Vec<_> = listed.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(
            ids,
            vec![older.id(), newer.id()],
            "most recently used first"
        );
        // The same user under another name is still the same user.
        let renamed = User {
            name: Some("Renamed".into()),
            ..user()
        };
        assert_eq!(sessions.list(&renamed, 3600).await.expect("list").len(), 2);
        // Expired sessions are not listed (idle limit 2 h).
        assert_eq!(
            sessions.list(&user(), 7300).await.expect("list").len(),
            1,
            "only the one seen at 3600 is still live"
        );

        let theirs_public = theirs.id().public_id();
        assert!(
            !sessions
                .revoke(&user(), &theirs_public, 3600)
                .await
                .expect("revoke"),
            "another user's session is not found"
        );
        assert!(
            sessions
                .resolve(theirs.as_cookie_value(), 3600)
                .await
                .expect("read")
                .is_some()
        );
        assert!(
            sessions
                .revoke(&user(), &newer.id().public_id(), 3600)
                .await
                .expect("revoke")
        );
        assert!(
            sessions
                .resolve(newer.as_cookie_value(), 3600)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            !sessions
                .revoke(&user(), &newer.id().public_id(), 3600)
                .await
                .expect("revoke")
        );
    }

    #[tokio::test]
    async fn signing_out_everywhere_ends_all_and_voids_sign_ins_begun_before() {
        let (_, sessions) = sessions();
        start(&sessions, 0).await;
        start(&sessions, 10).await;
        let (theirs, _) = sessions
            .start(Authenticated::user(other_user()), 0, 0)
            .await
            .expect("start")
            .expect("created");
        assert_eq!(sessions.revoke_all(&user(), 100).await.expect("revoke"), 2);
        assert!(sessions.list(&user(), 100).await.expect("list").is_empty());
        assert_eq!(
            sessions.list(&other_user(), 100).await.expect("list").len(),
            1
        );
        assert!(
            sessions
                .resolve(theirs.as_cookie_value(), 100)
                .await
                .expect("read")
                .is_some()
        );
        // Begun at or before the sign-out: void. Begun after: a session.
        for began in [50, 100] {
            let started = sessions
                .start(Authenticated::user(user()), began, 120)
                .await
                .expect("start");
            assert!(started.is_none(), "began at {began}");
        }
        // A later "sign out everywhere" from a function whose clock is behind does not
        // move the marker back.
        sessions.revoke_all(&user(), 60).await.expect("revoke");
        assert!(
            sessions
                .start(Authenticated::user(user()), 80, 120)
                .await
                .expect("start")
                .is_none()
        );
        assert!(
            sessions
                .start(Authenticated::user(user()), 101, 120)
                .await
                .expect("start")
                .is_some()
        );
    }

    #[tokio::test]
    async fn the_memory_store_claims_each_key_once() {
        let store = MemorySessionStore::default();
        assert!(store.claim("flow#a", 10).await.expect("claim"));
        assert!(!store.claim("flow#a", 10).await.expect("claim"));
        assert!(store.claim("flow#b", 10).await.expect("claim"));
    }
}
