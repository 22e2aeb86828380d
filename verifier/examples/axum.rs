//! A service of your own that knows who is signed in: `GET /me` answers with the user of
//! the request's session cookie, 401 without a live session, 503 when the session table
//! cannot be reached.
//!
//! ```sh
//! SESSION_TABLE=auth-sessions AWS_REGION=eu-west-1 cargo run -p passkey-verifier --example axum
//! curl -b '__Host-session=…' http://127.0.0.1:8080/me     # PORT=… for another port
//! ```
//!
//! Serve it on the site's origin (a CloudFront behaviour, or behind the same proxy), or
//! the browser will not send the `__Host-session` cookie to it.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use passkey_verifier::Verifier;

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
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let verifier = Arc::new(Verifier::new(aws_sdk_dynamodb::Client::new(&aws), table));
    let app = Router::new().route("/me", get(me)).with_state(verifier);
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
