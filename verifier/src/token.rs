//! The session cookie's token, and the key the table holds instead of it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::StoreError;

pub const SESSION_COOKIE: &str = "__Host-session";

/// The token the browser holds: 32 random bytes, base64url (43 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// What the table is keyed by: `session#` and the hex SHA-256 of the token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stored key, as a store lists it.
    pub fn from_stored(key: String) -> Option<Self> {
        let hash = key.strip_prefix("session#")?;
        (hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then_some(Self(key))
    }

    /// The id the account page shows: derived from the key by a one-way hash, so it
    /// names a session without being its token or its key (`POST /api/auth/sessions/
    /// revoke` takes it back). 128 bits, hex.
    pub fn public_id(&self) -> String {
        let mut hash = crate::hex::sha256(&format!("public-id {}", self.0));
        hash.truncate(32);
        hash
    }
}

impl SessionToken {
    const LEN: usize = 43;

    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| StoreError::Unavailable("no randomness".into()))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Accepts only what `generate` makes, so garbage never reaches the table.
    pub fn parse(value: &str) -> Option<Self> {
        let well_formed = value.len() == Self::LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD.decode(value).is_ok_and(|b| b.len() == 32);
        well_formed.then(|| Self(value.to_owned()))
    }

    pub fn as_cookie_value(&self) -> &str {
        &self.0
    }

    pub fn id(&self) -> SessionId {
        SessionId(format!("session#{}", crate::hex::sha256(&self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_keyed_by_their_hash_only() {
        let token = SessionToken::generate().expect("token");
        assert_eq!(token.as_cookie_value().len(), 43);
        let id = token.id();
        assert!(id.as_str().starts_with("session#"));
        assert!(!id.as_str().contains(token.as_cookie_value()));
        assert_ne!(token, SessionToken::generate().expect("token"));
        // Debug output says a token was there, and never shows it.
        assert_eq!(format!("{token:?}"), "SessionToken([redacted])");
    }

    #[test]
    fn only_well_formed_tokens_parse() {
        let token = SessionToken::generate().expect("token");
        let value = token.as_cookie_value();
        assert_eq!(SessionToken::parse(value), Some(token.clone()));
        // Each clause alone: the length, the alphabet, and 32 bytes with no stray bits.
        let alphabet_ok_but_long = format!("{value}A");
        let right_length_bad_alphabet = format!("{}!", &value[..42]);
        let stray_bits = format!("{}B", "A".repeat(42));
        for bad in [
            alphabet_ok_but_long.as_str(),
            right_length_bad_alphabet.as_str(),
            "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+",
            stray_bits.as_str(),
            "",
        ] {
            assert_eq!(SessionToken::parse(bad), None, "{bad:?}");
        }
        assert!(SessionToken::parse(&"A".repeat(43)).is_some());
    }

    #[test]
    fn public_ids_name_a_session_without_revealing_its_key() {
        let token = SessionToken::generate().expect("token");
        let id = token.id();
        let public = id.public_id();
        assert_eq!(public.len(), 32);
        assert!(public.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!id.as_str().contains(&public));
        assert_eq!(public, id.public_id(), "stable");
        assert_ne!(
            public,
            SessionToken::generate().expect("token").id().public_id()
        );
        assert_eq!(
            SessionId::from_stored(id.as_str().to_owned()),
            Some(id.clone())
        );
        for bad in [
            "session#".to_owned(),
            format!("flow#{}", &id.as_str()[8..]),
            format!("{}0", id.as_str()),
            id.as_str().to_uppercase(),
        ] {
            assert_eq!(SessionId::from_stored(bad.clone()), None, "{bad}");
        }
    }
}
