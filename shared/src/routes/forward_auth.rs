//! `GET /api/auth/verify`: forward auth, for a proxy in front of the team's app (nginx
//! `auth_request`, Caddy `forward_auth`, Traefik `ForwardAuth`; docs/front-door.md).
//!
//! The proxy asks before each request, with the browser's headers. A live session (the
//! check of `GET /api/auth/session`: idle and absolute expiry, every way a session ends,
//! and its hourly activity write, nothing more) is 200 with who it is, under
//! oauth2-proxy's names: `X-Auth-Request-User` (the provider's subject),
//! `X-Auth-Request-Email` and `X-Auth-Request-Name`, each [`header_text`]. The proxy sets
//! them on the request to the app, replacing any the client sent.
//!
//! Anything else is 401 `unauthenticated`. When the request asked about is a page load
//! (`X-Forwarded-Method` GET or HEAD or absent, and `Sec-Fetch-Mode` `navigate` or
//! absent), the answer names the sign-in that comes back to it in `Location`:
//! `{AUTH_URL}/api/auth/signin?callbackUrl=…`, from `X-Forwarded-Uri` reduced as every
//! `callbackUrl` is (a same-origin path, else `/`); with `?redirect=1` it is a `302`
//! there, for the proxies that hand a refusal to the browser as it is (Caddy, Traefik).
//! nginx turns the 401 into that redirect itself (`error_page 401`). A fetch, a form
//! POST or an API call is a plain 401: a redirect would answer it with a page.

use lambda_http::Request;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::config::AppConfig;
use crate::error::AuthError;
use crate::http::{CookieValue, Reply, cookie, safe_callback_url, single_query};
use crate::routes::answers::Done;
use crate::session::{SESSION_COOKIE, Session, SessionStore, Sessions};

pub const VERIFY_PATH: &str = "/api/auth/verify";

pub const USER_HEADER: HeaderName = HeaderName::from_static("x-auth-request-user");
pub const EMAIL_HEADER: HeaderName = HeaderName::from_static("x-auth-request-email");
pub const NAME_HEADER: HeaderName = HeaderName::from_static("x-auth-request-name");
/// The path and query of the request asked about (Caddy, Traefik; nginx as configured).
const FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
const FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
const SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");

/// The answer to a proxy's question about one request.
pub async fn verify<S: SessionStore>(
    config: &AppConfig,
    sessions: &Sessions<S>,
    request: &Request,
    now: i64,
) -> Result<Reply, AuthError> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Err(AuthError::MethodNotAllowed { allowed: "GET" });
    }
    let redirect = match single_query(request)?.get("redirect").map(String::as_str) {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(AuthError::BadRequest(
                "redirect is 1 or 0 when given".to_owned(),
            ));
        }
    };
    let session = match cookie(request.headers(), SESSION_COOKIE) {
        CookieValue::One(value) => sessions.resolve(&value, now).await?,
        CookieValue::Absent | CookieValue::Several => None,
    };
    Ok(match session {
        Some(session) => identified(&session),
        None => signed_out(config, request.headers(), redirect),
    })
}

fn identified(session: &Session) -> Reply {
    let user = &session.user;
    let mut reply =
        Reply::json(StatusCode::OK, &Done::ok()).header(USER_HEADER, header_text(&user.subject));
    if let Some(email) = &user.email {
        reply = reply.header(EMAIL_HEADER, header_text(email));
    }
    if let Some(name) = &user.name {
        reply = reply.header(NAME_HEADER, header_text(name));
    }
    reply
}

fn signed_out(config: &AppConfig, headers: &HeaderMap, redirect: bool) -> Reply {
    let refused = Reply::error(&AuthError::Unauthenticated);
    if !is_page_load(headers) {
        return refused;
    }
    let page = safe_callback_url(
        single_header(headers, &FORWARDED_URI),
        &config.origin,
        &config.pages.landing,
    );
    let sign_in = format!(
        "{}/api/auth/signin?callbackUrl={}",
        config.origin_str(),
        url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>()
    );
    if redirect {
        Reply::found(sign_in)
    } else {
        refused.location(sign_in)
    }
}

