//! Typed configuration from environment variables, read once per cold start.
//!
//! Every problem is collected before failing, so a function with bad settings refuses to
//! start with one message that names every missing or malformed variable. Values are
//! never echoed back, since some are secrets.

use std::collections::HashMap;
use std::fmt;

mod app;
mod management;
pub mod parameter_store;
mod provider;
mod reader;
pub mod secret;

pub use app::{AppConfig, FlowConfig, Pages, SessionConfig};
pub use management::{Authenticator, ManagementConfig, ManagementCredentials};
pub use provider::ProviderConfig;
pub use reader::parse_duration;

use app::{read_app, read_flow, read_sessions};
use management::read_management;
use provider::{read_issuer, read_provider};
use reader::Reader;

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

/// What `passkey-auth account delete` needs: the operator's settings and the management
/// API that deletes the identity.
#[derive(Clone, Debug)]
pub struct AccountOperatorConfig {
    pub operator: OperatorConfig,
    pub management: ManagementConfig,
}

impl AccountOperatorConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            problems: Vec::new(),
        };
        let sessions = read_sessions(&mut r);
        let issuer = read_issuer(&mut r);
        let management = read_management(&mut r);
        let config = (|| {
            Some(Self {
                operator: OperatorConfig {
                    sessions: sessions?,
                    issuer: issuer?,
                },
                management: management?,
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
    use std::time::Duration;

    use super::reader::{parse_issuer, parse_origin, parse_page};
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
    fn the_pages_default_to_the_root_and_the_error_page_to_the_account_page() {
        let pages = |extra: &[(&'static str, &'static str)]| {
            let mut env = full();
            env.extend_from_slice(extra);
            AppConfig::load(&Env::from_pairs(env)).map(|app| app.pages)
        };
        let standalone = pages(&[]).expect("valid");
        assert_eq!(
            (
                standalone.account.as_str(),
                standalone.error.as_str(),
                standalone.landing.as_str()
            ),
            ("/", "/", "/")
        );
        let behind_an_app = pages(&[("AUTH_ACCOUNT_PAGE", "/account")]).expect("valid");
        assert_eq!(
            behind_an_app.error, "/account",
            "errors show on the account page"
        );
        assert_eq!(behind_an_app.landing, "/", "the app's own home");
        assert_eq!(
            behind_an_app.error_with("access_denied"),
            "/account?error=access_denied"
        );
        let chosen = pages(&[
            ("AUTH_ACCOUNT_PAGE", "/account"),
            ("AUTH_ERROR_PAGE", "/sign-in-failed"),
            ("AUTH_LANDING_PAGE", "/dashboard"),
        ])
        .expect("valid");
        assert_eq!(
            (chosen.error.as_str(), chosen.landing.as_str()),
            ("/sign-in-failed", "/dashboard")
        );
    }

    #[test]
    fn a_page_is_a_path_of_this_origin_and_nothing_else() {
        for page in ["/", "/account", "/a/b-c_d.e~f", "/@me:1;x=y"] {
            assert_eq!(parse_page(page).as_deref(), Ok(page), "{page}");
        }
        let longest = format!("/{}", "a".repeat(255));
        assert!(parse_page(&longest).is_ok());
        assert!(parse_page(&format!("{longest}a")).is_err(), "too long");
        for page in [
            "",
            "account",
            "//evil.com",
            "/\\evil.com",
            "https://evil.com/",
            "/account?x=1",
            "/account#top",
            "/%2F%2Fevil.com",
            "/a b",
            "/caf\u{e9}",
            "/\t",
        ] {
            assert!(parse_page(page).is_err(), "{page:?}");
        }
        let mut env = full();
        env.push(("AUTH_ERROR_PAGE", "https://evil.com/"));
        env.push(("AUTH_LANDING_PAGE", "//evil.com"));
        let error = AppConfig::load(&Env::from_pairs(env)).expect_err("refused");
        assert_eq!(error.0.len(), 2, "{error}");
        assert!(
            error.0[0].starts_with("AUTH_ERROR_PAGE must be a path"),
            "{error}"
        );
        assert!(
            !error.to_string().contains("evil"),
            "values are never echoed"
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
    fn secrets_of_exactly_32_characters_are_long_enough() {
        let load = |name: &'static str, value: &'static str| {
            AppConfig::load(&Env::from_pairs([
                ("AUTH_URL", "http://localhost:3000"),
                ("SESSION_TABLE", "s"),
                (name, value),
            ]))
        };
        let thirty_two = "0123456789abcdef0123456789abcdef";
        for name in ["ORIGIN_VERIFY_SECRET", "AUDIT_KEY"] {
            assert!(load(name, thirty_two).is_ok(), "{name} of 32");
            let error = load(name, &thirty_two[1..]).expect_err("31 characters");
            assert!(error.0[0].starts_with(name), "{error}");
        }
    }

    #[test]
    fn a_configuration_error_prints_its_problems_when_main_returns_it() {
        let error = AppConfig::load(&Env::from_pairs([])).expect_err("nothing set");
        let printed = format!("{error:?}");
        assert_eq!(printed, error.to_string());
        assert!(printed.contains("AUTH_URL is missing"), "{printed}");
    }

    #[test]
    fn openid_is_always_asked_for_once() {
        let scopes = |value: &'static str| {
            let mut env = full();
            env.push(("AUTH_SCOPES", value));
            SignInConfig::load(&Env::from_pairs(env))
                .expect("valid")
                .provider
                .scopes
        };
        assert_eq!(scopes("email"), ["openid", "email"]);
        assert_eq!(scopes("openid"), ["openid"]);
        assert_eq!(scopes("profile openid"), ["profile", "openid"]);
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
        for bad in [
            "ftp://auth.example.com/",
            "https://auth.example.com/?realm=r",
            "https://auth.example.com/#r",
        ] {
            assert_eq!(
                parse_issuer(bad),
                Err("must be an http(s) URL without query or fragment".to_owned()),
                "{bad}"
            );
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
    fn a_base_url_override_is_an_http_origin_and_nothing_more() {
        for bad in [
            "ftp://127.0.0.1:8021",
            "https://auth.example.com/v1",
            "https://auth.example.com/?realm=x",
        ] {
            let mut env = management();
            env.push(("BEYOND_IDENTITY_AUTH_BASE_URL", bad));
            let error = ManagementFunctionConfig::load(&Env::from_pairs(env)).expect_err(bad);
            assert_eq!(
                error.0,
                ["BEYOND_IDENTITY_AUTH_BASE_URL must be an http(s) origin without path"],
                "{bad}"
            );
        }
    }

    #[test]
    fn one_override_without_a_region_still_asks_for_the_region() {
        let mut env = management();
        env.retain(|(k, _)| *k != "BEYOND_IDENTITY_REGION");
        env.push(("BEYOND_IDENTITY_AUTH_BASE_URL", "http://127.0.0.1:8021"));
        let error = ManagementFunctionConfig::load(&Env::from_pairs(env)).expect_err("no API host");
        assert!(
            error.0[0].starts_with("BEYOND_IDENTITY_REGION is missing"),
            "{error}"
        );
    }

    #[test]
    fn the_authenticator_is_embedded_unless_hosted_is_asked_for() {
        let load = |value: Option<&'static str>| {
            let mut env = management();
            env.extend(value.map(|v| ("BEYOND_IDENTITY_AUTHENTICATOR", v)));
            ManagementFunctionConfig::load(&Env::from_pairs(env))
        };
        let kind = |value| load(value).expect("valid").management.authenticator;
        assert_eq!(kind(None), Authenticator::Embedded);
        assert_eq!(kind(Some("embedded")), Authenticator::Embedded);
        assert_eq!(kind(Some("hosted")), Authenticator::Hosted);
        let error = load(Some("Hosted_Web")).expect_err("not a mode");
        assert_eq!(error.0.len(), 1, "{error}");
        assert!(error.0[0].starts_with("BEYOND_IDENTITY_AUTHENTICATOR must be embedded"));
        assert!(
            !error.0[0].contains("Hosted_Web"),
            "values are never echoed"
        );
        assert_eq!(Authenticator::Embedded.config_type(), "embedded");
        assert_eq!(Authenticator::Hosted.config_type(), "hosted_web");
        assert_eq!(
            Authenticator::Embedded.after_enrolment("https://app.example.com", "/"),
            "https://app.example.com/"
        );
        assert_eq!(
            Authenticator::Hosted.after_enrolment("https://app.example.com", "/account"),
            "https://app.example.com/account?enrolled"
        );
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
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(
            parse_duration("366d"),
            Ok(Duration::from_secs(366 * 86_400))
        );
        assert_eq!(
            parse_duration("31622400"),
            Ok(Duration::from_secs(31_622_400))
        );
        for too_long in [
            "367d",
            "31622401",
            "8785h",
            "18446744073709551615d",
            "99999999999999999999",
        ] {
            assert!(parse_duration(too_long).is_err(), "{too_long}");
        }
        assert_eq!(
            parse_duration("18446744073709551615d"),
            Err("must be at most 366d".to_owned()),
            "a product that overflows is refused, not wrapped"
        );
        let mut env = full();
        env.push(("SESSION_IDLE_TIMEOUT", "30m"));
        assert!(SignInConfig::load(&Env::from_pairs(env)).is_err());
        let mut env = full();
        env.push(("SESSION_IDLE_TIMEOUT", "8d"));
        assert!(SignInConfig::load(&Env::from_pairs(env)).is_err());
    }

    #[test]
    fn the_idle_timeout_and_the_recent_sign_in_may_reach_the_maximum_age_but_not_pass_it() {
        let load = |pairs: &[(&'static str, &'static str)]| {
            let mut env = full();
            env.push(("SESSION_MAX_AGE", "2d"));
            env.extend_from_slice(pairs);
            SignInConfig::load(&Env::from_pairs(env))
        };
        let config = load(&[
            ("SESSION_IDLE_TIMEOUT", "2d"),
            ("SESSION_RECENT_SIGN_IN", "2d"),
        ])
        .expect("equal to the maximum is allowed");
        assert_eq!(
            config.app.sessions.idle_timeout,
            Duration::from_secs(172_800)
        );
        assert_eq!(
            config.app.sessions.recent_sign_in,
            Duration::from_secs(172_800)
        );
        let error = load(&[("SESSION_IDLE_TIMEOUT", "49h")]).expect_err("longer");
        assert_eq!(
            error.0,
            ["SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_AGE"]
        );
        let error = load(&[("SESSION_RECENT_SIGN_IN", "49h")]).expect_err("longer");
        assert_eq!(
            error.0,
            ["SESSION_RECENT_SIGN_IN must not be longer than SESSION_MAX_AGE"]
        );
    }

    #[test]
    fn an_event_bus_is_a_name_or_an_arn_and_none_is_no_events() {
        let with = |bus: &str| {
            let mut env = full();
            env.push(("AUTH_EVENT_BUS", bus));
            AppConfig::load(&Env::from_pairs(env))
        };
        assert_eq!(
            AppConfig::load(&Env::from_pairs(full()))
                .expect("valid")
                .event_bus,
            None
        );
        assert_eq!(with("  ").expect("unset").event_bus, None);
        for bus in [
            "passkey-auth-events",
            "team/auth.events_1",
            "arn:aws:events:eu-west-1:123456789012:event-bus/passkey-auth-events",
            "arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/b",
        ] {
            assert_eq!(with(bus).expect(bus).event_bus.as_deref(), Some(bus));
        }
        for bus in [
            "a bus",
            "bus:name",
            &"b".repeat(257),
            "arn:aws:sqs:eu-west-1:123456789012:queue",
            "arn:aws:events:eu-west-1:1234:event-bus/b",
            "arn:aws:events::123456789012:event-bus/b",
            "arn:aws:events:eu-west-1:123456789012:rule/b",
            "arn:aws:events:eu-west-1:123456789012:event-bus/",
        ] {
            let error = with(bus).expect_err(bus);
            assert!(
                error.to_string().contains("AUTH_EVENT_BUS"),
                "{bus}: {error}"
            );
        }
    }
}
