//! Logging for the functions: JSON lines when Lambda's log format is JSON (the runtime's
//! own subscriber), plain text elsewhere. Nothing secret is ever passed to a log call.

/// Installs the tracing subscriber once, at cold start.
pub fn init() {
    lambda_http::tracing::init_default_subscriber();
}
