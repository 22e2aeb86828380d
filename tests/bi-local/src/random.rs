//! Identifiers and secrets in the formats Beyond Identity uses, from the system CSPRNG.

use aws_lc_rs::rand;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The system RNG failing is not something an emulator can recover from.
    rand::fill(&mut buf).expect("the system random number generator failed");
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64url_chars(len: usize) -> String {
    let mut out = String::with_capacity(len + 4);
    while out.len() < len {
        out.push_str(&URL_SAFE_NO_PAD.encode(bytes::<48>()));
    }
    out.truncate(len);
    out
}

/// A tenant id: 16 hex characters starting with `0001`, like `000176d94fd7b4d1`.
pub fn tenant_id() -> String {
    format!("0001{}", &hex(&bytes::<6>()))
}

/// A realm, identity, credential or binding-job id: 16 hex characters.
pub fn hex_id() -> String {
    hex(&bytes::<8>())
}

/// An application or authenticator-config id: a version-4 UUID.
pub fn uuid() -> String {
    let mut b = bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A `client_id`: 24 characters of the base64url alphabet.
pub fn client_id() -> String {
    base64url_chars(24)
}

/// A `client_secret`: 48 characters of the base64url alphabet.
pub fn client_secret() -> String {
    base64url_chars(48)
}

/// A credential-binding-link token: 64 characters.
pub fn binding_token() -> String {
    base64url_chars(64)
}

/// An authorization code or transaction handle: 256 random bits.
pub fn opaque() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}

/// A token `jti`: 32 hex characters.
pub fn jti() -> String {
    hex(&bytes::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_beyond_identity() {
        let t = tenant_id();
        assert_eq!(t.len(), 16);
        assert!(t.starts_with("0001"));
        assert!(hex_id().chars().all(|c| c.is_ascii_hexdigit()));
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(client_id().len(), 24);
        assert_eq!(client_secret().len(), 48);
        assert_eq!(binding_token().len(), 64);
        assert_eq!(jti().len(), 32);
        assert_ne!(opaque(), opaque());
    }
}
