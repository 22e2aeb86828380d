//! [`SessionReader`]: the signed-in user of a request, for the app's own functions.

use lambda_http::Request;

use crate::config::{AppConfig, ConfigError};
use crate::dynamo::{DynamoSessionStore, client};
use crate::error::AuthError;
use crate::http::{CookieValue, cookie};
use crate::session::{SESSION_COOKIE, SessionStore, Sessions, User};

/// Reads sessions; build one per container and share it.
pub struct SessionReader<S = DynamoSessionStore> {
    sessions: Sessions<S>,
}

impl SessionReader<DynamoSessionStore> {
    /// A reader on the DynamoDB table named by the configuration.
    pub async fn from_config(config: &AppConfig) -> Result<Self, ConfigError> {
        let aws = crate::aws::config().await?;
        let store = DynamoSessionStore::new(client(&aws), config.sessions.table.clone());
        Ok(Self::new(Sessions::new(store, config.sessions.clone())))
    }
}

impl<S: SessionStore> SessionReader<S> {
    pub fn new(sessions: Sessions<S>) -> Self {
        Self { sessions }
    }

    /// The signed-in user, `None` when there is no live session, or
    /// [`AuthError::StoreUnavailable`] when the answer cannot be known.
    pub async fn user(&self, request: &Request) -> Result<Option<User>, AuthError> {
        let CookieValue::One(value) = cookie(request.headers(), SESSION_COOKIE) else {
            return Ok(None);
        };
        match self.sessions.resolve(&value, crate::now()).await {
            Ok(session) => Ok(session.map(|s| s.user)),
            Err(_) => Err(AuthError::StoreUnavailable),
        }
    }
}
