//! The error every store returns (sessions and rate-limit counters alike): the session
//! verifier's, so that a failed read means the same everywhere.

pub use passkey_verifier::StoreError;
