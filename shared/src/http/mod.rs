//! HTTP helpers shared by the routes: cookies, JSON answers, security headers, redirect
//! targets and the request rules for state-changing POSTs.

pub mod csrf_token;
pub mod lambda;
pub mod ratelimit;

use lambda_http::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::config::{AppConfig, Pages};
use crate::error::AuthError;
use crate::routes::answers::{ErrorAnswer, UrlRefusal};

/// The largest JSON or form body a route reads.
pub const MAX_BODY: usize = 4096;
/// The media types of the bodies the routes read.
pub const JSON: &str = "application/json";
pub const FORM: &str = "application/x-www-form-urlencoded";
const MAX_CALLBACK_URL: usize = 2048;

pub use passkey_verifier::CookieValue;
use passkey_verifier::csrf::{CsrfError, check_state_change};

/// Finds a cookie in every `Cookie` header ([`passkey_verifier::cookies::find`]: a name
/// that appears twice is [`CookieValue::Several`]), accepting the `;`-joined form that
/// `lambda_http` builds from the `cookies` array of HTTP API and Function URL events.
pub fn cookie(headers: &HeaderMap, name: &str) -> CookieValue {
    passkey_verifier::cookies::find(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
        name,
    )
}

/// Every value of a cookie in every `Cookie` header: for the callback, which ends every
/// session a browser presents, however many it sent.
pub fn cookie_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    passkey_verifier::cookies::all(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
        name,
    )
}

/// The header CloudFront adds to every request it forwards to the API (an origin custom
/// header whose value is `ORIGIN_VERIFY_SECRET`).
pub const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";

/// The first check of every route. A request whose address was too long to convert
/// (`crate::http::lambda`) is refused with 414. When the app sits behind CloudFront
/// (`ORIGIN_VERIFY_SECRET` is set), a request must carry CloudFront's secret header: the
/// API's own address is not a way around CloudFront, its headers and its limits.
/// Compared in constant time.
pub fn check_front_door(
    request: &Request,
    app: &crate::config::AppConfig,
) -> Result<(), AuthError> {
    if route_path(request) == crate::http::lambda::TOO_LONG_PATH {
        return Err(AuthError::UriTooLong {
            limit: crate::http::lambda::MAX_URI,
        });
    }
    let Some(secret) = &app.origin_secret else {
        return Ok(());
    };
    let mut sent = request.headers().get_all(ORIGIN_VERIFY_HEADER).iter();
    match (sent.next(), sent.next()) {
        (Some(value), None)
            if aws_lc_rs::constant_time::verify_slices_are_equal(
                value.as_bytes(),
                secret.expose().as_bytes(),
            )
            .is_ok() =>
        {
            Ok(())
        }
        _ => Err(AuthError::DirectAccess),
    }
}

/// The caller's address, never a value the client controls. Behind CloudFront (the
/// request carried its secret header, so `app.origin_secret` is set and was checked) it is
/// `CloudFront-Viewer-Address`, without its port; otherwise the request context's source
/// IP for an HTTP API, a Function URL or a REST API, and for an ALB, which has none, the
/// last `X-Forwarded-For` entry (the one the load balancer added).
pub fn client_address(request: &Request, app: &AppConfig) -> String {
    if app.origin_secret.is_some()
        && let Some(viewer) = request
            .headers()
            .get("cloudfront-viewer-address")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit_once(':'))
            .map(|(address, _port)| address.trim_matches(['[', ']']).to_owned())
            .filter(|address| !address.is_empty())
    {
        return viewer;
    }
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        Some(RequestContext::Alb(_)) => request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty()),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}

/// The request's path as the app sees it: without the stage a REST API (payload 1.0)
/// puts in front of it (`/prod/api/auth/session`), the same for every front door.
pub fn route_path(request: &Request) -> &str {
    match request.raw_http_path() {
        "" => request.uri().path(),
        path => path,
    }
}

/// `Set-Cookie` for a `__Host-` cookie: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain.
pub fn set_cookie(name: &str, value: &str, max_age_secs: u64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Lax")
}

