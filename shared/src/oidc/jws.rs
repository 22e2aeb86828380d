//! Compact JWS, below the two kinds of provider token the functions verify: ID tokens
//! ([`crate::oidc`]) and logout tokens ([`crate::oidc::logout_token`]). Taking a token apart, checking
//! its signature against the provider's keys, and the clock skew both allow.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKey as _;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use serde_json::Value;

/// How far the provider's clock may be from ours: `exp` is accepted this long after it
/// passes, and `iat` may be this far in the future.
pub const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// A compact JWS taken apart: header, claims, the signed input and the signature.
pub struct Jws {
    pub header: Value,
    pub claims: Value,
    pub signing_input: String,
    pub signature: Vec<u8>,
}

/// Why a string is not a compact JWS.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
    /// Not three dot-separated parts.
    NotThreeParts,
    /// The header or the claims are not base64url.
    NotBase64,
    /// The header or the claims are not JSON.
    NotJson,
    /// The signature is not base64url.
    SignatureNotBase64,
}

/// Splits a compact JWS, refusing anything that is not one.
pub fn split(token: &str) -> Result<Jws, Malformed> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed::NotThreeParts);
    };
    let json = |part: &str| -> Result<Value, Malformed> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| Malformed::NotBase64)?;
        serde_json::from_slice(&bytes).map_err(|_| Malformed::NotJson)
    };
    Ok(Jws {
        header: json(header)?,
        claims: json(claims)?,
        signing_input: format!("{header}.{claims}"),
        signature: URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Malformed::SignatureNotBase64)?,
    })
}

/// Whether one of `keys` (the one named by `kid`, if the header names one) signed `jws`
/// with `alg`.
pub fn signed_by_one_of(
    keys: &CoreJsonWebKeySet,
    jws: &Jws,
    alg: &CoreJwsSigningAlgorithm,
    kid: Option<&str>,
) -> bool {
    keys.keys()
        .iter()
        .filter(|key| kid.is_none_or(|kid| key.key_id().is_some_and(|id| id.as_str() == kid)))
        .any(|key| {
            key.verify_signature(alg, jws.signing_input.as_bytes(), &jws.signature)
                .is_ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_base64url_json_parts_are_a_jws() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let token = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"a":1}"#),
            b64("sig")
        );
        let jws = split(&token).expect("a JWS");
        assert_eq!(jws.header["alg"], "RS256");
        assert_eq!(jws.claims["a"], 1);
        assert_eq!(jws.signature, b"sig");
        assert_eq!(jws.signing_input, token.rsplit_once('.').expect("dots").0);
        assert_eq!(split("a.b").err(), Some(Malformed::NotThreeParts));
        assert_eq!(
            split(&format!("{token}.x")).err(),
            Some(Malformed::NotThreeParts)
        );
        assert_eq!(split("!.e30.e30").err(), Some(Malformed::NotBase64));
        assert_eq!(
            split(&format!("{}.e30.", b64("x"))).err(),
            Some(Malformed::NotJson)
        );
        assert_eq!(
            split("e30.e30.!").err(),
            Some(Malformed::SignatureNotBase64)
        );
    }
}
