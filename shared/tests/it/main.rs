//! The integration tests of `passkey-auth`, one module per behaviour, in one test binary.
//!
//! One binary, not one per file: every file would otherwise compile the shared test stack
//! (`common`) and link the whole dependency tree on its own, twenty times over for each
//! change of the library. `make mutants` rebuilds the tests for every mutant, and `make
//! test` on a fresh machine builds them once; both pay that cost. Run one part with
//! `cargo test -p passkey-auth --test it sign_in::` (a module path filters its tests). The
//! audit test is the one binary apart (`tests/audit.rs` says why).

mod common;

mod account;
mod account_deletion;
mod address_change;
mod authorizer;
mod backchannel;
mod callback_rules;
mod client_limits;
mod cloudfront;
mod events;
mod forward_auth;
mod front_doors;
mod fuzz_routes;
mod hostile_provider;
mod management;
mod nextauth;
mod oidc_provider;
mod pages;
mod properties;
mod registration;
mod rp_logout;
mod secrets;
mod session_rules;
mod sign_in;
mod step_up;
mod verifier;
