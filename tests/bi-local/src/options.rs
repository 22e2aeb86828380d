//! How to start the emulator ([`Options`]), and the options applied to a stored tenant.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::StartError;
use crate::model::{self, Invocation, State};

/// How to start the emulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the auth host listens; port 0 picks a free port.
    pub auth_addr: SocketAddr,
    /// Where the management API host listens; port 0 picks a free port.
    pub api_addr: SocketAddr,
    /// Keep the tenant, keys and data here across restarts.
    pub state_file: Option<PathBuf>,
    /// The app's origin: the invoke URL, trusted origin and redirect URI host of the
    /// demo application. `None` keeps the stored one (`http://localhost:3000` at first).
    pub app_origin: Option<String>,
    /// The demo authenticator config's invocation type; `None` keeps the stored one
    /// (Automatic at first).
    pub invocation: Option<Invocation>,
    /// The demo authenticator config's kind: Embedded SDK, or Hosted Web (bi-local's
    /// stand-ins of Beyond Identity's hosted pages bind and sign in); `None` keeps the
    /// stored one (Embedded SDK at first).
    pub authenticator: Option<Authenticator>,
    /// Put `name`, `preferred_username` and `email` in the ID token too, as many OpenID
    /// providers do. Off by default: Beyond Identity's ID token carries the subject only
    /// and the claims are on userinfo (docs/real-beyond-identity.md).
    pub id_token_claims: bool,
    /// Put a `sid` (a new provider session per sign-in) in the ID token, as providers with
    /// front- or back-channel logout do, to test back-channel logout by `sid`. Off by
    /// default: Beyond Identity's ID token carries the subject only.
    pub id_token_sid: bool,
    /// Advertise an `end_session_endpoint` (OpenID RP-Initiated Logout 1.0) and serve it.
    /// Off by default: Beyond Identity advertises none (docs/real-beyond-identity.md).
    pub end_session: bool,
    /// Seed the tenant with an empty application realm: no OIDC application and no
    /// authenticator config (what `passkey-auth tenant setup` starts from). Applies to a
    /// new state only.
    pub empty_realm: bool,
    /// Promise RFC 9207's `iss` parameter in discovery and send it on every
    /// authorization response. Off by default: Beyond Identity documents no such promise.
    pub iss_parameter: bool,
    /// Issue under `…/applications/{app}/` (a trailing slash, as Auth0 and Azure AD v1
    /// do), for the product's exact-issuer tests. Beyond Identity's issuer has none.
    pub issuer_trailing_slash: bool,
    /// Also serve Beyond Identity's cloud protocol, the one the real SDK speaks during
    /// `bindPasskey` and `authenticate`, over HTTPS at this address, as
    /// `https://auth-us.beyondidentity.com` and `https://api-us.beyondidentity.com`
    /// (port 0 picks one). The links and sign-in requests bi-local hands out then name
    /// those hosts, so that the real SDK accepts them; a browser reaches them through
    /// host-resolver rules and trusts [`BiLocal::cloud`]'s certificate by its key.
    pub cloud_addr: Option<SocketAddr>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            auth_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            app_origin: None,
            invocation: None,
            authenticator: None,
            id_token_claims: false,
            id_token_sid: false,
            end_session: false,
            empty_realm: false,
            iss_parameter: false,
            issuer_trailing_slash: false,
            cloud_addr: None,
        }
    }
}

/// Where passkeys are made and used: the kinds of authenticator config the product
/// supports (its `BEYOND_IDENTITY_AUTHENTICATOR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authenticator {
    Embedded,
    Hosted,
}

impl Authenticator {
    /// The product's `BEYOND_IDENTITY_AUTHENTICATOR` value.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Hosted => "hosted",
        }
    }
}

pub const DEFAULT_APP_ORIGIN: &str = "http://localhost:3000";
/// The path of the app's callback, appended to the app origin to make the redirect URI.
pub const CALLBACK_PATH: &str = "/api/auth/callback/beyondidentity";

pub(crate) fn validate_origin(origin: &str) -> Result<(), StartError> {
    let invalid = || StartError::AppOrigin(origin.to_owned());
    let url = url::Url::parse(origin).map_err(|_| invalid())?;
    let is_origin = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !origin.ends_with('/');
    if is_origin { Ok(()) } else { Err(invalid()) }
}

/// Applies `--app-origin` and `--invocation` to the realm's first application and its
/// authenticator config, if there is one.
pub(crate) fn apply_options(state: &mut State, options: &Options) {
    let realm = state.realm.id.clone();
    let Some(app) = state
        .applications
        .iter_mut()
        .find(|a| a.realm_id == realm && a.classification.is_none())
    else {
        return;
    };
    if let Some(origin) = &options.app_origin {
        app.redirect_uris = vec![format!("{origin}{CALLBACK_PATH}")];
    }
    let config_id = app.authenticator_config_id.clone();
    let Some(config) = state
        .authenticator_configs
        .iter_mut()
        .find(|c| Some(&c.id) == config_id.as_ref())
    else {
        return;
    };
    if let Some(origin) = &options.app_origin {
        config.invoke_url = origin.clone();
        config.trusted_origins = vec![origin.clone()];
    }
    if let Some(invocation) = options.invocation {
        config.invocation_type = invocation;
    }
    match options.authenticator {
        Some(Authenticator::Hosted) => {
            config.kind = model::HOSTED_WEB.into();
            config.display_name = "Demo Hosted Web".into();
        }
        Some(Authenticator::Embedded) => {
            config.kind = "embedded".into();
            config.display_name = "Demo Embedded SDK".into();
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_origins_are_checked() {
        assert!(validate_origin("http://localhost:3000").is_ok());
        assert!(validate_origin("https://app.example.com").is_ok());
        for bad in [
            "localhost:3000",
            "http://localhost:3000/",
            "http://x/y",
            "ftp://x",
            "",
        ] {
            assert!(validate_origin(bad).is_err(), "{bad}");
        }
    }
}
