//! [`SessionReader`]: the signed-in user of a request, for the app's own functions, on
//! the session verifier (`passkey_verifier::Verifier`) that every check uses.

use lambda_http::Request;
use lambda_http::http::header::COOKIE;
use passkey_verifier::{DynamoRecords, SessionRecords, Verifier};

use crate::config::{AppConfig, ConfigError};
use crate::error::AuthError;
use crate::session::User;
use crate::store::dynamo::client;

/// Reads sessions; build one per container and share it.
pub struct SessionReader<R = DynamoRecords> {
    verifier: Verifier<R>,
}

impl SessionReader<DynamoRecords> {
    /// A reader on the DynamoDB table named by the configuration.
    pub async fn from_config(config: &AppConfig) -> Result<Self, ConfigError> {
        let aws = crate::outbound::aws::config().await?;
        let verifier = Verifier::new(client(&aws), config.sessions.table.clone())
            .with_idle_timeout(config.sessions.idle_timeout);
        Ok(Self::new(verifier))
    }
}

impl<R: SessionRecords> SessionReader<R> {
    pub fn new(verifier: Verifier<R>) -> Self {
        Self { verifier }
    }

    /// The signed-in user, `None` when there is no live session, or
    /// [`AuthError::StoreUnavailable`] when the answer cannot be known.
    pub async fn user(&self, request: &Request) -> Result<Option<User>, AuthError> {
        let cookies = request
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok());
        Ok(self.verifier.user(cookies).await?.map(|s| s.user))
    }
}
