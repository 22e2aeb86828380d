//! A service of your own that knows who is signed in: `GET /me` answers with the user of
//! the request's session cookie, 401 without a live session, 503 when the session table
//! cannot be reached; `POST /me` does the same for a request that may change state, which
//! a layer first holds to the app's origin and a JSON body (cross-site request forgery).
//!
//! ```sh
//! SESSION_TABLE=auth-sessions APP_ORIGIN=https://app.example.com AWS_REGION=eu-west-1 \
//!   cargo run -p passkey-verifier --example axum
//! curl -b '__Host-session=…' http://127.0.0.1:8080/me     # PORT=… for another port
//! curl -b '__Host-session=…' -X POST -H 'origin: https://app.example.com' \
//!   -H 'content-type: application/json' -d '{}' http://127.0.0.1:8080/me
//! ```
//!
//! Serve it on the site's origin (a CloudFront behaviour, or behind the same proxy), or
//! the browser will not send the `__Host-session` cookie to it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use passkey_verifier::Verifier;
use passkey_verifier::csrf::{CsrfError, check_state_change};

/// Refuses a request that changes state unless it came from the app's own pages.
async fn same_origin_json(
    State(app_origin): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let values = |name| headers.get_all(name).iter().map(HeaderValue::as_bytes);
    let checked = check_state_change(
        request.method().as_str(),
        values(ORIGIN),
        values(CONTENT_TYPE),
        &app_origin,
    );
    match checked {
        Ok(()) => next.run(request).await,
        Err(CsrfError::ForeignOrigin) => {
            (StatusCode::FORBIDDEN, "not from this app\n").into_response()
        }
        Err(CsrfError::NotJson) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "send JSON\n").into_response()
        }
    }
}

async fn me(State(verifier): State<Arc<Verifier>>, headers: HeaderMap) -> (StatusCode, String) {
    let cookies = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    match verifier.user(cookies).await {
        Ok(Some(signed_in)) => (
            StatusCode::OK,
            format!(
                "signed in as {} ({})\n",
                signed_in.user.subject,
                signed_in.user.email.as_deref().unwrap_or("no email")
            ),
        ),
        Ok(None) => (StatusCode::UNAUTHORIZED, "sign in first\n".into()),
        // Never a guess: the table did not answer.
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "try again shortly\n".into(),
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = std::env::var("SESSION_TABLE").map_err(|_| "set SESSION_TABLE")?;
    let app_origin: Arc<str> = std::env::var("APP_ORIGIN")
        .map_err(|_| "set APP_ORIGIN (the site's origin, https://app.example.com)")?
        .into();
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let verifier = Arc::new(Verifier::new(aws_sdk_dynamodb::Client::new(&aws), table));
    let app = Router::new()
        .route("/me", get(me).post(me))
        .with_state(verifier)
        .layer(middleware::from_fn_with_state(app_origin, same_origin_json));
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
