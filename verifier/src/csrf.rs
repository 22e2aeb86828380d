//! Cross-site request forgery: whether a request that changes state came from the app's
//! own pages. The session cookie is `SameSite=Lax`, which keeps it off cross-site POSTs in
//! every current browser, but a route that changes state should not rest on one browser
//! rule: the functions' own routes also require what a page of another site cannot send
//! without the browser's permission, and so should every route of the team's that a
//! session protects.
//!
//! [`check_state_change`] is that rule, the functions' own (`passkey_auth::http`'s JSON
//! POST check is built on it):
//!
//! - `GET`, `HEAD` and `OPTIONS` pass: they must not change state;
//! - any other method needs exactly one `Origin` header, equal to the app's origin byte
//!   for byte (browsers send it on every such request, same-origin ones included);
//! - and exactly one `Content-Type` whose media type is `application/json`: a page of
//!   another site can send a form or `text/plain` without asking, but a JSON body needs the
//!   browser's CORS preflight, which the API never grants.
//!
//! ```
//! use passkey_verifier::csrf::{CsrfError, check_state_change};
//!
//! let app = "https://app.example.com";
//! let json: &[u8] = b"application/json; charset=utf-8";
//! assert_eq!(check_state_change("POST", [app.as_bytes()], [json], app), Ok(()));
//! assert_eq!(
//!     check_state_change("POST", [b"https://evil.example".as_slice()], [json], app),
//!     Err(CsrfError::ForeignOrigin)
//! );
//! assert_eq!(check_state_change("GET", [], [], app), Ok(()));
//! ```

/// Why a state-changing request was refused; answer 403 for the first, 415 for the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the request must come from this app's own pages")]
    ForeignOrigin,
    #[error("the body must be JSON (Content-Type: application/json)")]
    NotJson,
}

/// Whether a request with this method, these `Origin` header values and these
/// `Content-Type` header values may change state in the app served at `app_origin`
/// (scheme, host and port, without a trailing slash: `https://app.example.com`).
pub fn check_state_change<'a>(
    method: &str,
    origins: impl IntoIterator<Item = &'a [u8]>,
    content_types: impl IntoIterator<Item = &'a [u8]>,
    app_origin: &str,
) -> Result<(), CsrfError> {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return Ok(());
    }
    match one(origins) {
        Some(origin) if origin == app_origin.as_bytes() => {}
        _ => return Err(CsrfError::ForeignOrigin),
    }
    match one(content_types) {
        Some(content_type) if is_json(content_type) => Ok(()),
        _ => Err(CsrfError::NotJson),
    }
}

/// The only value, if there is exactly one.
fn one<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<&'a [u8]> {
    let mut values = values.into_iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

/// `application/json`, in any case, with or without parameters.
fn is_json(content_type: &[u8]) -> bool {
    let media_type = content_type
        .split(|b| *b == b';')
        .next()
        .unwrap_or_default();
    media_type
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "https://app.example.com";

    fn check(method: &str, origins: &[&str], types: &[&str]) -> Result<(), CsrfError> {
        check_state_change(
            method,
            origins.iter().map(|o| o.as_bytes()),
            types.iter().map(|t| t.as_bytes()),
            APP,
        )
    }

    #[test]
    fn safe_methods_pass_without_either_header() {
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert_eq!(check(method, &[], &[]), Ok(()), "{method}");
        }
    }

    #[test]
    fn other_methods_need_the_apps_origin_exactly_once() {
        for method in ["POST", "PUT", "PATCH", "DELETE", "post", "PROPFIND"] {
            assert_eq!(
                check(method, &[APP], &["application/json"]),
                Ok(()),
                "{method}"
            );
            for origins in [
                &[][..],
                &["https://evil.example"],
                &["https://app.example.com."],
                &["https://app.example.com/"],
                &["http://app.example.com"],
                &["https://APP.example.com"],
                &["null"],
                &[APP, APP],
                &[APP, "https://evil.example"],
            ] {
                assert_eq!(
                    check(method, origins, &["application/json"]),
                    Err(CsrfError::ForeignOrigin),
                    "{method} {origins:?}"
                );
            }
        }
    }

    #[test]
    fn other_methods_need_one_json_content_type() {
        for ok in [
            "application/json",
            "Application/JSON",
            " application/json ; charset=utf-8",
        ] {
            assert_eq!(check("POST", &[APP], &[ok]), Ok(()), "{ok}");
        }
        for types in [
            &[][..],
            &["text/plain"],
            &["application/x-www-form-urlencoded"],
            &["multipart/form-data; boundary=x"],
            &["application/jsonp"],
            &["text/plain; application/json"],
            &["application/json", "text/plain"],
        ] {
            assert_eq!(
                check("POST", &[APP], types),
                Err(CsrfError::NotJson),
                "{types:?}"
            );
        }
    }
}
