//! Secrets that never print, and the keys derived from `AUTH_SECRET`.

use std::fmt;

use aws_lc_rs::hkdf;

/// A secret string (client secret, API token). `Debug` and `Display` print
/// `[redacted]`, so a secret cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `AUTH_SECRET`: at least 32 random bytes from which each purpose derives its own key,
/// so that no key is ever used for two things (the lesson of CVE-2023-48309). Only the
/// derived keys are kept.
#[derive(Clone)]
pub struct AuthSecret {
    flow_cookie: [u8; 32],
}

/// The purposes keys are derived for. Each label is fixed forever: changing one
/// invalidates what was sealed with the old key.
#[derive(Clone, Copy, Debug)]
pub enum KeyPurpose {
    /// The AEAD key of the `__Host-auth-flow` cookie.
    FlowCookie,
}

impl KeyPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::FlowCookie => b"passkey-auth/flow-cookie/aes-256-gcm/v1",
        }
    }
}

struct Len32;

impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

impl AuthSecret {
    pub const MIN_LEN: usize = 32;

    /// Reads hex (64+ hex digits) or base64 (standard or URL-safe, padded or not).
    pub fn parse(text: &str) -> Result<Self, String> {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = text.trim();
        let bytes = if text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| "is not valid hex".to_owned())?
        } else {
            let unpadded = text.trim_end_matches('=');
            STANDARD_NO_PAD
                .decode(unpadded)
                .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
                .map_err(|_| "is neither hex nor base64".to_owned())?
        };
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "is {} bytes; it must be at least {} random bytes (try: openssl rand -base64 32)",
                bytes.len(),
                Self::MIN_LEN
            ));
        }
        Ok(Self {
            flow_cookie: derive(&bytes, KeyPurpose::FlowCookie)?,
        })
    }

    /// The key for one purpose.
    pub fn key(&self, purpose: KeyPurpose) -> &[u8; 32] {
        match purpose {
            KeyPurpose::FlowCookie => &self.flow_cookie,
        }
    }
}

/// HKDF-SHA256 of the secret, for one purpose.
fn derive(secret: &[u8], purpose: KeyPurpose) -> Result<[u8; 32], String> {
    let failed = |_| "could not derive keys from it".to_owned();
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"passkey-auth").extract(secret);
    let info = [purpose.label()];
    let mut key = [0u8; 32];
    prk.expand(&info, Len32)
        .map_err(failed)?
        .fill(&mut key)
        .map_err(failed)?;
    Ok(key)
}

impl fmt::Debug for AuthSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
        let a = AuthSecret::parse(&"ab".repeat(32)).expect("hex");
        assert_eq!(format!("{a:?}"), "AuthSecret([redacted])");
    }

    /// The derived key is fixed forever for a given secret: a flow cookie sealed before a
    /// deploy must still open after it. RFC 5869 HKDF-SHA256, salt `passkey-auth`, info
    /// the purpose's label, computed independently (Python's hmac and hashlib).
    #[test]
    fn the_flow_cookie_key_is_a_known_answer() {
        let a = AuthSecret::parse(&"ab".repeat(32)).expect("hex");
        assert_eq!(
            passkey_verifier::hex::lower(a.key(KeyPurpose::FlowCookie)),
            "f19adf30d27bb68d8d275b182683eb5762be1e1932d9984d409a3c97734789cb"
        );
    }

    #[test]
    fn auth_secret_accepts_hex_and_base64_of_32_bytes_or_more() {
        assert!(AuthSecret::parse(&"0f".repeat(32)).is_ok());
        assert!(AuthSecret::parse("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=").is_ok());
        assert!(AuthSecret::parse("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80").is_ok());
        assert!(AuthSecret::parse("-_-_EjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80").is_ok());
        assert!(
            AuthSecret::parse(&"0f".repeat(31))
                .expect_err("too short")
                .contains("31 bytes")
        );
        assert!(AuthSecret::parse("not a secret!").is_err());
        assert!(AuthSecret::parse("").is_err());
    }

    #[test]
    fn derived_keys_differ_by_secret_and_are_stable() {
        let a = AuthSecret::parse(&"01".repeat(32)).expect("a");
        let b = AuthSecret::parse(&"02".repeat(32)).expect("b");
        let a2 = AuthSecret::parse(&"01".repeat(32)).expect("a");
        assert_eq!(
            a.key(KeyPurpose::FlowCookie),
            a2.key(KeyPurpose::FlowCookie)
        );
        assert_ne!(a.key(KeyPurpose::FlowCookie), b.key(KeyPurpose::FlowCookie));
        assert_ne!(a.key(KeyPurpose::FlowCookie), &[0u8; 32]);
    }
}
