//! The session cookie of a request, from its `Cookie` headers.

use crate::SESSION_COOKIE;

/// What a request carried under one cookie name.
#[derive(Debug, PartialEq, Eq)]
pub enum CookieValue {
    Absent,
    One(String),
    /// The name appeared more than once: ambiguous, so treated as invalid.
    Several,
}

/// Finds a cookie in every `Cookie` header value, accepting the `;`-joined form that
/// `lambda_http` builds from the `cookies` array of HTTP API and Function URL events.
pub fn find<'a>(cookie_headers: impl IntoIterator<Item = &'a str>, name: &str) -> CookieValue {
    let mut found = CookieValue::Absent;
    for text in cookie_headers {
        for pair in text.split(';') {
            let Some((k, v)) = pair.trim().split_once('=') else {
                continue;
            };
            if k.trim() == name {
                found = match found {
                    CookieValue::Absent => CookieValue::One(v.trim().trim_matches('"').to_owned()),
                    _ => CookieValue::Several,
                };
            }
        }
    }
    found
}

/// Every value a request carried under one cookie name, in order.
pub fn all<'a>(cookie_headers: impl IntoIterator<Item = &'a str>, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for text in cookie_headers {
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k.trim() == name
            {
                values.push(v.trim().trim_matches('"').to_owned());
            }
        }
    }
    values
}

/// The `__Host-session` cookie of a request.
pub fn session_cookie<'a>(cookie_headers: impl IntoIterator<Item = &'a str>) -> CookieValue {
    find(cookie_headers, SESSION_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cookie_once_in_any_header_and_never_twice() {
        assert_eq!(find(["a=1; b=2"], "b"), CookieValue::One("2".into()));
        assert_eq!(find(["a=1", "b=\"2\""], "b"), CookieValue::One("2".into()));
        assert_eq!(find(["a=1; b=2", "b=3"], "b"), CookieValue::Several);
        assert_eq!(find(["b=2; b=2"], "b"), CookieValue::Several);
        assert_eq!(find(["ab=1; b"], "b"), CookieValue::Absent);
        assert_eq!(find([], "b"), CookieValue::Absent);
        assert_eq!(all(["a=1; b=2", "b=\"3\"; ab=4"], "b"), ["2", "3"]);
        assert!(all(["ab=1; b"], "b").is_empty());
        assert_eq!(
            session_cookie(["__Host-session=x"]),
            CookieValue::One("x".into())
        );
    }
}
