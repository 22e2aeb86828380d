//! Typed configuration from environment variables, read once per cold start.
//!
//! Every problem is collected before failing, so a function with bad settings refuses to
//! start with one message that names every missing or malformed variable. Values are
//! never echoed back, since some are secrets.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use url::Url;

use crate::secret::{AuthSecret, Secret};

/// The path of the OIDC callback, under the app origin.
pub const CALLBACK_PATH: &str = "/api/auth/callback/beyondidentity";
const DISCOVERY_SUFFIX: &str = "/.well-known/openid-configuration";

/// Where variables come from: the process environment, or a map in tests.
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    pub fn from_map(vars: HashMap<String, String>) -> Self {
        Self(vars)
    }

    pub fn to_map(&self) -> HashMap<String, String> {
        self.0.clone()
    }

    /// A variable's value, trimmed; `None` when unset or empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.get(name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// What is wrong with the configuration: one line per variable.
#[derive(PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

/// The same text as `Display`: a function that refuses to start returns this from
/// `main`, and Rust prints it with `Debug`.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration is not valid:")?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads variables and collects problems instead of stopping at the first.
struct Reader<'a> {
    env: &'a Env,
    problems: Vec<String>,
}

impl<'a> Reader<'a> {
    fn required(&mut self, name: &str, what: &str) -> Option<&'a str> {
        let value = self.env.get(name);
        if value.is_none() {
            self.problems.push(format!("{name} is missing: {what}"));
        }
        value
    }

    fn parsed<T>(
        &mut self,
        name: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(value?) {
            Ok(v) => Some(v),
            Err(why) => {
                self.problems.push(format!("{name} {why}"));
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, ConfigError> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(ConfigError(self.problems)),
        }
    }
}

/// The app itself: its public origin, its secret and its sessions.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// `AUTH_URL`: the origin users see, e.g. `https://app.example.com`. Redirects,
    /// the callback URL and the Origin check are built from this, never from request
    /// headers.
    pub origin: Url,
    pub sessions: SessionConfig,
    /// `ORIGIN_VERIFY_SECRET`: set when the functions sit behind CloudFront, which adds it
    /// as the `X-Origin-Verify` header of every request it forwards. Requests without it
    /// (someone calling the API's own address, bypassing CloudFront and its limits) are
    /// refused, and `CloudFront-Viewer-Address` becomes the trusted client address.
    pub origin_secret: Option<Secret>,
    /// `AUDIT_KEY`: keys the hashes of users, sessions and addresses in audit events
    /// (deploy.sh generates one); without it, a key made at each cold start.
    pub audit_key: Option<Secret>,
}

impl AppConfig {
    /// The origin as the browser sends it in `Origin` (no trailing slash).
    pub fn origin_str(&self) -> String {
        self.origin.origin().ascii_serialization()
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.origin_str())
    }
}

/// Session lifetimes and storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// `SESSION_TABLE`: the DynamoDB table.
    pub table: String,
    /// `SESSION_IDLE_TIMEOUT` (default 24 h): a session unused this long ends.
    pub idle_timeout: Duration,
    /// `SESSION_MAX_AGE` (default 7 days): no session lives longer, however active.
    pub max_age: Duration,
    /// `SESSION_RECENT_SIGN_IN` (default 5 min): adding or revoking a passkey and signing
    /// out everywhere need a sign-in at most this old.
    pub recent_sign_in: Duration,
}

impl SessionConfig {
    pub const DEFAULT_IDLE_TIMEOUT: Duration = passkey_verifier::DEFAULT_IDLE_TIMEOUT;
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
    pub const DEFAULT_RECENT_SIGN_IN: Duration = Duration::from_secs(5 * 60);
    /// Activity is written back at most this often, so a busy session costs one write an hour.
    pub const TOUCH_INTERVAL: Duration = passkey_verifier::TOUCH_INTERVAL;
}

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

