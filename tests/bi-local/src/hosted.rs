//! Stand-ins for Beyond Identity's hosted web authenticator: the pages that bind and use
//! passkeys when the application's authenticator config is Hosted Web, so that the site
//! runs no SDK at all (`BEYOND_IDENTITY_AUTHENTICATOR=hosted`).
//!
//! Beyond Identity documents where `/authorize` sends the browser for such a config,
//! `{auth}/authenticator/v1/tenants/{t}/realms/{r}/authenticator-configs/{ac}/bi-authenticate?request=…`
//! (its guide "Add authentication", Hosted Web), and that the page comes back to the
//! `redirect_uri` with `code` and `state`. It does not document where a binding link of
//! such a config lands; bi-local sends it to `bind` beside `bi-authenticate`, with the
//! values of the Embedded SDK's `/bind` redirect. Both pages are bi-local's own (their
//! look, and how they pick a passkey, are not Beyond Identity's): they keep each passkey
//! as a non-extractable WebCrypto P-256 key in IndexedDB on bi-local's origin, as the
//! hosted authenticator keeps it on Beyond Identity's, and prove possession to
//! `/_emulator/bind` and `/_emulator/authenticate` as the SDK stand-in does.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::model::AuthenticatorConfig;
use crate::{Ctx, pages};

const CONFIG: &str =
    "/authenticator/v1/tenants/{tenant}/realms/{realm}/authenticator-configs/{config}";
const SCRIPT_PATH: &str = "/authenticator/hosted.js";
const SCRIPT: &str = include_str!("hosted.js");
/// Scripts and calls from bi-local's own origin only.
const POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
    style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<Arc<Ctx>> {
    Router::new()
        .route(&format!("{CONFIG}/bi-authenticate"), get(authenticate_page))
        .route(&format!("{CONFIG}/bind"), get(bind_page))
        .route(SCRIPT_PATH, get(script))
}

/// The hosted page of `config` named `page` (`bi-authenticate` or `bind`).
pub fn page_url(
    auth_base: &str,
    tenant_id: &str,
    config: &AuthenticatorConfig,
    page: &str,
) -> String {
    format!(
        "{auth_base}/authenticator/v1/tenants/{tenant_id}/realms/{}/authenticator-configs/{}/{page}",
        config.realm_id, config.id
    )
}

#[derive(Deserialize)]
struct ConfigPath {
    tenant: String,
    realm: String,
    config: String,
}

/// Whether the path names a Hosted Web config of this tenant.
fn hosted(ctx: &Ctx, path: &ConfigPath) -> bool {
    ctx.store.read(|inner| {
        path.tenant == inner.state.tenant_id
            && inner
                .state
                .authenticator_config(&path.realm, &path.config)
                .is_some_and(AuthenticatorConfig::is_hosted)
    })
}

/// The hosted page `page` of the config the path names, or 404 where it names none.
fn hosted_page(ctx: &Ctx, path: &ConfigPath, title: &str, page: &str, body: &str) -> Response {
    if !hosted(ctx, path) {
        return pages::error(
            StatusCode::NOT_FOUND,
            "There is no hosted authenticator here.",
        );
    }
    let mut response = pages::document(
        StatusCode::OK,
        title,
        &format!(
            "<main data-page=\"{page}\">{body}</main>\
             <script type=\"module\" src=\"{SCRIPT_PATH}\"></script>"
        ),
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    response
}

async fn authenticate_page(State(ctx): State<Arc<Ctx>>, Path(path): Path<ConfigPath>) -> Response {
    hosted_page(
        &ctx,
        &path,
        "Sign in with a passkey",
        "authenticate",
        "<p id=\"status\" role=\"status\">Looking for your passkeys…</p>\
         <ul id=\"passkeys\" aria-label=\"Passkeys on this browser\"></ul>\
         <p><button id=\"cancel\" type=\"button\">Cancel and go back</button></p>",
    )
}

async fn bind_page(State(ctx): State<Arc<Ctx>>, Path(path): Path<ConfigPath>) -> Response {
    hosted_page(
        &ctx,
        &path,
        "Set up a passkey",
        "bind",
        "<p id=\"status\" role=\"status\">Setting up a passkey on this browser…</p>",
    )
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
        .into_response()
}
