//! `GET …/authorize`: the authorization request, checked as Beyond Identity checks it, and
//! the code its transaction ends with.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppPath, find_app};
use crate::faults::Target;
use crate::keys::{self};
use crate::model::{self, CodeGrant, GrantType, Invocation, Pkce, Transaction};
use crate::store::Inner;
use crate::{Ctx, cloud, hosted, pages, random};

/// OpenID Connect's scopes, accepted on every authorization request. Beyond Identity's
/// OpenAPI file: "OIDC requests may accept OpenID Connect standard scopes as well as
/// resource server scopes, but the OpenID Connect scopes should not be defined on the
/// application itself. Currently, the only OpenID Connect supported scope is `openid`";
/// its Drupal and Auth0 guides request `email` and `profile` too. Any other scope must be
/// in the application's `allowed_scopes` (its resource server's; empty without one).
pub(crate) const OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];
/// How long an `/authorize` transaction waits for the user.
const TRANSACTION_TTL: i64 = 600;
/// How long an authorization code can be redeemed.
const CODE_TTL: i64 = 300;

/// Query or form parameters, refusing any that appear twice (RFC 6749 §3.1, §3.2).
pub(super) fn single_params(
    pairs: Vec<(String, String)>,
) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name.clone(), value).is_some() {
            return Err(format!("parameter {name} appears more than once"));
        }
    }
    Ok(params)
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub(super) fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Sends an OAuth error back to a redirect URI that is known to be the client's.
/// An OAuth error answer on the client's redirect URI, with `iss` when the emulator
/// promises RFC 9207's parameter.
fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    iss: Option<&str>,
) -> Response {
    match error_location(redirect_uri, error, description, state, iss) {
        Some(location) => pages::found(&location),
        None => pages::error(StatusCode::BAD_REQUEST, description),
    }
}

/// An authorization error response (RFC 6749 §4.1.2.1) on the client's `redirect_uri`.
pub(crate) fn error_location(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    iss: Option<&str>,
) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", description);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        if let Some(iss) = iss {
            query.append_pair("iss", iss);
        }
    }
    Some(url.into())
}

