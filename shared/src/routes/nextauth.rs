//! next-auth's REST API as its own clients call it (`next-auth/react` of versions 4
//! and 5, and version 4's `getSession({ req })` on a server), beside the JSON API the
//! site uses. A team keeps its `SessionProvider`, `useSession`, `signIn('beyondidentity')`
//! and `signOut()` and deletes its `[...nextauth]` route: these functions answer
//! `/api/auth` instead.
//!
//! | request | function | answer |
//! |---|---|---|
//! | `GET /csrf` | signin | `{"csrfToken"}` and its cookie ([`crate::http::csrf_token`]) |
//! | `GET /providers` | signin | `{"beyondidentity":{"id","name","type","signinUrl","callbackUrl"}}` |
//! | `GET /signin[/beyondidentity]?callbackUrl` | signin | a sign-in begins (302 to the provider) |
//! | `POST /signin/beyondidentity` (form) | signin | a sign-in begins: `{"url"}` or 303 |
//! | `POST /signout` (form) | session | the session ends, as the site's sign-out: `{"url"}` or 303 |
//! | `GET /session` | session | the session, or `false` ([`crate::routes::answers::SignedOut`]) |
//! | `POST /session` (JSON) | session | `update()`: the session as it is; nothing sent is stored |
//! | `GET /error?error=` | signin | 303 to the site's error page with that code |
//!
//! A form (sign-in, sign-out) passes the request rules of every state change
//! ([`crate::http::form_post`]: POST, this app's `Origin`, the form's media type, a
//! bounded body) and carries the browser's CSRF token. Its answer is `{"url"}` when the
//! client asks for JSON (version 4 sends `json=true` in the form, version 5 the header
//! `X-Auth-Return-Redirect: 1`), else a redirect; a refusal is the error answer with the
//! error page as `url`, or a redirect to that page.

use std::collections::HashMap;

use lambda_http::Request;
use lambda_http::http::{Method, StatusCode};

use crate::config::{AppConfig, CALLBACK_PATH, Pages};
use crate::error::AuthError;
use crate::http::csrf_token::{self, CSRF_FIELD};
use crate::http::{FORM, MAX_BODY, Reply, form_post, has_media_type, single_query};
use crate::routes::answers::{CsrfAnswer, ProviderAnswer, ProvidersAnswer, UrlAnswer};

pub const CSRF_PATH: &str = "/api/auth/csrf";
pub const PROVIDERS_PATH: &str = "/api/auth/providers";
pub const ERROR_PATH: &str = "/api/auth/error";
/// next-auth's id of the provider: the last segment of the callback path.
pub const PROVIDER_ID: &str = "beyondidentity";
pub const SIGNIN_PROVIDER_PATH: &str = "/api/auth/signin/beyondidentity";
const PROVIDER_NAME: &str = "Beyond Identity";
/// The longest `?error=` code passed on to the error page.
const MAX_ERROR_CODE: usize = 64;

/// `GET /api/auth/csrf`.
pub fn csrf(request: &Request) -> Result<Reply, AuthError> {
    only_get(request)?;
    let (token, set_cookie) = csrf_token::issue(request.headers())?;
    let reply = Reply::json(StatusCode::OK, &CsrfAnswer { csrf_token: token });
    Ok(match set_cookie {
        Some(set_cookie) => reply.cookie(set_cookie),
        None => reply,
    })
}

/// `GET /api/auth/providers`.
pub fn providers(request: &Request, app: &AppConfig) -> Result<Reply, AuthError> {
    only_get(request)?;
    let origin = app.origin_str();
    let provider = ProviderAnswer {
        id: PROVIDER_ID.to_owned(),
        name: PROVIDER_NAME.to_owned(),
        kind: "oidc".to_owned(),
        signin_url: format!("{origin}{SIGNIN_PROVIDER_PATH}"),
        callback_url: format!("{origin}{CALLBACK_PATH}"),
    };
    Ok(Reply::json(
        StatusCode::OK,
        &ProvidersAnswer {
            beyondidentity: provider,
        },
    ))
}

/// `GET /api/auth/error?error=<code>`: the site's error page says what the code means
/// (next-auth's own codes, such as `AccessDenied`, read as "unknown" there). A code that
/// is not letters, digits, `_` and `-` is not passed on.
pub fn error(request: &Request, pages: &Pages) -> Result<Reply, AuthError> {
    only_get(request)?;
    let query = single_query(request)?;
    let code = query
        .get("error")
        .map(String::as_str)
        .filter(|code| {
            (1..=MAX_ERROR_CODE).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .unwrap_or("unknown");
    Ok(Reply::see_other(pages.error_with(code)))
}

/// The fields of a form that next-auth's client posted, once the request rules and its
/// CSRF token pass.
pub fn read_form(request: &Request, app: &AppConfig) -> Result<HashMap<String, String>, AuthError> {
    let fields = form_post(request, &app.origin_str())?;
    csrf_token::check(
        request.headers(),
        fields.get(CSRF_FIELD).map(String::as_str),
    )?;
    Ok(fields)
}

/// Whether a request is one of next-auth's forms (rather than the site's JSON).
pub fn is_form(request: &Request) -> bool {
    has_media_type(request, FORM)
}

/// How the client that posted a form wants to be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `{"url"}`, which the client navigates to (or returns, with `redirect: false`).
    Json,
    /// A redirect: a form posted by a plain HTML page.
    Redirect,
}

impl Answer {
    /// A redirect for a form posted without `X-Auth-Return-Redirect: 1` (next-auth 5)
    /// or a `json=true` field (next-auth 4): a plain HTML form, a navigation. Anything
    /// else is a script's request, JSON.
    pub fn of(request: &Request) -> Self {
        let header = request
            .headers()
            .get_all("x-auth-return-redirect")
            .iter()
            .any(|value| value.as_bytes() == b"1");
        // A body over the limit is refused before it is read; its answer is JSON.
        let plain_form = is_form(request)
            && request.body().len() <= MAX_BODY
            && !url::form_urlencoded::parse(request.body().as_ref())
                .any(|(name, value)| name == "json" && value == "true");
        if plain_form && !header {
            Self::Redirect
        } else {
            Self::Json
        }
    }

    /// Sends the browser to an absolute URL.
    pub fn go(self, url: String) -> Reply {
        match self {
            Self::Json => Reply::json(StatusCode::OK, &UrlAnswer { url }),
            Self::Redirect => Reply::see_other(url),
        }
    }

    /// A refusal: the error answer with the error page as `url`, or that page.
    pub fn refuse(self, error: &AuthError, app: &AppConfig) -> Reply {
        match self {
            Self::Json => Reply::error_explained_at(
                error,
                format!("{}{}", app.origin_str(), app.pages.error_with(error.code())),
            ),
            Self::Redirect => Reply::error_page(error, &app.pages),
        }
    }
}

fn only_get(request: &Request) -> Result<(), AuthError> {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        Ok(())
    } else {
        Err(AuthError::MethodNotAllowed { allowed: "GET" })
    }
}