/// The flow cookie's key material.
#[derive(Clone, Debug)]
pub struct FlowConfig {
    pub secret: AuthSecret,
}

fn parse_origin(value: &str) -> Result<Url, String> {
    let url =
        Url::parse(value).map_err(|_| "is not a URL such as https://app.example.com".to_owned())?;
    let is_origin = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !is_origin {
        return Err("must be an origin: scheme, host and optional port, no path (e.g. https://app.example.com)".into());
    }
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() == "http" && !local {
        return Err("must use https (plain http is allowed only for localhost)".into());
    }
    Ok(url)
}

fn parse_issuer(value: &str) -> Result<String, String> {
    let url = Url::parse(value).map_err(|_| "is not a URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err("must be an http(s) URL without query or fragment".into());
    }
    // Kept exactly as written, a trailing `/` included (Auth0's and Azure AD v1's issuers
    // end in one): discovery and `iss` are compared with it character for character.
    Ok(value.to_owned())
}

/// `3600`, `30m`, `12h`, `7d`.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => (value, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("is not a duration such as 3600, 30m, 12h or 7d: {value:?}"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("has an unknown unit {unit:?}; use s, m, h or d")),
    };
    if seconds == 0 {
        return Err("must be more than zero".into());
    }
    Ok(Duration::from_secs(seconds))
}

fn read_app(r: &mut Reader<'_>) -> Option<AppConfig> {
    let origin_value = r.env.get("AUTH_URL").or_else(|| r.env.get("NEXTAUTH_URL"));
    if origin_value.is_none() {
        r.problems.push(
            "AUTH_URL is missing: the app's public origin, e.g. https://app.example.com".into(),
        );
    }
    let origin = r.parsed("AUTH_URL", origin_value, parse_origin);
    let sessions = read_sessions(r);
    let origin_secret = match r.env.get("ORIGIN_VERIFY_SECRET") {
        Some(secret) if secret.len() < 32 => {
            r.problems.push(
                "ORIGIN_VERIFY_SECRET must be at least 32 characters (deploy.sh generates one)"
                    .into(),
            );
            None
        }
        other => other.map(Secret::new),
    };
    let audit_key = match r.env.get("AUDIT_KEY") {
        Some(key) if key.len() < 32 => {
            r.problems
                .push("AUDIT_KEY must be at least 32 characters (deploy.sh generates one)".into());
            None
        }
        other => other.map(Secret::new),
    };
    Some(AppConfig {
        origin: origin?,
        sessions: sessions?,
        origin_secret,
        audit_key,
    })
}

fn read_sessions(r: &mut Reader<'_>) -> Option<SessionConfig> {
    let table = r.required("SESSION_TABLE", "the DynamoDB table that holds sessions");
    let idle = match r.env.get("SESSION_IDLE_TIMEOUT") {
        None => Some(SessionConfig::DEFAULT_IDLE_TIMEOUT),
        v => r.parsed("SESSION_IDLE_TIMEOUT", v, parse_duration),
    };
    let max_age = match r.env.get("SESSION_MAX_AGE") {
        None => Some(SessionConfig::DEFAULT_MAX_AGE),
        v => r.parsed("SESSION_MAX_AGE", v, parse_duration),
    };
    let recent_sign_in = match r.env.get("SESSION_RECENT_SIGN_IN") {
        None => Some(SessionConfig::DEFAULT_RECENT_SIGN_IN),
        v => r.parsed("SESSION_RECENT_SIGN_IN", v, parse_duration),
    };
    if let (Some(recent), Some(max)) = (recent_sign_in, max_age)
        && recent > max
    {
        r.problems
            .push("SESSION_RECENT_SIGN_IN must not be longer than SESSION_MAX_AGE".into());
    }
    if let Some(idle) = idle.filter(|i| *i <= SessionConfig::TOUCH_INTERVAL) {
        r.problems.push(format!(
            "SESSION_IDLE_TIMEOUT must be longer than one hour (activity is recorded hourly); it is {} s",
            idle.as_secs()
        ));
    }
    if let (Some(idle), Some(max)) = (idle, max_age)
        && idle > max
    {
        r.problems
            .push("SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_AGE".into());
    }
    Some(SessionConfig {
        table: table?.to_owned(),
        idle_timeout: idle?,
        max_age: max_age?,
        recent_sign_in: recent_sign_in?,
    })
}

