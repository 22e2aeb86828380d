//! Signing keys (RSA, RS256) and compact JWS, plus the P-256 checks for passkey proofs.
//!
//! The JWT code is written out by hand rather than taken from a JWT crate because the
//! emulator must also produce *broken* tokens on purpose (no `kid`, `alg: none`, a bad
//! signature), which a correct JWT library refuses to make.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::random;

/// An RSA key the emulator signs tokens with.
pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
    pkcs8: Vec<u8>,
}

/// How a key is kept in the state file.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    pub kid: String,
    pub pkcs8: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not generate an RSA key")]
    Generate,
    #[error("stored key {0} is not a valid PKCS#8 RSA key")]
    Stored(String),
}

impl SigningKey {
    pub fn generate() -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| KeyError::Generate)?
            .as_ref()
            .to_vec();
        Ok(Self {
            kid: random::jti(),
            pair,
            pkcs8,
        })
    }

    pub fn from_stored(stored: &StoredKey) -> Result<Self, KeyError> {
        let pkcs8 = STANDARD
            .decode(&stored.pkcs8)
            .map_err(|_| KeyError::Stored(stored.kid.clone()))?;
        let pair = KeyPair::from_pkcs8(&pkcs8).map_err(|_| KeyError::Stored(stored.kid.clone()))?;
        Ok(Self {
            kid: stored.kid.clone(),
            pair,
            pkcs8,
        })
    }

    pub fn to_stored(&self) -> StoredKey {
        StoredKey {
            kid: self.kid.clone(),
            pkcs8: STANDARD.encode(&self.pkcs8),
        }
    }

    /// The public half as a JWK, as served from `/.well-known/jwks.json`.
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        // Signing with a key we generated ourselves into a buffer of the modulus size
        // cannot fail short of a broken crypto library.
        self.pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .expect("RSA signing failed");
        sig
    }

    fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.pair.public_key().as_ref(),
        )
        .verify(message, sig)
        .is_ok()
    }
}

/// Deliberate defects for hostile-provider tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Defects {
    pub omit_kid: bool,
    pub alg_none: bool,
    pub bad_signature: bool,
}

/// Encodes and signs a compact JWS with RS256 (or with the given defects).
pub fn encode(key: &SigningKey, typ: &str, claims: &Value, defects: Defects) -> String {
    let mut header = serde_json::Map::new();
    header.insert(
        "alg".into(),
        Value::from(if defects.alg_none { "none" } else { "RS256" }),
    );
    header.insert("typ".into(), Value::from(typ));
    if !defects.omit_kid && !defects.alg_none {
        header.insert("kid".into(), Value::from(key.kid.as_str()));
    }
    sign(key, header, claims, defects)
}

/// A JWT whose header names where its key is published (`jku`), as Beyond Identity's
/// sign-in requests do: the SDK fetches the key from there, after checking that the URL
/// is on an allowed domain.
pub fn encode_with_jku(key: &SigningKey, jku: &str, claims: &Value) -> String {
    let mut header = serde_json::Map::new();
    header.insert("alg".into(), Value::from("RS256"));
    header.insert("typ".into(), Value::from("JWT"));
    header.insert("jku".into(), Value::from(jku));
    header.insert("kid".into(), Value::from(key.kid.as_str()));
    sign(key, header, claims, Defects::default())
}

fn sign(
    key: &SigningKey,
    header: serde_json::Map<String, Value>,
    claims: &Value,
    defects: Defects,
) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    if defects.alg_none {
        return format!("{signing_input}.");
    }
    let mut sig = key.sign(signing_input.as_bytes());
    if defects.bad_signature
        && let Some(last) = sig.last_mut()
    {
        *last ^= 0x01;
    }
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Verifies a JWS the emulator issued itself and returns its claims.
pub fn decode_own(keys: &[SigningKey], token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "RS256" {
        return None;
    }
    let kid = header.get("kid")?.as_str()?;
    let key = keys.iter().find(|k| k.kid == kid)?;
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let signing_input = &token[..h.len() + 1 + c.len()];
    if !key.verify(signing_input.as_bytes(), &sig) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()
}

/// A P-256 public key as a JWK (`{"kty":"EC","crv":"P-256","x","y"}`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EcJwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
}

impl EcJwk {
    /// The uncompressed SEC1 point, or `None` when this is not a P-256 key.
    fn point(&self) -> Option<Vec<u8>> {
        if self.kty != "EC" || self.crv != "P-256" {
            return None;
        }
        let x = URL_SAFE_NO_PAD.decode(&self.x).ok()?;
        let y = URL_SAFE_NO_PAD.decode(&self.y).ok()?;
        if x.len() != 32 || y.len() != 32 {
            return None;
        }
        let mut point = Vec::with_capacity(65);
        point.push(0x04);
        point.extend_from_slice(&x);
        point.extend_from_slice(&y);
        Some(point)
    }

    /// Checks an ECDSA P-256 SHA-256 signature in the IEEE P1363 form WebCrypto produces
    /// (`r || s`, 64 bytes), base64url-encoded.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let (Some(point), Ok(sig)) = (self.point(), URL_SAFE_NO_PAD.decode(signature_b64)) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
            .verify(message, &sig)
            .is_ok()
    }

    /// The RFC 7638 thumbprint, base64url, as BI reports `jwk_thumbprint`.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#,
            self.crv, self.kty, self.x, self.y
        );
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.as_ref())
    }
}

/// `BASE64URL(SHA-256(verifier))`, the PKCE S256 transform.
pub fn pkce_s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Constant-time equality for secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    #[allow(deprecated)]
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

    #[test]
    fn signed_tokens_round_trip_and_defects_are_refused() {
        let key = SigningKey::generate().expect("key");
        let claims = json!({"sub": "x"});
        let good = encode(&key, "JWT", &claims, Defects::default());
        assert_eq!(
            decode_own(std::slice::from_ref(&key), &good),
            Some(claims.clone())
        );
        for defects in [
            Defects {
                bad_signature: true,
                ..Defects::default()
            },
            Defects {
                alg_none: true,
                ..Defects::default()
            },
            Defects {
                omit_kid: true,
                ..Defects::default()
            },
        ] {
            let bad = encode(&key, "JWT", &claims, defects);
            assert_eq!(
                decode_own(std::slice::from_ref(&key), &bad),
                None,
                "{defects:?}"
            );
        }
        let restored = SigningKey::from_stored(&key.to_stored()).expect("restore");
        assert_eq!(decode_own(&[restored], &good), Some(claims));
    }

    #[test]
    fn p256_signatures_from_webcrypto_format_verify() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("gen");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .expect("pair");
        let point = pair.public_key().as_ref();
        let jwk = EcJwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..65]),
        };
        let sig = pair.sign(&rng, b"challenge").expect("sign");
        let sig = URL_SAFE_NO_PAD.encode(sig.as_ref());
        assert!(jwk.verify(b"challenge", &sig));
        assert!(!jwk.verify(b"other", &sig));
        assert!(!jwk.verify(b"challenge", "not base64!"));
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
