//! Where sessions live: the store's contract, which the DynamoDB adapter and the
//! in-memory double implement.

use std::future::Future;

use super::{Session, SessionId, SessionRecords, StoreError, User};
use crate::account::AddressChange;

/// Where sessions live. The DynamoDB adapter is [`crate::store::dynamo::DynamoSessionStore`];
/// [`crate::store::memory::MemorySessionStore`] is the test double.
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
    /// Forgets a user whose sessions have all ended (a deleted account): the items of
    /// the provider sessions `sids` (of the user's issuer) and the record of the user's
    /// first sign-in go, and the user's item keeps only its `revoked_before` marker,
    /// until it expires.
    fn forget_user(
        &self,
        user: &User,
        sids: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Holds a change of address under `key` (a hash of its link's token) until
    /// `expires_at`; never over another.
    fn hold_address_change(
        &self,
        key: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes the change held under `key`: `None` if there is none or it expired at `now`;
    /// whichever, it is gone (one call, so a link confirms once).
    fn take_address_change(
        &self,
        key: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<AddressChange>, StoreError>> + Send;
    /// The address a session shows (and its name, when `name` is given), if it still
    /// exists.
    fn set_email(
        &self,
        id: &SessionId,
        email: &str,
        name: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records a one-time marker `key` until `expires_at`; `false` if it was already
    /// there. Makes each sign-in flow single-use on the server, not only in the browser.
    fn claim(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
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
    fn forget_user(
        &self,
        user: &User,
        sids: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).forget_user(user, sids)
    }
    fn hold_address_change(
        &self,
        key: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).hold_address_change(key, change, expires_at)
    }
    fn take_address_change(
        &self,
        key: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<AddressChange>, StoreError>> + Send {
        (**self).take_address_change(key, now)
    }
    fn set_email(
        &self,
        id: &SessionId,
        email: &str,
        name: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).set_email(id, email, name)
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
