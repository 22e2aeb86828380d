//! The operator's command against bi-local and a local DynamoDB server: the real binary,
//! on a tenant and on sessions made by real sign-ins. The harness is passkey-auth's own
//! (`shared/tests/it/common`).

#[path = "../../../shared/tests/it/common/mod.rs"]
mod common;

mod account;
mod sessions;
mod tenant;