/// `Set-Cookie` for a `__Host-` cookie that lasts as long as the browser session (no
/// `Max-Age`): the CSRF token's.
pub fn set_browser_session_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; HttpOnly; Secure; SameSite=Lax")
}

/// `Set-Cookie` that deletes a cookie.
pub fn clear_cookie(name: &str) -> String {
    format!(
        "{name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax"
    )
}

/// The headers every answer carries.
fn secure(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Failures on our side or the provider's, by code (the stack's metric filters count
/// `session_store_unavailable`); a refusal of bad input is not one.
fn log_server_error(error: &AuthError) {
    if error.status().is_server_error() {
        tracing::warn!(
            error = error.code(),
            status = error.status().as_u16(),
            "answered with a server error"
        );
    }
}

/// An answer under construction: status, body, cookies.
pub struct Reply {
    status: StatusCode,
    body: Option<String>,
    location: Option<String>,
    cookies: Vec<String>,
    allow: Option<&'static str>,
    retry_after: Option<u64>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// A JSON answer: one of [`crate::routes::answers`].
    pub fn json(status: StatusCode, body: &impl Serialize) -> Self {
        // Our answers are structs of strings, numbers and options: they always serialise.
        let body = serde_json::to_string(body).unwrap_or_else(|error| {
            tracing::error!(%error, "an answer could not be serialised");
            r#"{"error":"internal_error","message":"an internal error occurred"}"#.to_owned()
        });
        Self {
            status,
            body: Some(body),
            location: None,
            cookies: Vec::new(),
            allow: None,
            retry_after: None,
            headers: Vec::new(),
        }
    }

    /// `303 See Other`: after a callback the browser must GET the target.
    pub fn see_other(location: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SEE_OTHER,
            body: None,
            location: Some(location.into()),
            cookies: Vec::new(),
            allow: None,
            retry_after: None,
            headers: Vec::new(),
        }
    }

    /// `302 Found` to the provider's authorization endpoint.
    pub fn found(location: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FOUND,
            ..Self::see_other(location)
        }
    }

    pub fn error(error: &AuthError) -> Self {
        log_server_error(error);
        let mut reply = Self::json(
            error.status(),
            &ErrorAnswer {
                error: error.code().to_owned(),
                message: error.to_string(),
            },
        );
        if let AuthError::MethodNotAllowed { allowed } = error {
            reply.allow = Some(allowed);
        }
        reply.retry_after = error.retry_after();
        reply
    }

    /// [`Reply::error`] that also names, as `url`, the absolute address of the page that
    /// explains it (next-auth's clients navigate there).
    pub fn error_explained_at(error: &AuthError, url: String) -> Self {
        let explained = Self::json(
            error.status(),
            &UrlRefusal {
                error: error.code().to_owned(),
                message: error.to_string(),
                url,
            },
        );
        Self {
            body: explained.body,
            ..Self::error(error)
        }
    }

    /// A refused navigation: `303` to the site's error page with the error's code (a
    /// person reads a page there, not a JSON body). No `Retry-After`: on a redirect it
    /// would ask the browser to wait before it shows the page (RFC 9110, 10.2.3).
    pub fn error_page(error: &AuthError, pages: &Pages) -> Self {
        log_server_error(error);
        Self::see_other(pages.error_with(error.code()))
    }

    /// Where the refused request could go instead (forward auth's sign-in link).
    pub fn location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    /// A header of the route's own (forward auth's identity headers).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn cookie(mut self, set_cookie: String) -> Self {
        self.cookies.push(set_cookie);
        self
    }

    pub fn into_response(self) -> Response<Body> {
        let is_json = self.body.is_some();
        let body = match self.body {
            Some(text) => Body::Text(text),
            None => Body::Empty,
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if is_json {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        for cookie in self.cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.append(header::SET_COOKIE, value);
            }
        }
        secure(response)
    }
}

