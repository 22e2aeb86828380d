//! How the functions reach Beyond Identity's management API.

use url::Url;

use super::reader::Reader;
use crate::config::secret::Secret;

/// How the functions reach the management API.
#[derive(Clone, Debug)]
pub struct ManagementConfig {
    /// `{auth}` host: `https://auth-{region}.beyondidentity.com` or the override.
    pub auth_base: String,
    /// `{api}` host: `https://api-{region}.beyondidentity.com` or the override.
    pub api_base: String,
    pub tenant_id: String,
    pub realm_id: String,
    /// `BEYOND_IDENTITY_APPLICATION_CONFIG_ID`: the application's authenticator config.
    pub authenticator_config_id: String,
    /// `BEYOND_IDENTITY_AUTHENTICATOR`: which kind that config is.
    pub authenticator: Authenticator,
    pub credentials: ManagementCredentials,
}

/// Where passkeys are made and used (`BEYOND_IDENTITY_AUTHENTICATOR`): by Beyond
/// Identity's SDK in the site's own pages (`embedded`, the default), or by Beyond
/// Identity's hosted pages (`hosted`, its "Hosted Web" authenticator config), with no SDK
/// in the site at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Authenticator {
    #[default]
    Embedded,
    Hosted,
}

impl Authenticator {
    /// The authenticator config's `config.type` at Beyond Identity.
    pub fn config_type(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Hosted => "hosted_web",
        }
    }

    /// Where a browser goes once an enrolment email's link has bound its passkey. The
    /// embedded site's `/bind` signs in by itself and never follows this; Beyond
    /// Identity's hosted page does follow it, so in hosted mode it is the account page,
    /// which asks the user to confirm before signing in with the new passkey: a link
    /// someone else sent must not sign this browser in as them without a word (login CSRF).
    pub fn after_enrolment(self, origin: &str, account_page: &str) -> String {
        match self {
            Self::Embedded => format!("{origin}{account_page}"),
            Self::Hosted => format!("{origin}{account_page}?enrolled"),
        }
    }
}

fn read_authenticator(r: &mut Reader<'_>) -> Authenticator {
    match r.env.var("BEYOND_IDENTITY_AUTHENTICATOR") {
        None | Some("embedded") => Authenticator::Embedded,
        Some("hosted") => Authenticator::Hosted,
        Some(_) => {
            r.problems.push(
                "BEYOND_IDENTITY_AUTHENTICATOR must be embedded (Beyond Identity's SDK in the site, the default) or hosted (Beyond Identity's hosted pages)"
                    .into(),
            );
            Authenticator::Embedded
        }
    }
}

/// A static API token, or the client-credentials grant against the Management API
/// application of the admin realm.
#[derive(Clone, Debug)]
pub enum ManagementCredentials {
    StaticToken(Secret),
    ClientCredentials {
        admin_realm_id: String,
        application_id: String,
        client_id: String,
        client_secret: Secret,
    },
}

pub(super) fn read_base(
    r: &mut Reader<'_>,
    name: &str,
    region: Option<&str>,
    host: &str,
) -> Option<String> {
    match r.env.var(name) {
        Some(value) => r.parsed(name, Some(value), |v| {
            let url = Url::parse(v).map_err(|_| "is not a URL".to_owned())?;
            if !matches!(url.scheme(), "http" | "https")
                || url.path() != "/"
                || url.query().is_some()
            {
                return Err("must be an http(s) origin without path".into());
            }
            Ok(v.trim_end_matches('/').to_owned())
        }),
        None => region.map(|region| format!("https://{host}-{region}.beyondidentity.com")),
    }
}

pub(super) fn read_management(r: &mut Reader<'_>) -> Option<ManagementConfig> {
    let region = match r.env.var("BEYOND_IDENTITY_REGION") {
        Some(region @ ("us" | "eu")) => Some(region),
        Some(_) => {
            r.problems
                .push("BEYOND_IDENTITY_REGION must be us or eu".into());
            None
        }
        None => None,
    };
    let overridden = r.env.var("BEYOND_IDENTITY_AUTH_BASE_URL").is_some()
        && r.env.var("BEYOND_IDENTITY_API_BASE_URL").is_some();
    if region.is_none() && !overridden && r.env.var("BEYOND_IDENTITY_REGION").is_none() {
        r.problems.push(
            "BEYOND_IDENTITY_REGION is missing: us or eu (or set BEYOND_IDENTITY_AUTH_BASE_URL and BEYOND_IDENTITY_API_BASE_URL)"
                .into(),
        );
    }
    let auth_base = read_base(r, "BEYOND_IDENTITY_AUTH_BASE_URL", region, "auth");
    let api_base = read_base(r, "BEYOND_IDENTITY_API_BASE_URL", region, "api");
    let tenant_id = r.required(
        "BEYOND_IDENTITY_TENANT_ID",
        "the tenant that holds the realm",
    );
    let realm_id = r.required("BEYOND_IDENTITY_REALM_ID", "the realm that holds the users");
    let config_id = r.required(
        "BEYOND_IDENTITY_APPLICATION_CONFIG_ID",
        "the authenticator config of the application",
    );
    let authenticator = read_authenticator(r);
    let credentials = match r.env.var("BEYOND_IDENTITY_API_TOKEN") {
        Some(token) => Some(ManagementCredentials::StaticToken(Secret::new(token))),
        None => {
            let what = "the Management API application of the admin realm (or set BEYOND_IDENTITY_API_TOKEN)";
            let admin_realm_id = r.required("BEYOND_IDENTITY_ADMIN_REALM_ID", what);
            let application_id = r.required("BEYOND_IDENTITY_MGMT_APPLICATION_ID", what);
            let client_id = r.required("BEYOND_IDENTITY_MGMT_CLIENT_ID", what);
            let client_secret = r.required("BEYOND_IDENTITY_MGMT_CLIENT_SECRET", what);
            Some(ManagementCredentials::ClientCredentials {
                admin_realm_id: admin_realm_id?.to_owned(),
                application_id: application_id?.to_owned(),
                client_id: client_id?.to_owned(),
                client_secret: Secret::new(client_secret?),
            })
        }
    };
    Some(ManagementConfig {
        auth_base: auth_base?,
        api_base: api_base?,
        tenant_id: tenant_id?.to_owned(),
        realm_id: realm_id?.to_owned(),
        authenticator_config_id: config_id?.to_owned(),
        authenticator,
        credentials: credentials?,
    })
}
