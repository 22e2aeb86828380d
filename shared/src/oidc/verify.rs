//! The ID token checks `openidconnect` leaves to the client, or that this client sets
//! stricter: algorithms, the clock skew, `iat`, `azp`.

use chrono::{DateTime, Utc};
use openidconnect::core::{CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{ClaimsVerificationError, ClientId, IssuerUrl, SignatureVerificationError};

use crate::error::AuthError;
use crate::oidc::jws::CLOCK_SKEW;

/// How an ID token is verified (`openidconnect`'s checks of signature, issuer, audience,
/// expiry and nonce, set as this client needs them): only asymmetric algorithms, so the
/// client secret (which keys the HMAC ones) has no part in it, and a clock skew of
/// [`CLOCK_SKEW`] either way.
pub fn id_token_verifier(
    client_id: &str,
    issuer: IssuerUrl,
    keys: CoreJsonWebKeySet,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
) -> CoreIdTokenVerifier<'static> {
    CoreIdTokenVerifier::new_public_client(ClientId::new(client_id.to_owned()), issuer, keys)
        .set_allowed_algs(algorithms)
        .set_time_fn(|| Utc::now() - CLOCK_SKEW)
        .set_issue_time_verifier_fn(|iat| issued_in_time(iat, Utc::now()))
}

/// The `iat` bound: a token may say it was issued up to [`CLOCK_SKEW`] after `now` (the
/// provider's clock ahead of ours), not later.
pub(super) fn issued_in_time(iat: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if iat > now + CLOCK_SKEW {
        Err(format!(
            "iat is more than {} s in the future",
            CLOCK_SKEW.as_secs()
        ))
    } else {
        Ok(())
    }
}

pub(super) fn unknown_key(error: &ClaimsVerificationError) -> bool {
    matches!(
        error,
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)
    )
}

/// OpenID Connect Core §3.1.3.7 steps 4 and 5, which `openidconnect` leaves to the
/// client: an ID token with several audiences must name this client in `azp`, and an
/// `azp` that is present must be this client. (Step 3, an audience this client does not
/// trust, is refused by `openidconnect` itself.)
///
/// Beyond Identity writes `azp` as the application's path,
/// `tenants/{t}/realms/{r}/applications/{app}`, in its access tokens (its docs'
/// introspection example); the same value in an ID token names this client as surely as
/// the client ID does, so both are accepted and nothing else.
pub(super) fn check_authorized_party(
    azp: Option<&str>,
    audiences: usize,
    client_id: &str,
    issuer: &str,
) -> Result<(), AuthError> {
    let application_path = issuer
        .split_once("/v1/")
        .map(|(_, path)| path)
        .filter(|path| path.starts_with("tenants/") && path.contains("/applications/"));
    match azp {
        Some(azp) if azp == client_id || Some(azp) == application_path => Ok(()),
        Some(_) => Err(AuthError::InvalidIdToken("azp names another client".into())),
        None if audiences > 1 => Err(AuthError::InvalidIdToken(
            "several audiences and no azp".into(),
        )),
        None => Ok(()),
    }
}

pub(super) fn reject(error: ClaimsVerificationError) -> AuthError {
    tracing::warn!(error = %error, "an ID token failed verification");
    AuthError::InvalidIdToken(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::discovery::asymmetric;
    use super::*;

    const ISSUER: &str =
        "https://auth-us.beyondidentity.com/v1/tenants/0001a/realms/b/applications/c-d";

    #[test]
    fn only_asymmetric_algorithms_verify_id_tokens() {
        use CoreJwsSigningAlgorithm::*;
        for alg in [
            RsaSsaPkcs1V15Sha256,
            RsaSsaPssSha512,
            EcdsaP256Sha256,
            EcdsaP384Sha384,
            EdDsa,
        ] {
            assert!(asymmetric(&alg), "{alg:?}");
        }
        // The HMAC ones are keyed by the client secret; `none` is no signature at all.
        for alg in [HmacSha256, HmacSha384, HmacSha512, None] {
            assert!(!asymmetric(&alg), "{alg:?}");
        }
    }

    #[test]
    fn iat_may_be_at_most_the_clock_skew_ahead() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("a time");
        let skew = chrono::Duration::from_std(CLOCK_SKEW).expect("skew");
        let second = chrono::Duration::seconds(1);
        assert!(issued_in_time(now - chrono::Duration::hours(1), now).is_ok());
        assert!(issued_in_time(now, now).is_ok());
        assert!(issued_in_time(now + skew, now).is_ok());
        assert!(issued_in_time(now + skew + second, now).is_err());
    }

    #[test]
    fn azp_must_name_this_client() {
        let check = |azp, audiences| check_authorized_party(azp, audiences, "client", ISSUER);
        assert!(check(None, 1).is_ok());
        assert!(check(Some("client"), 1).is_ok());
        assert!(check(Some("client"), 2).is_ok());
        assert!(check(Some("tenants/0001a/realms/b/applications/c-d"), 2).is_ok());
        assert!(check(None, 2).is_err());
        assert!(check(Some("other"), 1).is_err());
        assert!(check(Some("tenants/0001a/realms/b/applications/other"), 1).is_err());
        assert!(check(Some(""), 1).is_err());
        // Another provider's issuer has no application path to match.
        let generic = check_authorized_party(
            Some("tenants/x/applications/y"),
            1,
            "client",
            "https://idp.example.com/v1/realms/x",
        );
        assert!(generic.is_err());
        // Both halves of the rule: a path under `tenants/` that names no application (the
        // realm), and an application path outside `tenants/`, are no application path.
        let realm = "https://idp.example.com/v1/tenants/t/realms/r";
        assert!(check_authorized_party(Some("tenants/t/realms/r"), 1, "client", realm).is_err());
        let elsewhere = "https://idp.example.com/v1/realms/r/applications/a";
        let other = check_authorized_party(Some("realms/r/applications/a"), 1, "client", elsewhere);
        assert!(other.is_err());
    }
}
