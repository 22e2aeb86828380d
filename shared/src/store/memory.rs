//! The in-memory double of the DynamoDB store, for tests: sessions, single-use claims and
//! rate-limit counters, and a switch that makes it unreachable.

use crate::account::AddressChange;
use crate::http::ratelimit::CounterStore;
use crate::session::{Session, SessionId, SessionRecords, SessionStore, User};
use crate::store::StoreError;

/// An in-memory store for tests, which can also pretend to be unreachable.
#[derive(Default)]
pub struct MemorySessionStore {
    sessions: std::sync::Mutex<std::collections::HashMap<SessionId, Session>>,
    claims: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Per user key: when they last signed out everywhere.
    revoked_before: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    counters: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    address_changes: std::sync::Mutex<std::collections::HashMap<String, (AddressChange, i64)>>,
    unavailable: std::sync::atomic::AtomicBool,
}

impl MemorySessionStore {
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable
            .store(unavailable, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<SessionId, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn revoked(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, i64>> {
        self.revoked_before
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.unavailable.load(std::sync::atomic::Ordering::SeqCst) {
            Err(StoreError::Unavailable(
                "the test made the store unreachable".into(),
            ))
        } else {
            Ok(())
        }
    }
}

impl SessionRecords for MemorySessionStore {
    async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        self.check()?;
        Ok(self.lock().get(id).cloned())
    }

    async fn touch(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
        self.check()?;
        if let Some(s) = self.lock().get_mut(id) {
            s.last_seen_at = session.last_seen_at;
            s.idle_expires_at = session.idle_expires_at;
        }
        Ok(())
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        self.check()?;
        self.lock().remove(id);
        Ok(())
    }
}

impl SessionStore for MemorySessionStore {
    async fn create(
        &self,
        id: &SessionId,
        session: &Session,
        began_at: i64,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let revoked = self.revoked().get(&session.user.key()).copied();
        if revoked.is_some_and(|at| at >= began_at) {
            return Ok(false);
        }
        self.lock()
            .entry(id.clone())
            .or_insert_with(|| session.clone());
        Ok(true)
    }

    async fn list(&self, user: &User) -> Result<Vec<(SessionId, Session)>, StoreError> {
        self.check()?;
        Ok(self
            .lock()
            .iter()
            .filter(|(_, session)| session.user.key() == user.key())
            .map(|(id, session)| (id.clone(), session.clone()))
            .collect())
    }

    async fn remove(&self, _user: &User, ids: &[SessionId]) -> Result<(), StoreError> {
        self.check()?;
        let mut sessions = self.lock();
        for id in ids {
            sessions.remove(id);
        }
        Ok(())
    }

    async fn take(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        self.check()?;
        Ok(self.lock().remove(id))
    }

    async fn provider_sessions(
        &self,
        issuer: &str,
        sid: &str,
    ) -> Result<Vec<(SessionId, Session)>, StoreError> {
        self.check()?;
        Ok(self
            .lock()
            .iter()
            .filter(|(_, s)| s.user.issuer == issuer && s.provider_sid.as_deref() == Some(sid))
            .map(|(id, session)| (id.clone(), session.clone()))
            .collect())
    }

    async fn revoke_before(
        &self,
        user: &User,
        at: i64,
        _keep_until: i64,
    ) -> Result<(), StoreError> {
        self.check()?;
        let mut revoked = self.revoked();
        let marker = revoked.entry(user.key()).or_insert(at);
        *marker = (*marker).max(at);
        Ok(())
    }

    /// This double keeps no user or provider-session items: only the first sign-in's
    /// record to forget.
    async fn forget_user(&self, user: &User, _sids: &[String]) -> Result<(), StoreError> {
        self.check()?;
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&crate::session::seen_key(user));
        Ok(())
    }

    async fn hold_address_change(
        &self,
        key: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.check()?;
        self.address_changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key.to_owned())
            .or_insert_with(|| (change.clone(), expires_at));
        Ok(())
    }

    async fn take_address_change(
        &self,
        key: &str,
        now: i64,
    ) -> Result<Option<AddressChange>, StoreError> {
        self.check()?;
        let taken = self
            .address_changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
        Ok(taken
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(change, _)| change))
    }

    async fn set_email(
        &self,
        id: &SessionId,
        email: &str,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        self.check()?;
        if let Some(session) = self.lock().get_mut(id) {
            session.user.email = Some(email.to_owned());
            if let Some(name) = name {
                session.user.name = Some(name.to_owned());
            }
        }
        Ok(())
    }

    async fn claim(&self, key: &str, _expires_at: i64) -> Result<bool, StoreError> {
        self.check()?;
        Ok(self
            .claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.to_owned()))
    }
}

impl CounterStore for MemorySessionStore {
    async fn increment(&self, key: &str, _expires_at: i64) -> Result<u64, StoreError> {
        self.check()?;
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counters.entry(key.to_owned()).or_insert(0);
        *count += 1;
        Ok(*count)
    }
}
