//! `passkey-auth account delete`: an operator deletes a user's account, as the user can on
//! the account page ([`delete_account`]): every session ends and sign-ins under way are
//! void, the user's items leave the table, and the identity and its passkeys leave Beyond
//! Identity. Running it again completes a deletion that failed half-way.

use passkey_auth::account::{DeletionError, delete_account};
use passkey_auth::management::ManagementApi;
use passkey_auth::session::{SessionStore, Sessions, User};

/// Deletes the account of `user`; what was done, as a sentence.
pub async fn delete<M: ManagementApi, S: SessionStore>(
    api: &M,
    sessions: &Sessions<S>,
    user: &User,
    now: i64,
) -> Result<String, DeletionError> {
    let deleted = delete_account(api, sessions, user, now).await?;
    let ended = deleted.sessions_ended;
    Ok(format!(
        "deleted the account of {}: {ended} session{} ended; {}\n",
        user.subject,
        if ended == 1 { "" } else { "s" },
        if deleted.identity_was_there {
            "the identity and its passkeys deleted at Beyond Identity"
        } else {
            "the identity was already gone at Beyond Identity"
        }
    ))
}
