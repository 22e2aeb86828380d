//! The routes of DESIGN.md, each a handler that reads top to bottom as the protocol it
//! implements. The functions under `functions/` only build these once and hand them to
//! `lambda_http`.

pub mod bind_job;
pub mod callback;
pub mod reader;
pub mod register;
pub mod session;
pub mod signin;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AuthError;

/// 32 random bytes, base64url: a `state`, a `nonce` or a PKCE verifier (43 characters,
/// within RFC 7636's 43–128).
pub(crate) fn random_value() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AuthError::Internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
