//! One error type for the routes, turned into an HTTP answer in exactly one place.

use lambda_http::http::StatusCode;

/// Everything a route can refuse or fail with. The `code` is stable (clients and the
/// home page match on it); the message is for people.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    // Request rules.
    #[error("this route answers {allowed} only")]
    MethodNotAllowed { allowed: &'static str },
    #[error("no such route")]
    NotFound,
    #[error("the request must come from this app's own pages")]
    ForeignOrigin,
    #[error("this API is served only through the site's own address")]
    DirectAccess,
    #[error("the body must be sent as {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error(
        "the form's csrfToken is not this browser's: ask /api/auth/csrf for it and send it again"
    )]
    CsrfTokenMismatch,
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("the address is longer than {limit} bytes")]
    UriTooLong { limit: usize },
    #[error("the request is malformed: {0}")]
    BadRequest(String),

    // Sign-in flow (callback). None of these ever reaches the token endpoint.
    #[error("the sign-in could not be matched to this browser; start again")]
    MissingFlow,
    #[error("the sign-in expired or was tampered with; start again")]
    InvalidFlow,
    #[error("the sign-in response does not match the request this browser made")]
    StateMismatch,
    #[error("the sign-in response came from another issuer")]
    IssuerMismatch,
    #[error("the sign-in was started for another configuration; start again")]
    FlowMismatch,
    #[error("this sign-in response was already used")]
    ReplayedFlow,
    #[error("the provider did not sign you in ({0})")]
    ProviderDenied(String),
    #[error("the provider's answer is missing the authorization code")]
    MissingCode,
    #[error("you signed out everywhere while this sign-in was under way; sign in again")]
    SignInSuperseded,
    #[error("the identity provider did not confirm it was you just now; sign in again")]
    StaleAuthentication,

    // The provider.
    #[error("the identity provider is unavailable; try again shortly")]
    ProviderUnavailable,
    #[error("the identity provider refused the authorization code")]
    CodeRejected,
    #[error("the identity provider's ID token failed verification: {0}")]
    InvalidIdToken(String),
    #[error("the identity provider's userinfo answer failed verification: {0}")]
    InvalidUserinfo(String),
    #[error("the logout token was refused: {0}")]
    InvalidLogoutToken(&'static str),

    // Registration and new devices.
    #[error("{0}")]
    InvalidEmail(&'static str),
    #[error("sign in first")]
    Unauthenticated,
    #[error("this needs a recent sign-in; sign in again to continue")]
    ReauthenticationRequired,
    #[error("the confirmation is missing: {0}")]
    ConfirmationRequired(&'static str),
    // A change of address.
    #[error("this link has expired or was used already; ask for a new one")]
    LinkExpired,
    #[error("this link is for another account; sign in as its owner to use it")]
    WrongAccount,
    #[error("this address belongs to another account")]
    AddressTaken,
    #[error("the account's address changed since this link was sent; ask for a new one")]
    AddressMoved,
    #[error("the email could not be sent; try again shortly")]
    MailUnavailable,

    #[error("too many requests; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("Beyond Identity is busy; try again in a moment")]
    UpstreamBusy { retry_after: Option<u64> },
    #[error("Beyond Identity is unavailable; try again shortly")]
    UpstreamUnavailable,
    #[error("Beyond Identity did not answer in time; try again")]
    UpstreamTimeout,

    // Sessions.
    #[error("the session store is unavailable; try again shortly")]
    StoreUnavailable,

    #[error("an internal error occurred")]
    Internal,
}

impl AuthError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::ForeignOrigin | Self::DirectAccess | Self::CsrfTokenMismatch => {
                StatusCode::FORBIDDEN
            }
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            Self::BadRequest(_)
            | Self::MissingFlow
            | Self::InvalidFlow
            | Self::StateMismatch
            | Self::IssuerMismatch
            | Self::FlowMismatch
            | Self::ReplayedFlow
            | Self::ProviderDenied(_)
            | Self::MissingCode
            | Self::SignInSuperseded
            | Self::StaleAuthentication
            | Self::InvalidLogoutToken(_) => StatusCode::BAD_REQUEST,
            Self::CodeRejected
            | Self::InvalidIdToken(_)
            | Self::InvalidUserinfo(_)
            | Self::UpstreamUnavailable => StatusCode::BAD_GATEWAY,
            Self::InvalidEmail(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::ReauthenticationRequired => StatusCode::UNAUTHORIZED,
            Self::ConfirmationRequired(_) | Self::AddressTaken | Self::AddressMoved => {
                StatusCode::CONFLICT
            }
            Self::LinkExpired => StatusCode::BAD_REQUEST,
            Self::MailUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::WrongAccount => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::UpstreamBusy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::ProviderUnavailable | Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds for `Retry-After`, when waiting helps.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::UpstreamBusy { retry_after } => *retry_after,
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::NotFound => "not_found",
            Self::ForeignOrigin => "forbidden_origin",
            Self::DirectAccess => "direct_access",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::CsrfTokenMismatch => "csrf_token_mismatch",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::UriTooLong { .. } => "uri_too_long",
            Self::BadRequest(_) => "bad_request",
            Self::MissingFlow => "missing_flow",
            Self::InvalidFlow => "invalid_flow",
            Self::StateMismatch => "state_mismatch",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::FlowMismatch => "flow_mismatch",
            Self::ReplayedFlow => "replayed_flow",
            Self::ProviderDenied(_) => "access_denied",
            Self::MissingCode => "missing_code",
            Self::SignInSuperseded => "signed_out_everywhere",
            Self::StaleAuthentication => "stale_authentication",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::CodeRejected => "code_rejected",
            Self::InvalidIdToken(_) => "invalid_id_token",
            Self::InvalidUserinfo(_) => "invalid_userinfo",
            // OAuth 2.0's code, as Back-Channel Logout §2.8 suggests.
            Self::InvalidLogoutToken(_) => "invalid_request",
            Self::StoreUnavailable => "session_store_unavailable",
            Self::InvalidEmail(_) => "invalid_email",
            Self::Unauthenticated => "unauthenticated",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::ConfirmationRequired(_) => "confirmation_required",
            Self::LinkExpired => "link_expired",
            Self::WrongAccount => "wrong_account",
            Self::AddressTaken => "address_taken",
            Self::AddressMoved => "address_moved",
            Self::MailUnavailable => "mail_unavailable",
            Self::RateLimited { .. } => "rate_limited",
            Self::UpstreamBusy { .. } => "upstream_busy",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::Internal => "internal_error",
        }
    }
}

/// A store that failed: 503 `session_store_unavailable`, its cause logged with the place
/// of the `?` that met it (never an item's values: see `passkey_verifier::item::unavailable`).
impl From<crate::store::StoreError> for AuthError {
    #[track_caller]
    fn from(error: crate::store::StoreError) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(%error, %at, "the session store failed");
        Self::StoreUnavailable
    }
}

impl From<crate::management::ManagementError> for AuthError {
    fn from(error: crate::management::ManagementError) -> Self {
        use crate::management::ManagementError as E;
        tracing::warn!(%error, "a management API call failed");
        match error {
            E::RateLimited { retry_after } => Self::UpstreamBusy { retry_after },
            E::Timeout => Self::UpstreamTimeout,
            E::Unauthorized | E::NotFound | E::Invalid(_) | E::Unavailable(_) => {
                Self::UpstreamUnavailable
            }
        }
    }
}
