//! A user's own sessions: listing them, ending one, ending all of them ("sign out
//! everywhere"), ending those a provider's back-channel logout names, and erasing the
//! user; a change of the user's address, held until confirmed, and shown by every session.

use passkey_verifier::hex;

use super::{Session, SessionId, SessionStore, Sessions, StoreError, User};
use crate::account::AddressChange;

/// The key of a held change of address: its link's token, hashed (never stored itself).
fn address_key(token: &str) -> String {
    format!("address#{}", hex::sha256(token))
}

impl<S: SessionStore> Sessions<S> {
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
        Ok(self.revoke_all_before(user, now, now).await?.len())
    }

    /// Ends every session of `user` for a sign-in that began at `began_at` and has not yet
    /// made its session (`Intent::EndOtherSessions`): the sign-ins that began before it
    /// are void, it is not, and the session it makes next is the only one left. Returns
    /// how many were ended.
    pub async fn revoke_all_for_sign_in(
        &self,
        user: &User,
        began_at: i64,
        now: i64,
    ) -> Result<usize, StoreError> {
        Ok(self.revoke_all_before(user, began_at - 1, now).await?.len())
    }

    /// Erases `user` from the table, for a deleted account: every sign-in that began
    /// until `now` is void, every session ends, the items of their provider sessions go,
    /// and the user's item keeps only that marker (its key is a hash; it expires with the
    /// last session it could have named). Returns how many sessions were ended. Running it
    /// again changes nothing, so that a retry completes a deletion.
    pub async fn erase_user(&self, user: &User, now: i64) -> Result<usize, StoreError> {
        let ended = self.revoke_all_before(user, now, now).await?;
        let mut sids: Vec<String> = ended
            .iter()
            .filter_map(|(_, session)| session.provider_sid.clone())
            .collect();
        sids.sort();
        sids.dedup();
        self.store.forget_user(user, &sids).await?;
        Ok(ended.len())
    }

    /// The marker at `marker` (no sign-in that began at or before it makes a session),
    /// then every session the user's item and the index name ends. Returns them.
    async fn revoke_all_before(
        &self,
        user: &User,
        marker: i64,
        now: i64,
    ) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let keep_until = now + self.config.max_age.as_secs() as i64;
        self.store.revoke_before(user, marker, keep_until).await?;
        let stored = self.store.list(user).await?;
        let ids: Vec<SessionId> = stored.iter().map(|(id, _)| id.clone()).collect();
        self.store.remove(user, &ids).await?;
        Ok(stored)
    }

    /// Holds a change of address for the link whose token is `token`, until `expires_at`.
    pub async fn hold_address_change(
        &self,
        token: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.store
            .hold_address_change(&address_key(token), change, expires_at)
            .await
    }

    /// Takes the change of the link whose token is `token`: once; `None` if there is none,
    /// it was used, or it expired.
    pub async fn take_address_change(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<AddressChange>, StoreError> {
        self.store
            .take_address_change(&address_key(token), now)
            .await
    }

    /// Every live session of `user` shows the address `new` instead of `old` from its next
    /// request (and as its name too, where the name was the old address). Returns how many.
    pub async fn show_email(
        &self,
        user: &User,
        old: &str,
        new: &str,
        now: i64,
    ) -> Result<usize, StoreError> {
        let sessions = self.list(user, now).await?;
        for (id, session) in &sessions {
            let was_address = session
                .user
                .name
                .as_deref()
                .is_some_and(|name| name.eq_ignore_ascii_case(old));
            let name = was_address.then_some(new);
            self.store.set_email(id, new, name).await?;
        }
        Ok(sessions.len())
    }

    /// Ends the sessions a provider's back-channel logout names (OpenID Back-Channel Logout
    /// 1.0 §2.7): with `subject` and `sid`, that user's sessions made in that provider
    /// session; with `subject` alone, every session of that user; with `sid` alone, every
    /// session made in it. Only sessions of `issuer`. Returns each user whose sessions
    /// ended, with how many.
    pub async fn end_provider_session(
        &self,
        issuer: &str,
        subject: Option<&str>,
        sid: Option<&str>,
        now: i64,
    ) -> Result<Vec<(User, usize)>, StoreError> {
        let found = match (subject, sid) {
            (Some(subject), _) => self.list(&User::new(issuer, subject), now).await?,
            (None, Some(sid)) => self.store.provider_sessions(issuer, sid).await?,
            (None, None) => return Ok(Vec::new()),
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
        let mut ended = Vec::with_capacity(by_user.len());
        for (user, ids) in by_user.into_values() {
            self.store.remove(&user, &ids).await?;
            ended.push((user, ids.len()));
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Authenticated;
    use super::super::tests::{sessions, start, user};
    use super::*;

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
}