pub(super) async fn authorize(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<AppPath>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Some((status, _)) = ctx.fault(Target::Authorize).await {
        return pages::error(
            status,
            "The sign-in service is unavailable. Try again later.",
        );
    }
    let Some(app) = ctx.store.read(|inner| find_app(inner, &path)) else {
        return pages::error(StatusCode::NOT_FOUND, "This application does not exist.");
    };
    let Ok(params) = single_params(pairs) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "A parameter appears more than once.",
        );
    };
    // Until client_id and redirect_uri are known good, errors are shown here and never
    // sent to a redirect URI (RFC 6749 §4.1.2.1).
    if params.get("client_id") != Some(&app.client_id) {
        return pages::error(StatusCode::BAD_REQUEST, "Unknown or missing client_id.");
    }
    let Some(redirect_uri) = params
        .get("redirect_uri")
        .filter(|r| app.redirect_uris.contains(r))
    else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is missing or is not registered for this application.",
        );
    };
    let state = params.get("state").map(String::as_str);
    let issuer = ctx
        .iss_parameter
        .then(|| ctx.store.read(|inner| ctx.issuer(&inner.state, &app)));
    let fail = |error: &str, description: &str| {
        error_redirect(redirect_uri, error, description, state, issuer.as_deref())
    };

    if params.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if !app.grant_types.contains(&GrantType::AuthorizationCode) {
        return fail(
            "unauthorized_client",
            "this application cannot use the authorization code grant",
        );
    }
    let scope = params.get("scope").cloned().unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if !scopes.contains(&"openid") {
        return fail("invalid_scope", "scope must contain openid");
    }
    // OpenID Connect's scopes are accepted on every request; any other must be one of
    // the application's `allowed_scopes` (its resource server's).
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !OIDC_SCOPES.contains(s) && !app.allowed_scopes.iter().any(|a| a == *s))
    {
        return fail(
            "invalid_scope",
            &format!("scope {unknown} is not allowed for this application"),
        );
    }
    let challenge = params.get("code_challenge");
    let method = params.get("code_challenge_method").map(String::as_str);
    match (app.pkce, challenge, method) {
        (Pkce::Disabled, _, _) => {}
        (_, None, _) => return fail("invalid_request", "code_challenge is required"),
        (_, Some(c), _) if !is_pkce_value(c) => {
            return fail("invalid_request", "code_challenge is malformed");
        }
        (Pkce::S256, _, Some("S256")) | (Pkce::Plain, _, None | Some("plain" | "S256")) => {}
        (Pkce::S256, _, _) => return fail("invalid_request", "code_challenge_method must be S256"),
        (Pkce::Plain, _, _) => return fail("invalid_request", "unsupported code_challenge_method"),
    }

    let Some(config) = ctx.store.read(|inner| inner.state.config_of(&app).cloned()) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "This application has no authenticator configuration.",
        );
    };
    let now = model::now().timestamp();
    let transaction = Transaction {
        application_id: app.id.clone(),
        redirect_uri: redirect_uri.clone(),
        scope: scopes.join(" "),
        state: state.map(str::to_owned),
        nonce: params.get("nonce").cloned(),
        code_challenge: challenge.cloned(),
        code_challenge_method: challenge.map(|_| method.unwrap_or("plain").to_owned()),
        expires_at: now + TRANSACTION_TTL,
        prove_nonce: random::opaque(),
    };
    let request = ctx.store.write(|inner| {
        inner.state.sweep(now);
        let id = random::opaque();
        let claims =
            cloud::authenticate_request(&ctx, inner, &app, &config, &id, &transaction, now);
        let jku = cloud::jwks_url(&ctx, inner, &app);
        inner.state.transactions.insert(id, transaction);
        keys::encode_with_jku(inner.signing_key(), &jku, &claims)
    });
    // Embedded SDK: the app's own `/bi-authenticate` page; Hosted Web: Beyond Identity's.
    let page = if config.is_hosted() {
        let tenant = ctx.store.read(|inner| inner.state.tenant_id.clone());
        hosted::page_url(&ctx.auth_base, &tenant, &config, "bi-authenticate")
    } else {
        format!("{}/bi-authenticate", config.invoke_url)
    };
    let Ok(mut url) = url::Url::parse(&page) else {
        return pages::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The invoke URL is not valid.",
        );
    };
    url.query_pairs_mut().append_pair("request", &request);
    match config.invocation_type {
        Invocation::Manual if !config.is_hosted() => {
            axum::Json(json!({ "authenticate_url": url.as_str() })).into_response()
        }
        _ => pages::found(url.as_str()),
    }
}

/// Mints an authorization code for a transaction the user authenticated.
pub fn issue_code(
    inner: &mut Inner,
    transaction: Transaction,
    identity_id: &str,
    now: i64,
) -> String {
    let code = random::opaque();
    inner.state.codes.insert(
        code.clone(),
        CodeGrant {
            transaction,
            identity_id: identity_id.to_owned(),
            auth_time: now,
            expires_at: now + CODE_TTL,
            redeemed: false,
            issued: Vec::new(),
        },
    );
    code
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    #[test]
    fn repeated_parameters_are_refused() {
        let pairs = vec![
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
        ];
        assert!(single_params(pairs).is_err());
    }

    #[test]
    fn pkce_values_follow_rfc7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn error_redirects_keep_the_clients_query() {
        let response = error_redirect(
            "http://app/cb?x=1",
            "invalid_scope",
            "bad scope",
            Some("s t"),
            None,
        );
        let location = response.headers()[header::LOCATION]
            .to_str()
            .expect("ascii");
        assert_eq!(
            location,
            "http://app/cb?x=1&error=invalid_scope&error_description=bad+scope&state=s+t"
        );
    }
}
