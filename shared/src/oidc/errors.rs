//! What a failing token or userinfo endpoint means for the user.

use openidconnect::{RequestTokenError, UserInfoError};

use crate::error::AuthError;

/// What a failed userinfo request means for the user. Never logs the body: it holds
/// personal data.
pub(super) fn userinfo_error<E: std::error::Error>(error: UserInfoError<E>) -> AuthError {
    match error {
        UserInfoError::ClaimsVerification(error) => {
            tracing::warn!(error = %error, "the userinfo answer failed verification");
            AuthError::InvalidUserinfo(error.to_string())
        }
        UserInfoError::Parse(error) => {
            tracing::warn!(at = %error.path(), "the userinfo answer could not be read");
            AuthError::InvalidUserinfo("the userinfo answer is malformed".into())
        }
        UserInfoError::Response(status, _, _) if status.is_client_error() => {
            tracing::warn!(%status, "the userinfo endpoint refused the access token");
            AuthError::InvalidUserinfo(format!("the userinfo endpoint answered {status}"))
        }
        UserInfoError::Response(status, _, _) => {
            tracing::warn!(%status, "the userinfo endpoint failed");
            AuthError::ProviderUnavailable
        }
        other => {
            tracing::warn!(error = %other, "the userinfo endpoint could not be used");
            AuthError::ProviderUnavailable
        }
    }
}

/// What a failed token request means for the user.
pub(super) fn token_error<E: std::error::Error>(
    error: RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> AuthError {
    use openidconnect::core::CoreErrorResponseType;
    match error {
        RequestTokenError::ServerResponse(response) => {
            tracing::warn!(error = %response.error(), "the token endpoint refused the request");
            match response.error() {
                CoreErrorResponseType::Extension(code)
                    if code == "temporarily_unavailable" || code == "server_error" =>
                {
                    AuthError::ProviderUnavailable
                }
                _ => AuthError::CodeRejected,
            }
        }
        // A JSON answer with an ID token that does not even parse (no `sub`, say) is a
        // bad ID token; anything else unreadable is a provider that is not working.
        RequestTokenError::Parse(error, body) => {
            let has_id_token = serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("id_token").is_some_and(serde_json::Value::is_string));
            // Only where parsing failed: serde's message can quote values, and this
            // body holds tokens.
            tracing::warn!(at = %error.path(), "the token response could not be read");
            if has_id_token {
                AuthError::InvalidIdToken("the ID token is malformed".into())
            } else {
                AuthError::ProviderUnavailable
            }
        }
        other => {
            tracing::warn!(error = %other, "the token endpoint could not be used");
            AuthError::ProviderUnavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_endpoint_that_is_failing_is_unavailable_and_a_refusal_is_a_rejected_code() {
        use openidconnect::core::CoreErrorResponseType::{self, Extension, InvalidGrant};
        let answer = |error: CoreErrorResponseType| {
            let response = openidconnect::StandardErrorResponse::new(error, None, None);
            token_error(RequestTokenError::<std::io::Error, _>::ServerResponse(
                response,
            ))
        };
        for failing in ["server_error", "temporarily_unavailable"] {
            let mapped = answer(Extension(failing.into()));
            assert!(
                matches!(mapped, AuthError::ProviderUnavailable),
                "{failing}"
            );
        }
        for refusal in [InvalidGrant, Extension("invalid_dpop_proof".into())] {
            let mapped = answer(refusal.clone());
            assert!(matches!(mapped, AuthError::CodeRejected), "{refusal:?}");
        }
    }
}
