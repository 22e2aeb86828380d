//! Reading variables: problems are collected, never stopping at the first; and the
//! parsers of origins, issuers and durations.

use std::time::Duration;

use url::Url;

use super::{ConfigError, Env};

/// Reads variables and collects problems instead of stopping at the first.
pub(super) struct Reader<'a> {
    pub(super) env: &'a Env,
    pub(super) problems: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(super) fn required(&mut self, name: &str, what: &str) -> Option<&'a str> {
        let value = self.env.var(name);
        if value.is_none() {
            self.problems.push(format!("{name} is missing: {what}"));
        }
        value
    }

    pub(super) fn parsed<T>(
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

    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, ConfigError> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(ConfigError(self.problems)),
        }
    }
}

pub(super) fn parse_origin(value: &str) -> Result<Url, String> {
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

/// A page of the app's own origin: a path such as `/account`, nothing else. Its characters
/// are RFC 3986's path characters without percent-encoding (so no `?`, `#`, `\` or `%`),
/// and it may not begin `//`, which a browser reads as another host.
pub(super) fn parse_page(value: &str) -> Result<String, String> {
    const MAX: usize = 256;
    let path_char = |c: char| c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=:@".contains(c);
    if !value.starts_with('/')
        || value.starts_with("//")
        || value.len() > MAX
        || !value.chars().all(path_char)
    {
        return Err(format!(
            "must be a path of this origin such as /account: it begins with one /, has at most {MAX} characters, and no query, fragment, backslash or percent sign"
        ));
    }
    Ok(value.to_owned())
}

pub(super) fn parse_issuer(value: &str) -> Result<String, String> {
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

/// The longest duration a setting may hold: a year and a day. No session should outlive
/// it, and every time computed from one (`now` plus it, in seconds) stays far from
/// overflowing.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 86_400);

/// `3600`, `30m`, `12h`, `7d`: more than zero, at most [`MAX_DURATION`].
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => (value, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("is not a duration such as 3600, 30m, 12h or 7d: {value:?}"))?;
    let unit_seconds: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("has an unknown unit {unit:?}; use s, m, h or d")),
    };
    let seconds = n
        .checked_mul(unit_seconds)
        .filter(|s| *s <= MAX_DURATION.as_secs())
        .ok_or_else(|| "must be at most 366d".to_owned())?;
    if seconds == 0 {
        return Err("must be more than zero".into());
    }
    Ok(Duration::from_secs(seconds))
}
