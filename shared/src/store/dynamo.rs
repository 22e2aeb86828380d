//! The DynamoDB adapter of [`SessionStore`]: one item per session, keyed by the token's
//! hash, read with one consistent `GetItem`.
//!
//! Session item: written and read by [`passkey_verifier::item`], which describes it.
//!
//! User item (one per user): `pk` (`user#<hex sha256 of the user key>`), `kind` = `user`,
//! `sessions` (a string set of the user's session keys, added in the same transaction
//! that creates a session), `revoked_before` (set by "sign out everywhere": a sign-in that
//! began at or before it cannot create a session), `expires_at` (past the last session it
//! can name). The index is eventually consistent, the user item is read consistently:
//! a user's sessions are the union of both, so that sessions written before the user item
//! existed are found too. Keys of ended sessions stay in the set until a list finds them
//! gone and prunes them: about 72 bytes a sign-in, so even a user who signs in daily for
//! years and never opens the account page stays far below DynamoDB's 400 KB item limit,
//! and the item expires with the last session it can name.
//!
//! Provider-session item (when the ID token has a `sid`): `pk` (`sid#<hex sha256 of the
//! issuer and sid>`), `kind` = `provider_session`, `sessions` (the session keys made in
//! it, added in the sign-in's transaction), `expires_at`; a back-channel logout that
//! names only a `sid` finds its sessions here.
//!
//! Counter item (a rate limit): `pk` (`rate#<limit>#<hex sha256 of subject>#<window>`),
//! `kind` = `counter`, `hits`, `expires_at` (the end of the window).
//!
//! Claim item (a used sign-in flow): `pk` (`flow#<hex sha256 of state>`), `kind` =
//! `claim`, `expires_at` (when the flow would have expired anyway); the same for a used
//! logout token (`logout#`) and for a user's first sign-in (`seen#<hex sha256 of the user
//! key>`, kept until the account is deleted).
//!
//! Address-change item (a change a user asked for, until its link confirms it): `pk`
//! (`address#<hex sha256 of the link's token>`), `kind` = `address_change`, `iss`, `sub`,
//! `old`, `new`, `expires_at`; taken (deleted) by the confirmation.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use passkey_verifier::item::{n, read_n, read_s, s, unavailable, unbuilt};
use passkey_verifier::{DynamoRecords, hex, session_from_item, session_item};

use crate::account::AddressChange;
use crate::http::ratelimit::CounterStore;
use crate::session::{
    Session, SessionId, SessionRecords, SessionStore, StoreError, User, seen_key,
};

/// The index that lists a user's sessions by `user_key`.
const BY_USER: &str = "by-user";
/// BatchGetItem takes at most this many keys.
const BATCH_GET_LIMIT: usize = 100;

/// The table: the session check's reads and writes are the verifier's
/// ([`DynamoRecords`]); the rest (sign-in, a user's sessions, claims, counters) are here.
#[derive(Clone)]
pub struct DynamoSessionStore {
    client: Client,
    table: String,
    records: DynamoRecords,
}

/// The DynamoDB client of the function's AWS configuration ([`crate::outbound::aws::config`]).
pub fn client(aws: &SdkConfig) -> Client {
    Client::new(aws)
}

impl DynamoSessionStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            records: DynamoRecords::new(client.clone(), table.clone()),
            client,
            table,
        }
    }
}

/// The key of a provider session's item: the issuer and its `sid`, hashed.
fn sid_pk(issuer: &str, sid: &str) -> String {
    format!("sid#{}", hex::sha256(&format!("{issuer} {sid}")))
}

/// The key of a user's own item.
fn user_pk(user: &User) -> String {
    format!("user#{}", hex::sha256(&user.key()))
}

fn is_condition_failure<E, R>(error: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

impl SessionRecords for DynamoSessionStore {
    async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        self.records.get(id).await
    }

    async fn touch(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
        self.records.touch(id, session).await
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        self.records.delete(id).await
    }
}

