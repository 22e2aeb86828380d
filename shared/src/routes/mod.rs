//! The routes of DESIGN.md, each a handler that reads top to bottom as the protocol it
//! implements. The functions under `functions/` only build these once and hand them to
//! `lambda_http`.

pub mod account;
pub mod answers;
pub mod authorizer;
pub mod backchannel;
pub mod callback;
pub mod forward_auth;
pub mod nextauth;
pub mod reader;
pub mod register;
pub mod session;
pub mod signin;

use lambda_http::Request;

use crate::error::AuthError;
use crate::http::{CookieValue, cookie};
use crate::session::{SESSION_COOKIE, Session, SessionId, SessionStore, Sessions};

/// The live session of a request, or 401 `unauthenticated` (no cookie, two cookies, an
/// unknown, ended or expired session), or 503 when the store cannot say.
pub(crate) async fn signed_in<S: SessionStore>(
    sessions: &Sessions<S>,
    request: &Request,
    now: i64,
) -> Result<(SessionId, Session), AuthError> {
    let CookieValue::One(value) = cookie(request.headers(), SESSION_COOKIE) else {
        return Err(AuthError::Unauthenticated);
    };
    sessions
        .resolve_keyed(&value, now)
        .await?
        .ok_or(AuthError::Unauthenticated)
}

/// As [`signed_in`], for a sensitive action: the user must have signed in within the
/// configured window (`SESSION_RECENT_SIGN_IN`), or 401 `reauthentication_required`.
pub(crate) async fn recently_signed_in<S: SessionStore>(
    sessions: &Sessions<S>,
    request: &Request,
    now: i64,
) -> Result<(SessionId, Session), AuthError> {
    let (id, session) = signed_in(sessions, request, now).await?;
    if session.is_recent(sessions.config().recent_sign_in, now) {
        Ok((id, session))
    } else {
        Err(AuthError::ReauthenticationRequired)
    }
}
