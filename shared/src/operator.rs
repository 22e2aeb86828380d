//! `passkey-auth sessions list|revoke`: a user's sessions, for incident response.
//!
//! The same rules as the account page ([`Sessions`]): revoking deletes the session items,
//! so each is refused on its very next request; `--all` also voids the sign-ins of the
//! user that are under way. Users are named by their `sub` at the configured issuer.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat};

use crate::session::{SessionStore, Sessions, StoreError, User};

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
    User {
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
        name: None,
        email: None,
    }
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
            session.client.device(),
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
