//! The DynamoDB adapter of [`SessionStore`]: one item per session, keyed by the token's
//! hash, read with one consistent `GetItem`.
//!
//! Session item: `pk` (`session#<hex sha256>`), `kind` = `session`, `user_key` and `created_at`
//! (the `by-user` index, to list and revoke a user's sessions), `iss`, `sub`, `name`,
//! `email`, `last_seen_at`, `idle_expires_at`, `absolute_expires_at`, and `expires_at`
//! (the table's TTL attribute: the earlier limit; TTL deletion is lazy, so expiry is
//! also checked in code on every read).
//!
//! Counter item (a rate limit): `pk` (`rate#<limit>#<hex sha256 of subject>#<window>`),
//! `kind` = `counter`, `hits`, `expires_at` (the end of the window).
//!
//! Claim item (a used sign-in flow): `pk` (`flow#<hex sha256 of state>`), `kind` =
//! `claim`, `expires_at` (when the flow would have expired anyway).

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::ratelimit::CounterStore;
use crate::session::{Session, SessionId, SessionStore, StoreError, User};

#[derive(Clone)]
pub struct DynamoSessionStore {
    client: Client,
    table: String,
}

/// The DynamoDB client of the function's AWS configuration ([`crate::aws::config`]).
pub fn client(aws: &SdkConfig) -> Client {
    Client::new(aws)
}

impl DynamoSessionStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn unavailable<E: std::error::Error + 'static>(error: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn read_n(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn read_s(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn to_session(item: &HashMap<String, AttributeValue>) -> Option<Session> {
    if read_s(item, "kind").as_deref() != Some("session") {
        return None;
    }
    Some(Session {
        user: User {
            issuer: read_s(item, "iss")?,
            subject: read_s(item, "sub")?,
            name: read_s(item, "name"),
            email: read_s(item, "email"),
        },
        created_at: read_n(item, "created_at")?,
        last_seen_at: read_n(item, "last_seen_at")?,
        idle_expires_at: read_n(item, "idle_expires_at")?,
        absolute_expires_at: read_n(item, "absolute_expires_at")?,
    })
}

impl SessionStore for DynamoSessionStore {
    async fn create(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(id.as_str()))
            .item("kind", s("session"))
            .item("user_key", s(&session.user.key()))
            .item("iss", s(&session.user.issuer))
            .item("sub", s(&session.user.subject))
            .item("created_at", n(session.created_at))
            .item("last_seen_at", n(session.last_seen_at))
            .item("idle_expires_at", n(session.idle_expires_at))
            .item("absolute_expires_at", n(session.absolute_expires_at))
            .item("expires_at", n(session.expires_at()))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(name) = &session.user.name {
            request = request.item("name", s(name));
        }
        if let Some(email) = &session.user.email {
            request = request.item("email", s(email));
        }
        request.send().await.map_err(unavailable)?;
        Ok(())
    }

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
        let session = to_session(item);
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

    async fn claim(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("kind", s("claim"))
            .item("expires_at", n(expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
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

impl CounterStore for DynamoSessionStore {
    async fn increment(&self, key: &str, expires_at: i64) -> Result<u64, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .update_expression("ADD hits :one SET kind = :kind, expires_at = :exp")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":kind", s("counter"))
            .expression_attribute_values(":exp", n(expires_at))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        output
            .attributes()
            .and_then(|a| read_n(a, "hits"))
            .map(|hits| hits.max(0) as u64)
            .ok_or_else(|| StoreError::Unavailable("the counter update returned no count".into()))
    }
}
