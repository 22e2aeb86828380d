//! The authorization request parameters a client may ask for (next-auth's
//! `signIn(id, options, authorizationParams)` sends them as the query of its sign-in
//! POST): an allowlist of OpenID Connect Core §3.1.2.1 parameters that are safe to pass
//! to the provider, each checked. Any other name is dropped, never forwarded: a client
//! must not choose the `redirect_uri`, `scope`, `response_type`, `state`, `nonce`,
//! `code_challenge`, `request` or `claims` of a sign-in this app verifies.
//!
//! - `login_hint`: the address to offer (at most 254 bytes, an address's longest, and no
//!   control characters);
//! - `prompt`: `none`, or any of `login`, `consent`, `select_account` (space-separated);
//! - `max_age`: seconds; the callback then refuses an `auth_time` older than that
//!   ([`super::flow::Flow::fresh_enough`]), as Core §3.1.2.1 asks of the client;
//! - `ui_locales`: up to eight BCP 47 tags, space-separated (`fr-CA fr en`).
//!
//! Beyond Identity documents none of them; a provider ignores what it does not support.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The allowlisted parameters of one sign-in, sealed in its flow cookie.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_locales: Vec<String>,
}

/// RFC 5321's longest address (a path of 256 octets, less its brackets).
const MAX_LOGIN_HINT: usize = 254;
const PROMPTS: [&str; 3] = ["login", "consent", "select_account"];
const MAX_LOCALES: usize = 8;
/// RFC 5646's longest tag is 35 characters in practice (§4.4.1).
const MAX_LOCALE: usize = 35;

impl AuthorizationParams {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The allowlisted parameters of a query; other names are ignored. A value that is
    /// not one the parameter takes is an error naming it (the sign-in is refused, rather
    /// than run without what was asked for).
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, String> {
        let field = |name: &str| query.get(name).map(String::as_str);
        Ok(Self {
            login_hint: field("login_hint").map(login_hint).transpose()?,
            prompt: field("prompt").map(prompt).transpose()?.unwrap_or_default(),
            max_age: field("max_age").map(max_age).transpose()?,
            ui_locales: field("ui_locales")
                .map(ui_locales)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

fn login_hint(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > MAX_LOGIN_HINT {
        return Err(format!("login_hint must be 1 to {MAX_LOGIN_HINT} bytes"));
    }
    if value.chars().any(char::is_control) {
        return Err("login_hint must not contain control characters".into());
    }
    Ok(value.to_owned())
}

fn prompt(value: &str) -> Result<Vec<String>, String> {
    let values: Vec<&str> = value.split(' ').collect();
    let bad = || {
        Err(
            "prompt must be none, or any of login, consent and select_account, space-separated"
                .into(),
        )
    };
    if values == ["none"] {
        return Ok(vec!["none".into()]);
    }
    let mut seen = Vec::new();
    for value in values {
        if !PROMPTS.contains(&value) || seen.contains(&value) {
            return bad();
        }
        seen.push(value);
    }
    Ok(seen.into_iter().map(str::to_owned).collect())
}

fn max_age(value: &str) -> Result<u32, String> {
    let bad = || "max_age must be a whole number of seconds".to_owned();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

fn ui_locales(value: &str) -> Result<Vec<String>, String> {
    let tags: Vec<&str> = value.split(' ').collect();
    let tag_ok = |tag: &&str| {
        (1..=MAX_LOCALE).contains(&tag.len())
            && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !tag.starts_with('-')
            && !tag.ends_with('-')
    };
    if tags.len() > MAX_LOCALES || !tags.iter().all(tag_ok) {
        return Err(format!(
            "ui_locales must be 1 to {MAX_LOCALES} language tags (such as fr-CA), space-separated"
        ));
    }
    Ok(tags.into_iter().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AuthorizationParams, String> {
        AuthorizationParams::from_query(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_allowlisted_parameters_are_kept_and_every_other_is_dropped() {
        let params = parse(&[
            ("login_hint", "ada@example.com"),
            ("prompt", "login consent"),
            ("max_age", "300"),
            ("ui_locales", "fr-CA fr en"),
            ("redirect_uri", "https://evil.example/cb"),
            ("scope", "openid admin"),
            ("response_type", "token"),
            ("state", "x"),
            ("request", "eyJ..."),
            ("callbackUrl", "/x"),
        ])
        .expect("valid");
        assert_eq!(
            params,
            AuthorizationParams {
                login_hint: Some("ada@example.com".into()),
                prompt: vec!["login".into(), "consent".into()],
                max_age: Some(300),
                ui_locales: vec!["fr-CA".into(), "fr".into(), "en".into()],
            }
        );
        assert!(parse(&[("scope", "openid admin")]).expect("ok").is_empty());
        assert!(!params.is_empty());
        assert_eq!(
            parse(&[("prompt", "none")]).expect("ok").prompt,
            ["none".to_owned()]
        );
        assert_eq!(parse(&[("max_age", "0")]).expect("ok").max_age, Some(0));
        let longest = "a".repeat(MAX_LOGIN_HINT);
        assert_eq!(
            parse(&[("login_hint", &longest)]).expect("ok").login_hint,
            Some(longest)
        );
        let eight = ["en"; MAX_LOCALES].join(" ");
        assert_eq!(
            parse(&[("ui_locales", &eight)])
                .expect("ok")
                .ui_locales
                .len(),
            MAX_LOCALES
        );
    }

    #[test]
    fn a_value_the_parameter_does_not_take_is_refused_by_name() {
        for (name, value) in [
            ("login_hint", ""),
            ("login_hint", &"a".repeat(MAX_LOGIN_HINT + 1)),
            ("login_hint", "ada@example.com\r\nx"),
            ("prompt", ""),
            ("prompt", "none login"),
            ("prompt", "login login"),
            ("prompt", "Login"),
            ("prompt", "create"),
            ("prompt", "login  consent"),
            ("max_age", ""),
            ("max_age", "-1"),
            ("max_age", "+5"),
            ("max_age", "1.5"),
            ("max_age", "99999999999"),
            ("ui_locales", ""),
            ("ui_locales", "fr_CA"),
            ("ui_locales", "-fr"),
            ("ui_locales", "fr-"),
            ("ui_locales", "fr  en"),
            ("ui_locales", &"a".repeat(MAX_LOCALE + 1)),
            ("ui_locales", &["en"; MAX_LOCALES + 1].join(" ")),
        ] {
            let error = parse(&[(name, value)]).expect_err(value);
            assert!(error.starts_with(name), "{name}={value:?}: {error}");
        }
    }
}
