//! `passkey-auth sessions list|revoke`: a user's sessions, for incident response.
//!
//! The same rules as the account page ([`Sessions`]): revoking deletes the session items,
//! so each is refused on its very next request; `--all` also voids the sign-ins of the
//! user that are under way. Users are named by their `sub` at the configured issuer.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat};

use passkey_auth::session::{SessionStore, Sessions, StoreError, User};

/// Which of the user's sessions to end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    All,
    /// A public id, as `sessions list` and the account page show it.
    Id(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{user} has no live session with the id {id}")]
    NoSuchSession { user: String, id: String },
}

pub fn user(issuer: &str, subject: &str) -> User {
    User::new(issuer, subject)
}

fn rfc3339(at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The user's live sessions as a table, most recently used first.
pub async fn list<S: SessionStore>(
    sessions: &Sessions<S>,
    user: &User,
    now: i64,
) -> Result<String, StoreError> {
    let listed = sessions.list(user, now).await?;
    let mut out = format!(
        "{} live session{} of {}\n",
        listed.len(),
        if listed.len() == 1 { "" } else { "s" },
        user.subject
    );
    if listed.is_empty() {
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "{:<32}  {:<20}  {:<20}  {:<28}  {:<20}  DEVICE",
        "ID", "SIGNED IN", "LAST SEEN", "NETWORK", "EXPIRES"
    );
    for (id, session) in listed {
        let _ = writeln!(
            out,
            "{:<32}  {:<20}  {:<20}  {:<28}  {:<20}  {}",
            id.public_id(),
            rfc3339(session.created_at),
            rfc3339(session.last_seen_at),
            session.client.network.as_deref().unwrap_or("unknown"),
            rfc3339(session.expires_at()),
            passkey_auth::session::device::device_of(&session.client),
        );
    }
    Ok(out)
}

/// Ends the chosen sessions; what was done, in a sentence.
pub async fn revoke<S: SessionStore>(
    sessions: &Sessions<S>,
    user: &User,
    target: &Target,
    now: i64,
) -> Result<String, OperatorError> {
    match target {
        Target::All => {
            let ended = sessions.revoke_all(user, now).await?;
            Ok(format!(
                "ended {ended} session{} of {}; sign-ins that began before now cannot complete\n",
                if ended == 1 { "" } else { "s" },
                user.subject
            ))
        }
        Target::Id(id) => {
            if sessions.revoke(user, id, now).await? {
                Ok(format!("ended session {id} of {}\n", user.subject))
            } else {
                Err(OperatorError::NoSuchSession {
                    user: user.subject.clone(),
                    id: id.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passkey_auth::config::SessionConfig;
    use passkey_auth::session::ClientInfo;
    use passkey_auth::store::memory::MemorySessionStore;
    use std::time::Duration;

    const ISSUER: &str = "https://issuer.example";

    fn sessions() -> Sessions<MemorySessionStore> {
        Sessions::new(
            MemorySessionStore::default(),
            SessionConfig {
                table: "t".into(),
                idle_timeout: Duration::from_secs(24 * 3600),
                max_age: Duration::from_secs(7 * 24 * 3600),
                recent_sign_in: Duration::from_secs(300),
            },
        )
    }

    async fn sign_in(sessions: &Sessions<MemorySessionStore>, subject: &str, at: i64) -> String {
        let client = ClientInfo::new(
            Some("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
            "198.51.100.23",
        );
        let authenticated = passkey_auth::session::Authenticated {
            client,
            ..passkey_auth::session::Authenticated::user(user(ISSUER, subject))
        };
        let (token, _) = sessions
            .start(authenticated, at, at)
            .await
            .expect("start")
            .expect("created");
        token.id().public_id()
    }

    #[tokio::test]
    async fn the_list_is_a_table_of_the_users_live_sessions() {
        let sessions = sessions();
        let t0 = 1_800_000_000;
        let id = sign_in(&sessions, "alice", t0).await;
        sign_in(&sessions, "bob", t0).await;
        let out = list(&sessions, &user(ISSUER, "alice"), t0 + 60)
            .await
            .expect("list");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "1 live session of alice");
        assert!(lines[1].starts_with("ID "), "{out}");
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[2].starts_with(&id), "{out}");
        for part in [
            "2027-01-15T08:00:00Z",
            "198.51.100.0/24",
            "Firefox on Linux",
            "2027-01-16T08:00:00Z",
        ] {
            assert!(lines[2].contains(part), "{part} in {out}");
        }
        assert_eq!(
            list(&sessions, &user("https://other.example", "alice"), t0)
                .await
                .expect("list"),
            "0 live sessions of alice\n",
            "a user is scoped to the issuer"
        );
    }

    #[tokio::test]
    async fn revoking_by_id_or_all_ends_only_the_users_sessions() {
        let sessions = sessions();
        let alice = user(ISSUER, "alice");
        let first = sign_in(&sessions, "alice", 0).await;
        sign_in(&sessions, "alice", 0).await;
        let bobs = sign_in(&sessions, "bob", 0).await;
        match revoke(&sessions, &alice, &Target::Id(bobs.clone()), 1).await {
            Err(OperatorError::NoSuchSession { user, id }) => {
                assert_eq!((user.as_str(), id), ("alice", bobs))
            }
            other => panic!("{other:?}"),
        }
        let said = revoke(&sessions, &alice, &Target::Id(first.clone()), 1)
            .await
            .expect("revoke");
        assert_eq!(said, format!("ended session {first} of alice\n"));
        let said = revoke(&sessions, &alice, &Target::All, 2)
            .await
            .expect("revoke");
        assert!(said.starts_with("ended 1 session of alice;"), "{said}");
        assert!(sessions.list(&alice, 3).await.expect("list").is_empty());
        assert_eq!(
            sessions
                .list(&user(ISSUER, "bob"), 3)
                .await
                .expect("list")
                .len(),
            1
        );
    }
}
