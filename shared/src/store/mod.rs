//! Where sessions, single-use claims and rate-limit counters are kept: the DynamoDB table
//! ([`dynamo`]), and an in-memory double for tests (`memory`, with the `test-support`
//! feature). Every store fails with the session verifier's error, so that a failed read
//! means the same everywhere.

pub mod dynamo;
#[cfg(any(test, feature = "test-support"))]
pub mod memory;

pub use passkey_verifier::StoreError;