impl SessionStore for DynamoSessionStore {
    async fn create(
        &self,
        id: &SessionId,
        session: &Session,
        began_at: i64,
    ) -> Result<bool, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(session_item(id, session)))
            .condition_expression("attribute_not_exists(pk)");
        let name_it = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&user_pk(&session.user)))
            .update_expression("ADD sessions :id SET kind = :kind, expires_at = :keep")
            .condition_expression("attribute_not_exists(revoked_before) OR revoked_before < :began")
            .expression_attribute_values(":id", AttributeValue::Ss(vec![id.as_str().to_owned()]))
            .expression_attribute_values(":kind", s("user"))
            .expression_attribute_values(":keep", n(session.absolute_expires_at))
            .expression_attribute_values(":began", n(began_at));
        let mut transaction = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(put.build().map_err(unbuilt)?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .update(name_it.build().map_err(unbuilt)?)
                    .build(),
            );
        if let Some(sid) = &session.provider_sid {
            // The provider session names it too, for a back-channel logout by `sid` alone.
            let in_provider_session = Update::builder()
                .table_name(&self.table)
                .key("pk", s(&sid_pk(&session.user.issuer, sid)))
                .update_expression("ADD sessions :id SET kind = :kind, expires_at = :keep")
                .expression_attribute_values(
                    ":id",
                    AttributeValue::Ss(vec![id.as_str().to_owned()]),
                )
                .expression_attribute_values(":kind", s("provider_session"))
                .expression_attribute_values(":keep", n(session.absolute_expires_at));
            transaction = transaction.transact_items(
                TransactWriteItem::builder()
                    .update(in_provider_session.build().map_err(unbuilt)?)
                    .build(),
            );
        }
        let result = transaction.send().await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => {
                // The second item's condition: the user signed out everywhere after this
                // sign-in began.
                let revoked = match error.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(canceled)) => {
                        canceled
                            .cancellation_reasons()
                            .get(1)
                            .and_then(|reason| reason.code())
                            == Some("ConditionalCheckFailed")
                    }
                    _ => false,
                };
                if revoked {
                    Ok(false)
                } else {
                    Err(unavailable(error))
                }
            }
        }
    }

    async fn list(&self, user: &User) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let named = self.named_sessions(&user_pk(user)).await?;
        let mut keys: Vec<String> = named.clone();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_USER)
            .key_condition_expression("user_key = :user")
            .expression_attribute_values(":user", s(&user.key()))
            .projection_expression("pk")
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            if let Some(key) = read_s(&item.map_err(unavailable)?, "pk") {
                keys.push(key);
            }
        }
        keys.sort();
        keys.dedup();
        let found = self.get_all(keys).await?;
        // Sessions that ended (signed out, expired and deleted by TTL) leave the user's
        // item as they are found gone; best effort, the next list tries again.
        let gone: Vec<String> = named
            .into_iter()
            .filter(|key| {
                !found
                    .iter()
                    .any(|(id, _): &(SessionId, Session)| id.as_str() == key)
            })
            .collect();
        if let Err(error) = self.forget(user, gone).await {
            tracing::warn!(%error, "could not prune the user's list of sessions");
        }
        Ok(found)
    }

    async fn remove(&self, user: &User, ids: &[SessionId]) -> Result<(), StoreError> {
        for id in ids {
            self.delete(id).await?;
        }
        self.forget(user, ids.iter().map(|id| id.as_str().to_owned()).collect())
            .await
    }

    async fn take(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(id.as_str()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output.attributes().and_then(session_from_item))
    }

    async fn provider_sessions(
        &self,
        issuer: &str,
        sid: &str,
    ) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let named = self.named_sessions(&sid_pk(issuer, sid)).await?;
        self.get_all(named).await
    }

    async fn revoke_before(&self, user: &User, at: i64, keep_until: i64) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&user_pk(user)))
            .update_expression("SET kind = :kind, revoked_before = :at, expires_at = :keep")
            // Only forward: a function whose clock is behind must not shorten the marker.
            .condition_expression("attribute_not_exists(revoked_before) OR revoked_before < :at")
            .expression_attribute_values(":kind", s("user"))
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":keep", n(keep_until))
            .send()
            .await;
        match result {
            Err(e) if !is_condition_failure(&e) => Err(unavailable(e)),
            _ => Ok(()),
        }
    }

    async fn forget_user(&self, user: &User, sids: &[String]) -> Result<(), StoreError> {
        for sid in sids {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(&sid_pk(&user.issuer, sid)))
                .send()
                .await
                .map_err(unavailable)?;
        }
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&seen_key(user)))
            .send()
            .await
            .map_err(unavailable)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&user_pk(user)))
            .update_expression("REMOVE sessions")
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Err(e) if !is_condition_failure(&e) => Err(unavailable(e)),
            _ => Ok(()),
        }
    }

    async fn hold_address_change(
        &self,
        key: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("kind", s("address_change"))
            .item("iss", s(&change.user.issuer))
            .item("sub", s(&change.user.subject))
            .item("old", s(&change.old))
            .item("new", s(&change.new))
            .item("expires_at", n(expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn take_address_change(
        &self,
        key: &str,
        now: i64,
    ) -> Result<Option<AddressChange>, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        let Some(item) = output.attributes() else {
            return Ok(None);
        };
        // Expiry is checked here: DynamoDB's TTL deletes late.
        if read_n(item, "expires_at").is_none_or(|at| at <= now) {
            return Ok(None);
        }
        let field = |name| read_s(item, name);
        Ok(
            match (field("iss"), field("sub"), field("old"), field("new")) {
                (Some(issuer), Some(subject), Some(old), Some(new)) => Some(AddressChange {
                    user: User::new(issuer, subject),
                    old,
                    new,
                }),
                _ => None,
            },
        )
    }

    async fn set_email(
        &self,
        id: &SessionId,
        email: &str,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        // The session item's `email` and `name` (passkey_verifier::item), only where it
        // still is.
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(id.as_str()))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":email", s(email));
        update = match name {
            Some(name) => update
                .update_expression("SET email = :email, #name = :name")
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name)),
            None => update.update_expression("SET email = :email"),
        };
        match update.send().await {
            Err(e) if !is_condition_failure(&e) => Err(unavailable(e)),
            _ => Ok(()),
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
}

