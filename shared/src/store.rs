//! The error every store returns (sessions and rate-limit counters alike), below both so
//! that neither module depends on the other.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
}
