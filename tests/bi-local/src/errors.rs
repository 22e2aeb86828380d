//! The two error shapes Beyond Identity answers with: the management API's
//! `{"code","message","details"}` and OAuth's `{"error","error_description"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A management-API (and emulator) error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<Value>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// An answer of the SDK stand-in's endpoints (`/_emulator/bind`, `/_emulator/authenticate`),
    /// with the typed error the real SDK throws in that case as an `SdkError` detail.
    pub fn sdk(status: StatusCode, message: impl Into<String>, sdk_error: &str) -> Self {
        let mut error = Self::new(status, message);
        error
            .details
            .push(json!({"type": "SdkError", "sdk_error": sdk_error}));
        error
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }

    /// `400 invalid request`: the body is not the JSON the endpoint takes.
    pub fn invalid_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid request")
    }

    /// `400 invalid parameters` with one `FieldViolations` detail.
    pub fn field_violations(violations: Vec<(String, String)>) -> Self {
        let list: Vec<Value> = violations
            .into_iter()
            .map(|(field, description)| json!({"field": field, "description": description}))
            .collect();
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid parameters");
        error
            .details
            .push(json!({"type": "FieldViolations", "field_violations": list}));
        error
    }

    /// `404 <kind> not found` with a `ResourceInfo` detail, e.g. `("Identity", id)`.
    pub fn not_found(resource_type: &str, id: &str) -> Self {
        let description = format!("{} not found", human(resource_type));
        let mut error = Self::new(StatusCode::NOT_FOUND, description.clone());
        error.details.push(json!({
            "type": "ResourceInfo",
            "resource_type": resource_type,
            "id": id,
            "description": description,
        }));
        error
    }

    /// The body Beyond Identity sends with a status that a fault injected.
    pub fn injected(status: StatusCode, retry_after: Option<u64>) -> Self {
        let message = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
        Self {
            retry_after,
            ..Self::new(status, message)
        }
    }
}

/// `CredentialBindingJob` → `credential binding job`.
fn human(resource_type: &str) -> String {
    let mut out = String::new();
    for (i, c) in resource_type.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `418 I'm a teapot` → `im_a_teapot`; the `code` field is the status name in snake case.
fn status_code_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .chars()
        .filter_map(|c| match c {
            ' ' | '-' => Some('_'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": status_code_name(self.status), "message": self.message});
        if !self.details.is_empty() {
            body["details"] = Value::Array(self.details);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// An RFC 6749 §5.2 token-endpoint error.
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// `invalid_client` after a failed Basic authentication gets a challenge.
    pub basic_challenge: bool,
    pub retry_after: Option<u64>,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            basic_challenge: false,
            retry_after: None,
        }
    }

    pub fn invalid_client(basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            basic_challenge: basic,
            ..Self::new("invalid_client", "client authentication failed")
        }
    }

    pub fn injected(status: StatusCode, retry_after: Option<u64>) -> Self {
        let error = if status == StatusCode::SERVICE_UNAVAILABLE
            || status == StatusCode::TOO_MANY_REQUESTS
        {
            "temporarily_unavailable"
        } else {
            "server_error"
        };
        Self {
            status,
            retry_after,
            ..Self::new(error, "injected fault")
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.basic_challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"beyondidentity\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages_follow_beyond_identity() {
        assert_eq!(status_code_name(StatusCode::NOT_FOUND), "not_found");
        assert_eq!(
            status_code_name(StatusCode::UNPROCESSABLE_ENTITY),
            "unprocessable_entity"
        );
        assert_eq!(
            status_code_name(StatusCode::TOO_MANY_REQUESTS),
            "too_many_requests"
        );
        assert_eq!(human("CredentialBindingJob"), "credential binding job");
    }
}