/// The issuer (`BEYOND_IDENTITY_ISSUER`, or `BEYOND_IDENTITY_DISCOVERY` without its suffix).
fn read_issuer(r: &mut Reader<'_>) -> Option<String> {
    match (
        r.env.get("BEYOND_IDENTITY_ISSUER"),
        r.env.get("BEYOND_IDENTITY_DISCOVERY"),
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

fn read_provider(r: &mut Reader<'_>, needs_secret: bool) -> Option<ProviderConfig> {
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
        .get("AUTH_SCOPES")
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

fn read_flow(r: &mut Reader<'_>) -> Option<FlowConfig> {
    let value = r.required(
        "AUTH_SECRET",
        "at least 32 random bytes, hex or base64 (openssl rand -base64 32)",
    );
    let secret = r.parsed("AUTH_SECRET", value, AuthSecret::parse);
    Some(FlowConfig { secret: secret? })
}

/// How the functions reach the management API.
#[derive(Clone, Debug)]
pub struct ManagementConfig {
    /// `{auth}` host: `https://auth-{region}.beyondidentity.com` or the override.
    pub auth_base: String,
    /// `{api}` host: `https://api-{region}.beyondidentity.com` or the override.
    pub api_base: String,
    pub tenant_id: String,
    pub realm_id: String,
    /// `BEYOND_IDENTITY_APPLICATION_CONFIG_ID`: the Embedded SDK authenticator config.
    pub authenticator_config_id: String,
    pub credentials: ManagementCredentials,
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

fn read_base(r: &mut Reader<'_>, name: &str, region: Option<&str>, host: &str) -> Option<String> {
    match r.env.get(name) {
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

fn read_management(r: &mut Reader<'_>) -> Option<ManagementConfig> {
    let region = match r.env.get("BEYOND_IDENTITY_REGION") {
        Some(region @ ("us" | "eu")) => Some(region),
        Some(_) => {
            r.problems
                .push("BEYOND_IDENTITY_REGION must be us or eu".into());
            None
        }
        None => None,
    };
    let overridden = r.env.get("BEYOND_IDENTITY_AUTH_BASE_URL").is_some()
        && r.env.get("BEYOND_IDENTITY_API_BASE_URL").is_some();
    if region.is_none() && !overridden && r.env.get("BEYOND_IDENTITY_REGION").is_none() {
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
        "the Embedded SDK authenticator config of the application",
    );
    let credentials = match r.env.get("BEYOND_IDENTITY_API_TOKEN") {
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
        credentials: credentials?,
    })
}

/// What the `register` and `bind-job` functions need.
#[derive(Clone, Debug)]
pub struct ManagementFunctionConfig {
    pub app: AppConfig,
    pub management: ManagementConfig,
}

impl ManagementFunctionConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let app = read_app(&mut r);
        let management = read_management(&mut r);
        let config = (|| {
            Some(Self {
                app: app?,
                management: management?,
            })
        })();
        r.finish(config)
    }
}

/// What the `signin` and `callback` functions need.
#[derive(Clone, Debug)]
pub struct SignInConfig {
    pub app: AppConfig,
    pub provider: ProviderConfig,
    pub flow: FlowConfig,
}

impl SignInConfig {
    /// What the `callback` function needs: everything, the client secret included.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Self::read(env, true)
    }

    /// What the `signin` function needs: no client secret (it never calls the token
    /// endpoint), so it is never given one.
    pub fn load_for_signin(env: &Env) -> Result<Self, ConfigError> {
        Self::read(env, false)
    }

    fn read(env: &Env, needs_client_secret: bool) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let app = read_app(&mut r);
        let provider = read_provider(&mut r, needs_client_secret);
        let flow = read_flow(&mut r);
        let config = (|| {
            Some(Self {
                app: app?,
                provider: provider?,
                flow: flow?,
            })
        })();
        r.finish(config)
    }
}

/// What `passkey-auth sessions` needs: the table and its rules, and the issuer that
/// scopes user ids.
#[derive(Clone, Debug)]
pub struct OperatorConfig {
    pub sessions: SessionConfig,
    pub issuer: String,
}

impl OperatorConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let sessions = read_sessions(&mut r);
        let issuer = read_issuer(&mut r);
        let config = (|| {
            Some(Self {
                sessions: sessions?,
                issuer: issuer?,
            })
        })();
        r.finish(config)
    }
}

