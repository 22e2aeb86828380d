//! `passkey-auth tenant check` and `passkey-auth tenant setup`: a real Beyond Identity
//! tenant, verified or set up from a `.env` through Beyond Identity's own APIs.
//!
//! `check` verifies everything that can be verified from outside (discovery, keys, the
//! client's credentials, the management token and its scopes, the application and its
//! authenticator config) and prints a checklist with the fix for each failure. `setup`
//! creates the application and the authenticator config in the realm if they are not
//! there yet (found again by name, so it can be run twice) and writes their values into
//! the `.env`.

mod check;
pub mod dotenv;
mod report;
mod setup;

pub use check::check;
pub use report::{Check, Outcome, Report};
pub use setup::{SetupError, SetupOutcome, setup};

use serde_json::Value;

use passkey_auth::config::{CALLBACK_PATH, Env};

/// Scopes the functions need from the management token (register and bind-job: binding
/// jobs and whose passkey a link makes, the account page's list and revoke of the user's
/// passkeys, and the change of address and deletion of the account).
pub const PRODUCT_SCOPES: &[&str] = &[
    "identities:create",
    "identities:read",
    "identities:update",
    "identities:delete",
    "credential-binding-jobs:create",
    "credential-binding-jobs:read",
    "credentials:read",
    "credentials:revoke",
];
/// Scopes `tenant check` needs to read the application and its authenticator config.
pub const CHECK_SCOPES: &[&str] = &["applications:read", "authenticator-configs:read"];

/// Settings the tenant commands do not use but the configuration loaders require: filled
/// with placeholders when absent, so that a `.env` holding only Beyond Identity's values
/// can be checked.
fn with_placeholders(env: &Env) -> Env {
    let mut vars = env.to_map();
    for (name, value) in [
        ("SESSION_TABLE", "unused-by-the-tenant-commands"),
        (
            "AUTH_SECRET",
            "dGVuYW50LWNvbW1hbmRzLWRvLW5vdC11c2UtdGhpcy1zZWNyZXQ=",
        ),
        ("BEYOND_IDENTITY_APPLICATION_CONFIG_ID", "not-set-yet"),
    ] {
        vars.entry(name.to_owned())
            .or_insert_with(|| value.to_owned());
    }
    Env::from_map(vars)
}

/// The scopes a bearer token carries, read from its JWT payload (Beyond Identity's
/// tokens are self-contained JWS by default). `None` for an opaque token.
pub fn token_scopes(token: &str) -> Option<Vec<String>> {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    Some(
        claims
            .get("scope")?
            .as_str()?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

/// The tenant, realm and application ids in a Beyond Identity issuer URL
/// (`…/v1/tenants/{t}/realms/{r}/applications/{app}`).
pub fn issuer_ids(issuer: &str) -> Option<(String, String, String)> {
    let url = url::Url::parse(issuer.trim_end_matches('/')).ok()?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    match segments.as_slice() {
        ["v1", "tenants", t, "realms", r, "applications", a] => {
            Some(((*t).to_owned(), (*r).to_owned(), (*a).to_owned()))
        }
        _ => None,
    }
}

/// The redirect URI the product uses for an app origin.
fn redirect_uri(origin: &str) -> String {
    format!("{origin}{CALLBACK_PATH}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_ids_are_read_from_beyond_identitys_issuer_only() {
        assert_eq!(
            issuer_ids(
                "https://auth-us.beyondidentity.com/v1/tenants/0001a/realms/b2/applications/c-3"
            ),
            Some(("0001a".into(), "b2".into(), "c-3".into()))
        );
        assert_eq!(issuer_ids("https://idp.example.com/realms/x"), None);
        assert_eq!(
            issuer_ids(
                "https://auth-us.beyondidentity.com/v1/tenants/t/realms/r/applications/a/extra"
            ),
            None
        );
    }

    #[test]
    fn scopes_are_read_from_a_jwt_payload_only() {
        // {"scope":"a:read b:create"}
        let token = "e30.eyJzY29wZSI6ImE6cmVhZCBiOmNyZWF0ZSJ9.sig";
        assert_eq!(
            token_scopes(token),
            Some(vec!["a:read".to_owned(), "b:create".to_owned()])
        );
        assert_eq!(token_scopes("opaque-token"), None);
        assert_eq!(token_scopes("e30.e30.sig"), None);
    }
}