impl DynamoSessionStore {
    /// The session keys an item names in its `sessions` set (a user's, a provider
    /// session's), read consistently; none if there is no such item.
    async fn named_sessions(&self, pk: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .projection_expression("#sessions")
            .expression_attribute_names("#sessions", "sessions")
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?
            .item()
            .and_then(|item| item.get("sessions")?.as_ss().ok().cloned())
            .unwrap_or_default())
    }

    /// The sessions these keys name that still exist, with consistent reads in batches.
    async fn get_all(&self, keys: Vec<String>) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let ids: Vec<SessionId> = keys
            .into_iter()
            .filter_map(SessionId::from_stored)
            .collect();
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH_GET_LIMIT) {
            found.extend(self.get_many(chunk).await?);
        }
        Ok(found)
    }

    /// Consistent reads of up to [`BATCH_GET_LIMIT`] sessions; those that are gone are
    /// left out.
    async fn get_many(&self, ids: &[SessionId]) -> Result<Vec<(SessionId, Session)>, StoreError> {
        let mut keys = KeysAndAttributes::builder().consistent_read(true);
        for id in ids {
            keys = keys.keys(HashMap::from([("pk".to_owned(), s(id.as_str()))]));
        }
        let mut pending = Some(keys.build().map_err(unbuilt)?);
        let mut found = Vec::with_capacity(ids.len());
        // DynamoDB may answer part of a batch and hand back the rest; a few rounds, then
        // an error rather than a silently short list.
        for _ in 0..5 {
            let Some(keys) = pending.take() else {
                return Ok(found);
            };
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys)
                .send()
                .await
                .map_err(unavailable)?;
            for item in output
                .responses()
                .and_then(|r| r.get(&self.table))
                .into_iter()
                .flatten()
            {
                let session = session_from_item(item);
                let id = read_s(item, "pk").and_then(SessionId::from_stored);
                if let (Some(id), Some(session)) = (id, session) {
                    found.push((id, session));
                }
            }
            pending = output
                .unprocessed_keys()
                .and_then(|u| u.get(&self.table))
                .filter(|k| !k.keys().is_empty())
                .cloned();
        }
        match pending {
            None => Ok(found),
            Some(_) => Err(StoreError::Unavailable(
                "DynamoDB left part of a batch read unprocessed".into(),
            )),
        }
    }

    /// Removes session keys from the user's item (which it never creates).
    async fn forget(&self, user: &User, keys: Vec<String>) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&user_pk(user)))
            .update_expression("DELETE sessions :gone")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":gone", AttributeValue::Ss(keys))
            .send()
            .await;
        match result {
            Err(e) if !is_condition_failure(&e) => Err(unavailable(e)),
            _ => Ok(()),
        }
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