/// Reduces a `callbackUrl` to a same-origin path, or `fallback` (the landing page).
///
/// A relative path on this origin is kept, and so is an absolute URL that begins with
/// this origin exactly (next-auth's clients send `window.location.href`): it becomes its
/// path and query. Everything else falls back: other origins (another scheme, host or
/// port, `https://app.example.com.evil.com`, `https://app.example.com@evil.com`),
/// scheme-relative `//host`, `/\host` (a backslash anywhere: browsers read it as a
/// slash), their percent-encoded forms, control characters (tab, newline), `javascript:`
/// and other schemes, and anything malformed or too long.
pub fn safe_callback_url(raw: Option<&str>, origin: &Url, fallback: &str) -> String {
    let fallback = || fallback.to_owned();
    let Some(raw) = raw else { return fallback() };
    if raw.len() > MAX_CALLBACK_URL || raw.chars().any(|c| c.is_control() || c == '\\') {
        return fallback();
    }
    let raw = match raw.strip_prefix(origin.origin().ascii_serialization().as_str()) {
        None => raw.to_owned(),
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        Some(rest) if rest.is_empty() || rest.starts_with(['?', '#']) => format!("/{rest}"),
        Some(_) => return fallback(),
    };
    if !raw.starts_with('/') {
        return fallback();
    }
    let decoded = percent_decode(&raw);
    if decoded.starts_with("//")
        || decoded.starts_with("/\\")
        || decoded.chars().any(|c| c.is_control())
    {
        return fallback();
    }
    let Ok(joined) = origin.join(&raw) else {
        return fallback();
    };
    if joined.origin() != origin.origin() {
        return fallback();
    }
    let mut path = joined.path().to_owned();
    if path.starts_with("//") {
        return fallback();
    }
    if let Some(query) = joined.query() {
        path.push('?');
        path.push_str(query);
    }
    path
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The request rules for state-changing routes: POST, `Origin` equal to the app's origin
/// and `Content-Type: application/json` (each exactly once: the verifier's
/// [`check_state_change`], which the team's own routes use too), and a body no larger
/// than [`MAX_BODY`].
pub fn check_json_post(
    request: &Request,
    origin: &str,
    allowed: &'static str,
) -> Result<(), AuthError> {
    if request.method() != Method::POST {
        return Err(AuthError::MethodNotAllowed { allowed });
    }
    let headers = request.headers();
    let values = |name| headers.get_all(name).iter().map(HeaderValue::as_bytes);
    check_state_change(
        request.method().as_str(),
        values(header::ORIGIN),
        values(header::CONTENT_TYPE),
        origin,
    )
    .map_err(|error| match error {
        CsrfError::ForeignOrigin => AuthError::ForeignOrigin,
        CsrfError::NotJson => AuthError::UnsupportedMediaType { expected: JSON },
    })?;
    if request.body().len() > MAX_BODY {
        return Err(AuthError::BodyTooLarge { limit: MAX_BODY });
    }
    Ok(())
}

/// Whether the request has exactly one `Content-Type`, of this media type (any case,
/// any parameters).
pub fn has_media_type(request: &Request, media_type: &str) -> bool {
    let mut sent = request.headers().get_all(header::CONTENT_TYPE).iter();
    match (sent.next(), sent.next()) {
        (Some(value), None) => value
            .as_bytes()
            .split(|b| *b == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii()
            .eq_ignore_ascii_case(media_type.as_bytes()),
        _ => false,
    }
}

/// The fields of a form POST (next-auth's clients send forms): POST, `Origin` equal to
/// the app's origin exactly once, one `Content-Type` of
/// `application/x-www-form-urlencoded`, a body no larger than [`MAX_BODY`], and no field
/// twice. The form's `csrfToken` is the caller's to check
/// ([`csrf_token::check`]): this is the part every form route shares.
pub fn form_post(
    request: &Request,
    origin: &str,
) -> Result<std::collections::HashMap<String, String>, AuthError> {
    if request.method() != Method::POST {
        return Err(AuthError::MethodNotAllowed { allowed: "POST" });
    }
    let mut origins = request.headers().get_all(header::ORIGIN).iter();
    match (origins.next(), origins.next()) {
        (Some(sent), None) if sent.as_bytes() == origin.as_bytes() => {}
        _ => return Err(AuthError::ForeignOrigin),
    }
    if !has_media_type(request, FORM) {
        return Err(AuthError::UnsupportedMediaType { expected: FORM });
    }
    if request.body().len() > MAX_BODY {
        return Err(AuthError::BodyTooLarge { limit: MAX_BODY });
    }
    single_fields(request.body().as_ref())
}

/// The body of an action on one thing: `{"id": "…"}`, and `"confirm": true` where the
/// action asks for it. An id is 1 to 128 letters, digits, `-` or `_` (a session's public
/// id, a Beyond Identity credential id); anything else is a 400 that names the problem.
#[derive(Debug, PartialEq, Eq)]
pub struct ActionBody {
    pub id: String,
    pub confirm: bool,
}

pub fn action_body(request: &Request) -> Result<ActionBody, AuthError> {
    let bad = |why: &str| AuthError::BadRequest(why.to_owned());
    let body: serde_json::Map<String, Value> = serde_json::from_slice(request.body().as_ref())
        .map_err(|_| bad("the body must be a JSON object such as {\"id\":\"…\"}"))?;
    let id = match body.get("id") {
        Some(Value::String(id)) => id,
        Some(_) => return Err(bad("id must be a string")),
        None => return Err(bad("id is required")),
    };
    let well_formed = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(bad("id is not an id this API gives out"));
    }
    let confirm = match body.get("confirm") {
        None => false,
        Some(Value::Bool(confirm)) => *confirm,
        Some(_) => return Err(bad("confirm must be true or false")),
    };
    Ok(ActionBody {
        id: id.clone(),
        confirm,
    })
}

/// The query parameters of a request, refusing any that appear twice.
pub fn single_query(
    request: &Request,
) -> Result<std::collections::HashMap<String, String>, AuthError> {
    single_fields(request.uri().query().unwrap_or_default().as_bytes())
}

/// `application/x-www-form-urlencoded` pairs (a query or a form body), refusing a name
/// that appears twice: two values would leave the route to guess which one counts.
fn single_fields(encoded: &[u8]) -> Result<std::collections::HashMap<String, String>, AuthError> {
    let mut fields = std::collections::HashMap::new();
    for (name, value) in url::form_urlencoded::parse(encoded) {
        if fields
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(AuthError::BadRequest(format!(
                "the parameter {name} appears more than once"
            )));
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_body(body: &str) -> Request {
        Request::new(Body::from(body.to_owned()))
    }

    #[test]
    fn action_bodies_name_one_id_and_an_optional_confirmation() {
        let parsed = |body: &str| action_body(&with_body(body));
        assert_eq!(
            parsed(r#"{"id":"a-b_C9"}"#).expect("ok"),
            ActionBody {
                id: "a-b_C9".into(),
                confirm: false
            }
        );
        assert!(parsed(r#"{"id":"x","confirm":true}"#).expect("ok").confirm);
        assert!(!parsed(r#"{"id":"x","confirm":false}"#).expect("ok").confirm);
        assert_eq!(
            parsed(&format!(r#"{{"id":"{}"}}"#, "a".repeat(128)))
                .expect("ok")
                .id
                .len(),
            128
        );
        for (body, why) in [
            ("", "JSON object"),
            ("[]", "JSON object"),
            ("{}", "id is required"),
            (r#"{"id":7}"#, "id must be a string"),
            (r#"{"id":""}"#, "not an id"),
            (r#"{"id":"a b"}"#, "not an id"),
            (r#"{"id":"a/b"}"#, "not an id"),
            (r#"{"id":"é"}"#, "not an id"),
            (&format!(r#"{{"id":"{}"}}"#, "a".repeat(129)), "not an id"),
            (
                r#"{"id":"x","confirm":"yes"}"#,
                "confirm must be true or false",
            ),
        ] {
            match parsed(body) {
                Err(AuthError::BadRequest(message)) => {
                    assert!(message.contains(why), "{body}: {message}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    fn origin() -> Url {
        Url::parse("https://app.example.com").expect("url")
    }

    /// The landing page a refused `callbackUrl` falls back to.
    const LANDING: &str = "/landing";

    fn safe(raw: Option<&str>) -> String {
        safe_callback_url(raw, &origin(), LANDING)
    }

    #[test]
    fn same_origin_paths_are_kept() {
        for (raw, kept) in [
            ("/", "/"),
            ("/account", "/account"),
            ("/a/b?c=d&e=f", "/a/b?c=d&e=f"),
            ("/a/../b", "/b"),
            ("/caf%C3%A9", "/caf%C3%A9"),
        ] {
            assert_eq!(safe(Some(raw)), kept, "{raw}");
        }
    }

    /// next-auth's clients send `window.location.href`: on this origin, its path and
    /// query are kept (the fragment never reaches a server).
    #[test]
    fn absolute_urls_on_this_origin_become_their_path_and_query() {
        for (raw, kept) in [
            ("https://app.example.com", "/"),
            ("https://app.example.com/", "/"),
            ("https://app.example.com?tab=2", "/?tab=2"),
            ("https://app.example.com#top", "/"),
            ("https://app.example.com/account", "/account"),
            ("https://app.example.com/a/b?c=d#e", "/a/b?c=d"),
            ("https://app.example.com/a/../b", "/b"),
        ] {
            assert_eq!(safe(Some(raw)), kept, "{raw}");
        }
    }

    #[test]
    fn every_known_open_redirect_trick_falls_back_to_the_landing_page() {
        for raw in [
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "/\\/evil.com",
            "/account\\settings",
            "https://app.example.com.evil.com",
            "https://app.example.com@evil.com",
            "https://evil.com",
            "http://app.example.com/",
            "https://app.example.com:443/account",
            "https://app.example.com:8443/account",
            "https://APP.example.com/account",
            "https://app.example.comx/account",
            "https://app.example.com//evil.com",
            "https://app.example.com/%2F%2Fevil.com",
            "https://app.example.com/\\evil.com",
            "https://app.example.com\\@evil.com",
            "https://app.example.com/\t/evil.com",
            "https://evil.com/https://app.example.com/",
            "?next=/account",
            "@evil.com",
            "/@evil.com/../..//evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/%09/evil.com",
            "/%2F%2Fevil.com",
            "/%2f/evil.com",
            "/%5Cevil.com",
            "%2F%2Fevil.com",
            "javascript:alert(1)",
            "data:text/html,<script>",
            "evil.com",
            "",
            " /account",
            "/\u{0}",
            "/%00",
        ] {
            assert_eq!(safe(Some(raw)), LANDING, "{raw:?}");
        }
        // Odd but harmless: they stay paths on this origin.
        for (raw, kept) in [
            ("/javascript:alert(1)//", "/javascript:alert(1)//"),
            ("/%E0%A4%A", "/%E0%A4%A"),
        ] {
            assert_eq!(safe(Some(raw)), kept, "{raw:?}");
        }
        assert_eq!(safe(None), LANDING);
        // The length cap: the longest kept, and one byte more.
        let longest = format!("/{}", "a".repeat(MAX_CALLBACK_URL - 1));
        assert_eq!(safe(Some(&longest)), longest);
        let longer = format!("{longest}a");
        assert_eq!(safe(Some(&longer)), LANDING);
    }

    #[test]
    fn cookies_are_read_from_lambda_joined_and_browser_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1;__Host-session=abc;b=2"),
        );
        assert_eq!(
            cookie(&headers, "__Host-session"),
            CookieValue::One("abc".into())
        );
        assert_eq!(cookie(&headers, "session"), CookieValue::Absent);
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("c=3; __Host-session=def"),
        );
        assert_eq!(cookie(&headers, "__Host-session"), CookieValue::Several);
        assert_eq!(cookie(&HeaderMap::new(), "a"), CookieValue::Absent);
    }

    #[test]
    fn replies_carry_the_security_headers_and_every_cookie() {
        let response = Reply::see_other("/x")
            .cookie(set_cookie("a", "1", 60))
            .cookie(clear_cookie("b"))
            .into_response();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        assert_eq!(
            response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .count(),
            2
        );
        let error = Reply::error(&AuthError::MethodNotAllowed { allowed: "GET" }).into_response();
        assert_eq!(error.status(), 405);
        assert_eq!(error.headers()[header::ALLOW], "GET");
    }
}
