//! next-auth's CSRF token: a double-submit token bound to an HttpOnly cookie.
//!
//! next-auth's clients ask `GET /api/auth/csrf` for `{"csrfToken"}` and send it back in
//! the body of every form they post (sign-in, sign-out, `update()`); the route compares
//! it with the cookie the browser sends. A page of another site can make the browser
//! post a form, but it can neither read the token (the answer is same-origin JSON, the
//! cookie HttpOnly) nor plant a cookie of its own: the `__Host-` prefix keeps a cookie
//! set by any other host (a sibling subdomain included) or over plain HTTP out, which is
//! what next-auth's hash of the token with its secret guards against where it cannot use
//! that prefix. So the token is 256 random bits and needs no key, and the functions that
//! check it hold no secret for it. It is not the only defence: every form route also
//! requires `Origin` to be this app's (`crate::http::form_post`).
//!
//! The token lasts as long as the browser session and is kept when `/csrf` is asked
//! again, so two tabs that each fetched it both stay valid.

use lambda_http::http::HeaderMap;

use crate::error::AuthError;
use crate::http::{CookieValue, cookie, set_browser_session_cookie};
use crate::random_value;

pub const CSRF_COOKIE: &str = "__Host-auth-csrf";
/// The form field that carries the token, as next-auth names it.
pub const CSRF_FIELD: &str = "csrfToken";
/// `random_value`'s length: 32 bytes in unpadded base64url.
const TOKEN_LEN: usize = 43;

/// The browser's token, or a new one with the `Set-Cookie` that gives it to the browser.
pub fn issue(headers: &HeaderMap) -> Result<(String, Option<String>), AuthError> {
    match cookie(headers, CSRF_COOKIE) {
        CookieValue::One(token) if well_formed(&token) => Ok((token, None)),
        _ => {
            let token = random_value()?;
            let set = set_browser_session_cookie(CSRF_COOKIE, &token);
            Ok((token, Some(set)))
        }
    }
}

/// Whether `submitted` (the form's `csrfToken`) is the token of the browser's one CSRF
/// cookie; compared in constant time.
pub fn check(headers: &HeaderMap, submitted: Option<&str>) -> Result<(), AuthError> {
    let CookieValue::One(token) = cookie(headers, CSRF_COOKIE) else {
        return Err(AuthError::CsrfTokenMismatch);
    };
    match submitted {
        Some(submitted)
            if well_formed(&token)
                && aws_lc_rs::constant_time::verify_slices_are_equal(
                    submitted.as_bytes(),
                    token.as_bytes(),
                )
                .is_ok() =>
        {
            Ok(())
        }
        _ => Err(AuthError::CsrfTokenMismatch),
    }
}

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use lambda_http::http::HeaderValue;
    use lambda_http::http::header::COOKIE;

    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn a_browser_without_a_token_gets_a_new_one_in_an_http_only_host_cookie() {
        let (token, set) = issue(&HeaderMap::new()).expect("token");
        assert!(well_formed(&token), "{token}");
        let set = set.expect("a cookie");
        assert_eq!(
            set,
            format!("__Host-auth-csrf={token}; Path=/; HttpOnly; Secure; SameSite=Lax")
        );
        let (other, _) = issue(&HeaderMap::new()).expect("token");
        assert_ne!(token, other, "each new token is random");
    }

    #[test]
    fn a_browser_keeps_its_token_and_a_malformed_one_is_replaced() {
        let token = "a".repeat(TOKEN_LEN);
        let (kept, set) = issue(&with_cookie(&format!("__Host-auth-csrf={token}"))).expect("ok");
        assert_eq!((kept.as_str(), set), (token.as_str(), None));
        for sent in [
            "__Host-auth-csrf=short".to_owned(),
            format!("__Host-auth-csrf={}", "a".repeat(TOKEN_LEN + 1)),
            format!("__Host-auth-csrf={}!", "a".repeat(TOKEN_LEN - 1)),
            format!("__Host-auth-csrf={token}; __Host-auth-csrf={token}"),
        ] {
            let (new, set) = issue(&with_cookie(&sent)).expect("ok");
            assert_ne!(new, token, "{sent}");
            assert!(set.is_some(), "{sent}");
        }
    }

    #[test]
    fn only_the_cookies_own_token_passes() {
        let token = "b".repeat(TOKEN_LEN);
        let headers = with_cookie(&format!("x=1; __Host-auth-csrf={token}"));
        assert!(check(&headers, Some(&token)).is_ok());
        let other = "c".repeat(TOKEN_LEN);
        for submitted in [None, Some(""), Some(other.as_str()), Some(&token[1..])] {
            assert!(
                matches!(
                    check(&headers, submitted),
                    Err(AuthError::CsrfTokenMismatch)
                ),
                "{submitted:?}"
            );
        }
        // No cookie, two cookies, or a cookie that is no token: nothing matches it.
        for sent in [
            String::new(),
            format!("__Host-auth-csrf={token}; __Host-auth-csrf={token}"),
            "__Host-auth-csrf=".to_owned(),
            "__Host-auth-csrf=short".to_owned(),
        ] {
            let headers = with_cookie(&format!("x=1; {sent}"));
            let submitted = sent
                .split_once('=')
                .map(|(_, v)| v.split(';').next().unwrap_or(v));
            assert!(check(&headers, submitted).is_err(), "{sent}");
        }
    }
}
