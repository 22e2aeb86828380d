//! A user's account as a whole (docs/account.md): deleting it, for the user on the
//! account page and for an operator (`passkey-auth account delete`); and the change of
//! its address that a user asked for and must confirm.

use crate::management::{ManagementApi, ManagementError};
use crate::session::{SessionStore, Sessions, StoreError, User};

/// A change of address that a user asked for, held until its link confirms it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressChange {
    pub user: User,
    /// The address when the user asked: the change applies only if it still is.
    pub old: String,
    pub new: String,
}

/// What a deletion did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The sessions that were still stored and are now gone.
    pub sessions_ended: usize,
    /// Whether the identity was still at Beyond Identity (`false`: a retry, or an
    /// identity deleted there before).
    pub identity_was_there: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DeletionError {
    /// Nothing is known to have changed at Beyond Identity; the table may be part-way.
    #[error("the session store failed: {0}")]
    Store(#[from] StoreError),
    /// Every session has ended, but the identity may still be there.
    #[error("Beyond Identity did not delete the identity: {0}")]
    Provider(#[from] ManagementError),
}

/// Deletes the account of `user` (whose subject is the Beyond Identity identity id):
/// first the table (every sign-in begun until `now` void, every session ended, the
/// user's items gone, [`Sessions::erase_user`]), then the identity at Beyond Identity,
/// which takes its passkeys with it.
///
/// In that order, a failure half-way never leaves a session alive for a deleted
/// identity: it leaves an identity with no session, whose owner signs in again and
/// deletes it once more. Every step is idempotent, so a retry completes the deletion.
pub async fn delete_account<M: ManagementApi, S: SessionStore>(
    api: &M,
    sessions: &Sessions<S>,
    user: &User,
    now: i64,
) -> Result<Deleted, DeletionError> {
    let sessions_ended = sessions.erase_user(user, now).await?;
    let identity_was_there = api.delete_identity(&user.subject).await?;
    Ok(Deleted {
        sessions_ended,
        identity_was_there,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::config::SessionConfig;
    use crate::management::{BindingJob, Credential, Delivery, NewIdentity, Owner};
    use crate::session::Authenticated;
    use crate::store::memory::MemorySessionStore;

    /// Beyond Identity as far as a deletion goes: what it answers, and how many sessions
    /// were still stored when it was asked.
    struct Provider {
        store: Arc<MemorySessionStore>,
        answer: Result<bool, ManagementError>,
        asked: Mutex<Vec<(String, usize)>>,
    }

    impl ManagementApi for Provider {
        async fn create_identity(&self, _: &str) -> Result<NewIdentity, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn find_identity(&self, _: &str) -> Result<Option<String>, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn create_binding_job(
            &self,
            _: &str,
            _: Delivery,
            _: &str,
        ) -> Result<BindingJob, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn list_credentials(&self, _: &str) -> Result<Vec<Credential>, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn revoke_credential(&self, _: &str, _: &str) -> Result<Credential, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn binding_job_owner(&self, _: &str, _: &str) -> Result<Owner, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn change_address(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<crate::management::AddressChanged, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn bound_credential(
            &self,
            _: &str,
            _: &str,
        ) -> Result<Option<String>, ManagementError> {
            unreachable!("not part of a deletion")
        }
        async fn delete_identity(&self, identity_id: &str) -> Result<bool, ManagementError> {
            self.asked
                .lock()
                .expect("lock")
                .push((identity_id.to_owned(), self.store.len()));
            self.answer.clone()
        }
    }

    fn stack(
        answer: Result<bool, ManagementError>,
    ) -> (Provider, Sessions<Arc<MemorySessionStore>>) {
        let store = Arc::new(MemorySessionStore::default());
        let config = SessionConfig {
            table: "t".into(),
            idle_timeout: Duration::from_secs(3600),
            max_age: Duration::from_secs(7200),
            recent_sign_in: Duration::from_secs(300),
        };
        let provider = Provider {
            store: store.clone(),
            answer,
            asked: Mutex::new(Vec::new()),
        };
        (provider, Sessions::new(store, config))
    }

    fn alice() -> User {
        User::new("https://issuer", "e85de356dc78843a")
    }

    async fn signed_in(sessions: &Sessions<Arc<MemorySessionStore>>, user: User, at: i64) {
        sessions
            .start(Authenticated::user(user), at, at)
            .await
            .expect("start")
            .expect("created");
    }

    #[tokio::test]
    async fn the_sessions_end_before_the_identity_is_deleted() {
        let (provider, sessions) = stack(Ok(true));
        signed_in(&sessions, alice(), 10).await;
        signed_in(&sessions, alice(), 20).await;
        signed_in(&sessions, User::new("https://issuer", "bob"), 20).await;
        let deleted = delete_account(&provider, &sessions, &alice(), 100)
            .await
            .expect("deleted");
        assert_eq!(
            deleted,
            Deleted {
                sessions_ended: 2,
                identity_was_there: true,
            }
        );
        // Asked once, for Alice's identity, when only Bob's session was left.
        assert_eq!(
            *provider.asked.lock().expect("lock"),
            vec![("e85de356dc78843a".to_owned(), 1)]
        );
        // A sign-in of Alice's that began before cannot make a session.
        let late = sessions
            .start(Authenticated::user(alice()), 90, 110)
            .await
            .expect("start");
        assert!(late.is_none());
    }

    #[tokio::test]
    async fn a_provider_failure_is_reported_after_the_sessions_ended() {
        let (provider, sessions) = stack(Err(ManagementError::Timeout));
        signed_in(&sessions, alice(), 10).await;
        let failed = delete_account(&provider, &sessions, &alice(), 100).await;
        assert!(matches!(
            failed,
            Err(DeletionError::Provider(ManagementError::Timeout))
        ));
        assert!(sessions.list(&alice(), 100).await.expect("list").is_empty());
        // Gone already: the same as deleted, for a retry.
        let (provider, sessions) = stack(Ok(false));
        let deleted = delete_account(&provider, &sessions, &alice(), 100)
            .await
            .expect("deleted");
        assert!(!deleted.identity_was_there);
    }

    #[tokio::test]
    async fn a_store_failure_asks_nothing_of_beyond_identity() {
        let (provider, sessions) = stack(Ok(true));
        signed_in(&sessions, alice(), 10).await;
        provider.store.set_unavailable(true);
        let failed = delete_account(&provider, &sessions, &alice(), 100).await;
        assert!(matches!(failed, Err(DeletionError::Store(_))));
        assert!(provider.asked.lock().expect("lock").is_empty());
    }
}
