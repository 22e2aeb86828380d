//! Lower-case hex and hex SHA-256, as the table's keys and the audit pseudonyms write
//! digests: the session verifier's own, so that every key is written by one function.

pub use passkey_verifier::hex::{lower, sha256};
