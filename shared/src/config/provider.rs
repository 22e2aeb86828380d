//! The OpenID provider and this app's client registration with it.

use super::DISCOVERY_SUFFIX;
use super::reader::{Reader, parse_issuer};
use crate::config::secret::Secret;

/// The OpenID provider and this app's client registration with it.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// `BEYOND_IDENTITY_ISSUER` (or `BEYOND_IDENTITY_DISCOVERY` without its
    /// `/.well-known/openid-configuration`): compared exactly with `iss`.
    pub issuer: String,
    pub client_id: String,
    /// `BEYOND_IDENTITY_CLIENT_SECRET`: needed by the code exchange only, so the `signin`
    /// function is configured without it ([`SignInConfig::load_for_signin`]).
    pub client_secret: Option<Secret>,
    /// `AUTH_SCOPES` (default `openid email profile`); `openid` is always included.
    pub scopes: Vec<String>,
}

/// The issuer (`BEYOND_IDENTITY_ISSUER`, or `BEYOND_IDENTITY_DISCOVERY` without its suffix).
pub(super) fn read_issuer(r: &mut Reader<'_>) -> Option<String> {
    match (
        r.env.var("BEYOND_IDENTITY_ISSUER"),
        r.env.var("BEYOND_IDENTITY_DISCOVERY"),
    ) {
        (Some(issuer), _) => r.parsed("BEYOND_IDENTITY_ISSUER", Some(issuer), parse_issuer),
        // The discovery URL cannot tell whether the issuer ends in `/` (OpenID Connect
        // Discovery §4 strips it before appending the suffix): it is taken without one,
        // and a provider whose issuer has one is configured with BEYOND_IDENTITY_ISSUER.
        (None, Some(discovery)) => r.parsed("BEYOND_IDENTITY_DISCOVERY", Some(discovery), |d| {
            d.strip_suffix(DISCOVERY_SUFFIX)
                .ok_or_else(|| format!("must end with {DISCOVERY_SUFFIX}"))
                .and_then(parse_issuer)
        }),
        (None, None) => {
            r.problems.push(
                "BEYOND_IDENTITY_ISSUER is missing: the application's issuer URL (or give BEYOND_IDENTITY_DISCOVERY)"
                    .into(),
            );
            None
        }
    }
}

pub(super) fn read_provider(r: &mut Reader<'_>, needs_secret: bool) -> Option<ProviderConfig> {
    let issuer = read_issuer(r);
    let client_id = r.required(
        "BEYOND_IDENTITY_CLIENT_ID",
        "the OIDC application's client ID",
    );
    // `Some(None)`: not needed; `None`: needed and missing (already named).
    let client_secret = if needs_secret {
        r.required(
            "BEYOND_IDENTITY_CLIENT_SECRET",
            "the OIDC application's client secret",
        )
        .map(|v| Some(Secret::new(v)))
    } else {
        Some(None)
    };
    let mut scopes: Vec<String> = r
        .env
        .var("AUTH_SCOPES")
        .unwrap_or("openid email profile")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Some(ProviderConfig {
        issuer: issuer?,
        client_id: client_id?.to_owned(),
        client_secret: client_secret?,
        scopes,
    })
}