impl SessionConfig {
    /// Only the session settings: what the `authorizer` function needs.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let sessions = read_sessions(&mut r);
        r.finish(sessions)
    }
}

/// What the `session` function needs: no provider, no secret.
impl AppConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let app = read_app(&mut r);
        r.finish(app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AUTH_URL", "http://localhost:3000"),
            ("AUTH_SECRET", SECRET),
            ("SESSION_TABLE", "sessions"),
            (
                "BEYOND_IDENTITY_ISSUER",
                "https://auth-us.beyondidentity.com/v1/tenants/t/realms/r/applications/a",
            ),
            ("BEYOND_IDENTITY_CLIENT_ID", "client"),
            ("BEYOND_IDENTITY_CLIENT_SECRET", "s3cret-value"),
        ]
    }

    #[test]
    fn a_complete_configuration_loads_with_documented_defaults() {
        let config = SignInConfig::load(&Env::from_pairs(full())).expect("valid");
        assert_eq!(config.app.origin_str(), "http://localhost:3000");
        assert_eq!(
            config.app.redirect_uri(),
            "http://localhost:3000/api/auth/callback/beyondidentity"
        );
        assert_eq!(
            config.app.sessions.idle_timeout,
            SessionConfig::DEFAULT_IDLE_TIMEOUT
        );
        assert_eq!(config.app.sessions.max_age, SessionConfig::DEFAULT_MAX_AGE);
        assert_eq!(config.provider.scopes, ["openid", "email", "profile"]);
        assert!(
            !format!("{config:?}").contains("s3cret-value"),
            "Debug leaks the client secret"
        );
    }

    #[test]
    fn only_the_callback_needs_the_client_secret() {
        let mut env = full();
        env.retain(|(k, _)| *k != "BEYOND_IDENTITY_CLIENT_SECRET");
        let error = SignInConfig::load(&Env::from_pairs(env.clone())).expect_err("callback");
        assert_eq!(error.0.len(), 1);
        assert!(error.0[0].contains("BEYOND_IDENTITY_CLIENT_SECRET"));
        let signin = SignInConfig::load_for_signin(&Env::from_pairs(env)).expect("signin");
        assert!(signin.provider.client_secret.is_none());
        let signin = SignInConfig::load_for_signin(&Env::from_pairs(full())).expect("signin");
        assert!(
            signin.provider.client_secret.is_none(),
            "never held, even if set"
        );
    }

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let error = SignInConfig::load(&Env::from_pairs([])).expect_err("invalid");
        let text = error.to_string();
        for name in [
            "AUTH_URL",
            "AUTH_SECRET",
            "SESSION_TABLE",
            "BEYOND_IDENTITY_ISSUER",
            "BEYOND_IDENTITY_CLIENT_ID",
            "BEYOND_IDENTITY_CLIENT_SECRET",
        ] {
            assert!(text.contains(name), "{name} not named in:\n{text}");
        }
        assert_eq!(error.0.len(), 6);
    }

    #[test]
    fn malformed_values_are_named_without_echoing_them() {
        let mut env = full();
        env.retain(|(k, _)| !matches!(*k, "AUTH_URL" | "AUTH_SECRET"));
        env.push(("AUTH_URL", "http://app.example.com/path"));
        env.push(("AUTH_SECRET", "tooshort-but-secret"));
        env.push(("SESSION_MAX_AGE", "forever"));
        let error = SignInConfig::load(&Env::from_pairs(env)).expect_err("invalid");
        let text = error.to_string();
        assert!(text.contains("AUTH_URL must be an origin"), "{text}");
        assert!(text.contains("AUTH_SECRET"), "{text}");
        assert!(text.contains("SESSION_MAX_AGE"), "{text}");
        assert!(!text.contains("tooshort-but-secret"), "{text}");
    }

    #[test]
    fn the_origin_secret_is_optional_long_and_never_shown() {
        let base = [
            ("AUTH_URL", "http://localhost:3000"),
            ("SESSION_TABLE", "s"),
        ];
        let config = AppConfig::load(&Env::from_pairs(base)).expect("valid");
        assert!(config.origin_secret.is_none(), "not behind CloudFront");
        let mut env = base.to_vec();
        env.push(("ORIGIN_VERIFY_SECRET", "short-secret-value"));
        let error = AppConfig::load(&Env::from_pairs(env)).expect_err("too short");
        assert!(error.to_string().contains("ORIGIN_VERIFY_SECRET"));
        assert!(!error.to_string().contains("short-secret-value"));
        let mut env = base.to_vec();
        env.push(("ORIGIN_VERIFY_SECRET", "a-secret-of-thirty-two-characters"));
        env.push(("AUDIT_KEY", "too-short"));
        let error = AppConfig::load(&Env::from_pairs(env.clone())).expect_err("too short");
        assert!(error.to_string().contains("AUDIT_KEY"));
        env.pop();
        let config = AppConfig::load(&Env::from_pairs(env)).expect("valid");
        assert!(config.origin_secret.is_some());
        assert!(!format!("{config:?}").contains("thirty-two"));
    }

    #[test]
    fn an_issuer_is_kept_exactly_as_written() {
        for issuer in [
            "https://tenant.eu.auth0.com/",
            "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
            "https://auth-us.beyondidentity.com/v1/tenants/t/realms/r/applications/a",
        ] {
            let mut env = full();
            env.retain(|(k, _)| *k != "BEYOND_IDENTITY_ISSUER");
            env.push(("BEYOND_IDENTITY_ISSUER", issuer));
            let config = SignInConfig::load(&Env::from_pairs(env)).expect("valid");
            assert_eq!(config.provider.issuer, issuer);
        }
    }

    #[test]
    fn plain_http_is_only_for_localhost() {
        assert!(parse_origin("http://localhost:3000").is_ok());
        assert!(parse_origin("https://app.example.com/").is_ok());
        assert!(parse_origin("http://app.example.com").is_err());
        assert!(parse_origin("https://user@app.example.com").is_err());
        assert!(parse_origin("app.example.com").is_err());
    }

    #[test]
    fn the_guides_discovery_variable_and_nextauth_url_are_accepted() {
        let mut env = full();
        env.retain(|(k, _)| !matches!(*k, "BEYOND_IDENTITY_ISSUER" | "AUTH_URL"));
        env.push(("NEXTAUTH_URL", "https://app.example.com"));
        env.push((
            "BEYOND_IDENTITY_DISCOVERY",
            "https://auth-us.beyondidentity.com/v1/x/.well-known/openid-configuration",
        ));
        let config = SignInConfig::load(&Env::from_pairs(env)).expect("valid");
        assert_eq!(
            config.provider.issuer,
            "https://auth-us.beyondidentity.com/v1/x"
        );
        assert_eq!(config.app.origin_str(), "https://app.example.com");
    }

    #[test]
    fn the_session_function_needs_no_provider_and_no_secret() {
        let config = AppConfig::load(&Env::from_pairs([
            ("AUTH_URL", "http://localhost:3000"),
            ("SESSION_TABLE", "s"),
        ]))
        .expect("valid");
        assert_eq!(config.sessions.table, "s");
    }

    fn management() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AUTH_URL", "https://app.example.com"),
            ("SESSION_TABLE", "sessions"),
            ("BEYOND_IDENTITY_REGION", "eu"),
            ("BEYOND_IDENTITY_TENANT_ID", "0001f1f460b1ace6"),
            ("BEYOND_IDENTITY_REALM_ID", "8f5bec58229e6f29"),
            ("BEYOND_IDENTITY_APPLICATION_CONFIG_ID", "67bb0acf12e5c899"),
            ("BEYOND_IDENTITY_ADMIN_REALM_ID", "admin"),
            ("BEYOND_IDENTITY_MGMT_APPLICATION_ID", "mgmt-app"),
            ("BEYOND_IDENTITY_MGMT_CLIENT_ID", "mgmt-client"),
            ("BEYOND_IDENTITY_MGMT_CLIENT_SECRET", "mgmt-secret-value"),
        ]
    }

    #[test]
    fn the_region_gives_the_hosts_and_overrides_win() {
        let config = ManagementFunctionConfig::load(&Env::from_pairs(management())).expect("valid");
        assert_eq!(
            config.management.auth_base,
            "https://auth-eu.beyondidentity.com"
        );
        assert_eq!(
            config.management.api_base,
            "https://api-eu.beyondidentity.com"
        );
        assert!(matches!(
            config.management.credentials,
            ManagementCredentials::ClientCredentials { .. }
        ));
        assert!(!format!("{config:?}").contains("mgmt-secret-value"));
        let mut env = management();
        env.retain(|(k, _)| *k != "BEYOND_IDENTITY_REGION");
        env.push(("BEYOND_IDENTITY_AUTH_BASE_URL", "http://127.0.0.1:8021"));
        env.push(("BEYOND_IDENTITY_API_BASE_URL", "http://127.0.0.1:8023/"));
        let config = ManagementFunctionConfig::load(&Env::from_pairs(env)).expect("valid");
        assert_eq!(config.management.api_base, "http://127.0.0.1:8023");
    }

    #[test]
    fn a_static_token_replaces_the_client_credentials() {
        let mut env = management();
        env.retain(|(k, _)| {
            !k.starts_with("BEYOND_IDENTITY_MGMT_") && *k != "BEYOND_IDENTITY_ADMIN_REALM_ID"
        });
        let error = ManagementFunctionConfig::load(&Env::from_pairs(env.clone()))
            .expect_err("no credentials");
        assert_eq!(error.0.len(), 4, "{error}");
        env.push(("BEYOND_IDENTITY_API_TOKEN", "static-token-value"));
        let config = ManagementFunctionConfig::load(&Env::from_pairs(env)).expect("valid");
        assert!(matches!(
            config.management.credentials,
            ManagementCredentials::StaticToken(_)
        ));
        assert!(!format!("{config:?}").contains("static-token-value"));
        let mut env = management();
        env.push(("BEYOND_IDENTITY_REGION", "mars"));
        env.retain(|(k, v)| *k != "BEYOND_IDENTITY_REGION" || *v == "mars");
        assert!(ManagementFunctionConfig::load(&Env::from_pairs(env)).is_err());
    }

    #[test]
    fn durations_and_their_limits() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
        let mut env = full();
        env.push(("SESSION_IDLE_TIMEOUT", "30m"));
        assert!(SignInConfig::load(&Env::from_pairs(env)).is_err());
        let mut env = full();
        env.push(("SESSION_IDLE_TIMEOUT", "8d"));
        assert!(SignInConfig::load(&Env::from_pairs(env)).is_err());
    }
}