/// A browser loading a page: the only request a sign-in redirect can answer.
fn is_page_load(headers: &HeaderMap) -> bool {
    let method = single_header(headers, &FORWARDED_METHOD).unwrap_or("GET");
    let mode = single_header(headers, &SEC_FETCH_MODE).unwrap_or("navigate");
    (method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD"))
        && mode.eq_ignore_ascii_case("navigate")
}

/// A header's value when it appears once and is text; `None` otherwise.
fn single_header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

/// A value as a header carries it: printable ASCII other than `%` as it is (a space
/// too, but not at either end, where HTTP would drop it), every other byte of its UTF-8
/// as `%XX`. Names and addresses from the provider may hold any character; a plain
/// ASCII one reads as it is, and `decodeURIComponent` (or any percent-decoder) gives
/// back the rest.
pub fn header_text(text: &str) -> HeaderValue {
    let bytes = text.as_bytes();
    let mut encoded = String::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        let inner_space = byte == b' ' && i > 0 && i + 1 < bytes.len();
        if (byte.is_ascii_graphic() && byte != b'%') || inner_space {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    // Only visible ASCII and inner spaces remain: always a valid header value.
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_keeps_printable_ascii_and_encodes_the_rest() {
        for (text, header) in [
            ("Ada Lovelace", "Ada Lovelace"),
            ("ada+x@example.com", "ada+x@example.com"),
            ("Zoë Ñandú", "Zo%C3%AB %C3%91and%C3%BA"),
            ("100%", "100%25"),
            (" padded ", "%20padded%20"),
            ("a\r\nX-Admin: 1", "a%0D%0AX-Admin: 1"),
            ("tab\there", "tab%09here"),
            ("", ""),
            (" ", "%20"),
        ] {
            assert_eq!(header_text(text), header, "{text:?}");
        }
    }

    #[test]
    fn header_text_round_trips_through_a_percent_decoder() {
        for text in ["Zoë", "a%b", "日本語 名前", " x "] {
            let encoded = header_text(text);
            let decoded = percent_encoding_decode(encoded.to_str().expect("ascii"));
            assert_eq!(decoded, text);
        }
    }

    fn percent_encoding_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    #[test]
    fn only_a_page_load_is_sent_to_sign_in() {
        for (pairs, page_load) in [
            (vec![], true),
            (vec![("x-forwarded-method", "GET")], true),
            (vec![("x-forwarded-method", "head")], true),
            (vec![("sec-fetch-mode", "navigate")], true),
            (vec![("x-forwarded-method", "POST")], false),
            (
                vec![
                    ("x-forwarded-method", "DELETE"),
                    ("sec-fetch-mode", "navigate"),
                ],
                false,
            ),
            (vec![("sec-fetch-mode", "cors")], false),
            (vec![("sec-fetch-mode", "no-cors")], false),
            (
                vec![
                    ("x-forwarded-method", "GET"),
                    ("sec-fetch-mode", "same-origin"),
                ],
                false,
            ),
        ] {
            assert_eq!(is_page_load(&headers(&pairs)), page_load, "{pairs:?}");
        }
    }

    #[test]
    fn a_header_sent_twice_is_no_answer() {
        let twice = headers(&[("x-forwarded-uri", "/a"), ("x-forwarded-uri", "/b")]);
        assert_eq!(single_header(&twice, &FORWARDED_URI), None);
        let once = headers(&[("x-forwarded-uri", "/a")]);
        assert_eq!(single_header(&once, &FORWARDED_URI), Some("/a"));
        assert_eq!(single_header(&HeaderMap::new(), &FORWARDED_URI), None);
    }
}
