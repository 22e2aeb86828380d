//! The session check: one consistent read, expiry in code, activity written back at most
//! hourly and only while the session exists.

use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::Client;

use crate::item::{n, s, session_from_item, unavailable};
use crate::{Session, SessionId, StoreError};

/// Activity is written back at most this often, so a busy session costs one write an hour.
pub const TOUCH_INTERVAL: Duration = Duration::from_secs(3600);

/// How long a session may go unused: `SESSION_IDLE_TIMEOUT`'s default in the functions.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// What the session check needs of a store. [`DynamoRecords`] is the table.
pub trait SessionRecords: Send + Sync {
    /// One consistent read.
    fn get(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;
    /// Records activity (`last_seen_at`, `idle_expires_at`), only if the session still
    /// exists: a signed-out session is never resurrected.
    fn touch(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete(&self, id: &SessionId) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: SessionRecords> SessionRecords for std::sync::Arc<T> {
    fn get(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send {
        (**self).get(id)
    }
    fn touch(
        &self,
        id: &SessionId,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).touch(id, session)
    }
    fn delete(&self, id: &SessionId) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).delete(id)
    }
}

/// The live session stored under `id` (a [`SessionToken`]'s key), if any. Expired
/// sessions are deleted; activity is written back at most once per [`TOUCH_INTERVAL`],
/// extending the idle limit by `idle_timeout`.
pub async fn resolve<R: SessionRecords>(
    records: &R,
    id: &SessionId,
    idle_timeout: Duration,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let Some(mut session) = records.get(id).await? else {
        return Ok(None);
    };
    if !session.is_live(now) {
        records.delete(id).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL.as_secs() as i64 {
        session.last_seen_at = now;
        session.idle_expires_at = now + idle_timeout.as_secs() as i64;
        records.touch(id, &session).await?;
    }
    Ok(Some(session))
}

/// The session items of the table (`SESSION_TABLE`).
#[derive(Clone)]
pub struct DynamoRecords {
    client: Client,
    table: String,
}

impl DynamoRecords {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

impl SessionRecords for DynamoRecords {
    async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(id.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        let Some(item) = output.item() else {
            return Ok(None);
        };
        let session = session_from_item(item);
        if session.is_none() {
            tracing::warn!("a session item is malformed; treating it as signed out");
        }
        Ok(session)
    }

    async fn touch(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(id.as_str()))
            .update_expression(
                "SET last_seen_at = :seen, idle_expires_at = :idle, expires_at = :exp",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":seen", n(session.last_seen_at))
            .expression_attribute_values(":idle", n(session.idle_expires_at))
            .expression_attribute_values(":exp", n(session.expires_at()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Signed out meanwhile: nothing to record, and nothing to bring back.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(id.as_str()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
