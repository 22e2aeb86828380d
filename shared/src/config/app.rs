//! The app's own settings: its origin and secret, its sessions, the flow cookie's key.

use std::time::Duration;

use url::Url;

use super::CALLBACK_PATH;
use super::reader::{Reader, parse_duration, parse_origin, parse_page};
use crate::config::secret::{AuthSecret, Secret};

/// The app itself: its public origin, its secret and its sessions.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// `AUTH_URL`: the origin users see, e.g. `https://app.example.com`. Redirects,
    /// the callback URL and the Origin check are built from this, never from request
    /// headers.
    pub origin: Url,
    /// Where the product's pages and answers send the browser on this origin.
    pub pages: Pages,
    pub sessions: SessionConfig,
    /// `ORIGIN_VERIFY_SECRET`: set when the functions sit behind CloudFront, which adds it
    /// as the `X-Origin-Verify` header of every request it forwards. Requests without it
    /// (someone calling the API's own address, bypassing CloudFront and its limits) are
    /// refused, and `CloudFront-Viewer-Address` becomes the trusted client address.
    pub origin_secret: Option<Secret>,
    /// `AUDIT_KEY`: keys the hashes of users, sessions and addresses in audit events
    /// (deploy.sh generates one); without it, a key made at each cold start.
    pub audit_key: Option<Secret>,
    /// `AUTH_EVENT_BUS`: the EventBridge bus (name or ARN) the account's events go to
    /// (docs/events.md); none without it.
    pub event_bus: Option<String>,
    /// `AUTH_EMAIL_FROM`: the sender of the product's own mail ([`crate::mail`]), an
    /// address SES has verified; without it, no mail and no change of address.
    pub email_from: Option<String>,
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

/// Paths on the app's origin that the functions send the browser to. Without a team's app
/// in front (the standalone site) all three are `/`; with one, the account page is
/// `/account` and the landing page the app's own `/` (infra/template.yaml sets them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pages {
    /// `AUTH_ACCOUNT_PAGE` (default `/`): the product's account page; an enrolment link
    /// comes back to it.
    pub account: String,
    /// `AUTH_ERROR_PAGE` (default: the account page): a refused sign-in ends at
    /// `<page>?error=<code>`.
    pub error: String,
    /// `AUTH_LANDING_PAGE` (default `/`): where a sign-in without a usable `callbackUrl`
    /// ends.
    pub landing: String,
}

impl Pages {
    /// The page that shows a refused sign-in's code.
    pub fn error_with(&self, code: &str) -> String {
        format!("{}?error={code}", self.error)
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

/// The flow cookie's key material.
#[derive(Clone, Debug)]
pub struct FlowConfig {
    pub secret: AuthSecret,
}

pub(super) fn read_app(r: &mut Reader<'_>) -> Option<AppConfig> {
    let origin_value = r.env.var("AUTH_URL").or_else(|| r.env.var("NEXTAUTH_URL"));
    if origin_value.is_none() {
        r.problems.push(
            "AUTH_URL is missing: the app's public origin, e.g. https://app.example.com".into(),
        );
    }
    let origin = r.parsed("AUTH_URL", origin_value, parse_origin);
    let pages = read_pages(r);
    let sessions = read_sessions(r);
    let origin_secret = match r.env.var("ORIGIN_VERIFY_SECRET") {
        Some(secret) if secret.len() < 32 => {
            r.problems.push(
                "ORIGIN_VERIFY_SECRET must be at least 32 characters (deploy.sh generates one)"
                    .into(),
            );
            None
        }
        other => other.map(Secret::new),
    };
    let audit_key = match r.env.var("AUDIT_KEY") {
        Some(key) if key.len() < 32 => {
            r.problems
                .push("AUDIT_KEY must be at least 32 characters (deploy.sh generates one)".into());
            None
        }
        other => other.map(Secret::new),
    };
    let event_bus = match r.env.var("AUTH_EVENT_BUS") {
        Some(bus) if !event_bus_ok(bus) => {
            r.problems.push(
                "AUTH_EVENT_BUS must be an EventBridge bus's name (letters, digits, . _ - /; \
                 at most 256) or ARN"
                    .into(),
            );
            None
        }
        other => other.map(str::to_owned),
    };
    let email_from = match r.env.var("AUTH_EMAIL_FROM") {
        Some(from) if crate::email::normalize(from).as_deref() != Ok(from) => {
            r.problems.push(
                "AUTH_EMAIL_FROM must be an email address in lower case, such as \
                 no-reply@example.com (a sender SES has verified)"
                    .into(),
            );
            None
        }
        other => other.map(str::to_owned),
    };
    Some(AppConfig {
        origin: origin?,
        pages: pages?,
        sessions: sessions?,
        origin_secret,
        audit_key,
        event_bus,
        email_from,
    })
}

/// An EventBridge bus as `PutEvents` takes it: a name, or an ARN ending in one.
fn event_bus_ok(bus: &str) -> bool {
    let name = match bus.strip_prefix("arn:") {
        Some(arn) => {
            let parts: Vec<&str> = arn.splitn(5, ':').collect();
            match parts.as_slice() {
                [partition, "events", region, account, resource]
                    if partition.starts_with("aws")
                        && !region.is_empty()
                        && account.len() == 12
                        && account.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    match resource.strip_prefix("event-bus/") {
                        Some(name) => name,
                        None => return false,
                    }
                }
                _ => return false,
            }
        }
        None => bus,
    };
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
}

fn read_pages(r: &mut Reader<'_>) -> Option<Pages> {
    let account = read_page(r, "AUTH_ACCOUNT_PAGE");
    let error = read_page(r, "AUTH_ERROR_PAGE");
    let landing = read_page(r, "AUTH_LANDING_PAGE");
    let account = account?.unwrap_or_else(|| "/".into());
    Some(Pages {
        error: error?.unwrap_or_else(|| account.clone()),
        landing: landing?.unwrap_or_else(|| "/".into()),
        account,
    })
}

/// A page setting: `Some(None)` when unset (its default applies), `None` when malformed.
fn read_page(r: &mut Reader<'_>, name: &str) -> Option<Option<String>> {
    match r.env.var(name) {
        None => Some(None),
        value => r.parsed(name, value, parse_page).map(Some),
    }
}

pub(super) fn read_sessions(r: &mut Reader<'_>) -> Option<SessionConfig> {
    let table = r.required("SESSION_TABLE", "the DynamoDB table that holds sessions");
    let idle = match r.env.var("SESSION_IDLE_TIMEOUT") {
        None => Some(SessionConfig::DEFAULT_IDLE_TIMEOUT),
        v => r.parsed("SESSION_IDLE_TIMEOUT", v, parse_duration),
    };
    let max_age = match r.env.var("SESSION_MAX_AGE") {
        None => Some(SessionConfig::DEFAULT_MAX_AGE),
        v => r.parsed("SESSION_MAX_AGE", v, parse_duration),
    };
    let recent_sign_in = match r.env.var("SESSION_RECENT_SIGN_IN") {
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

pub(super) fn read_flow(r: &mut Reader<'_>) -> Option<FlowConfig> {
    let value = r.required(
        "AUTH_SECRET",
        "at least 32 random bytes, hex or base64 (openssl rand -base64 32)",
    );
    let secret = r.parsed("AUTH_SECRET", value, AuthSecret::parse);
    Some(FlowConfig { secret: secret? })
}
