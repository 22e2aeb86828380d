//! The emulated tenant: its configuration and the resources the management API serves,
//! in Beyond Identity's JSON shapes.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::keys::{EcJwk, StoredKey};

/// RFC 3339 with microseconds and `Z`, as Beyond Identity writes timestamps.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invocation {
    Automatic,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pkce {
    Disabled,
    Plain,
    S256,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    ClientCredentials,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Realm {
    pub id: String,
    pub display_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub realm_id: String,
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub grant_types: Vec<GrantType>,
    pub redirect_uris: Vec<String>,
    pub pkce: Pkce,
    pub allowed_scopes: Vec<String>,
    pub authenticator_config_id: Option<String>,
    /// `management_api` for the built-in Management API application.
    pub classification: Option<String>,
    /// Token lifetime in seconds (`token_configuration.expires_after`).
    pub expires_after: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthenticatorConfig {
    pub id: String,
    pub realm_id: String,
    pub invocation_type: Invocation,
    pub invoke_url: String,
    pub trusted_origins: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnrollmentStatus {
    Enrolled,
    Pending,
    Unenrolled,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct Traits {
    #[serde(rename = "type")]
    pub kind: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email_address: Option<String>,
}

/// An identity, serialised exactly as the management API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub realm_id: String,
    pub tenant_id: String,
    pub display_name: String,
    pub create_time: String,
    pub update_time: String,
    pub status: String,
    pub enrollment_status: EnrollmentStatus,
    pub traits: Traits,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryMethod {
    Return,
    Email,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    LinkSent,
    LinkOpened,
    RequestDelivered,
    Complete,
    Expired,
    Revoked,
}

/// A credential binding job, serialised as the management API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BindingJob {
    pub id: String,
    pub realm_id: String,
    pub tenant_id: String,
    pub identity_id: String,
    pub delivery_method: DeliveryMethod,
    pub state: JobState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_binding_redirect_uri: Option<String>,
    pub authenticator_config_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    pub expire_time: String,
    pub create_time: String,
    pub update_time: String,
}

/// A job with the secret token of its link, which the API never shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredJob {
    pub job: BindingJob,
    pub token: String,
    pub expires_at: i64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CredentialState {
    Active,
    Revoked,
}

/// A credential (a bound passkey), serialised as the management API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Credential {
    pub id: String,
    pub identity_id: String,
    pub realm_id: String,
    pub tenant_id: String,
    pub state: CredentialState,
    pub csr_type: String,
    pub jwk_json: String,
    pub jwk_thumbprint: String,
    pub create_time: String,
    pub update_time: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredCredential {
    pub credential: Credential,
    pub public_key: EcJwk,
}

/// An `/authorize` request waiting for the user to authenticate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Transaction {
    pub application_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: i64,
}

/// An authorization code and what it was issued for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeGrant {
    pub transaction: Transaction,
    pub identity_id: String,
    pub auth_time: i64,
    pub expires_at: i64,
    pub redeemed: bool,
    /// `jti`s of the access tokens issued for this code, revoked if the code is replayed.
    pub issued: Vec<String>,
}

/// One enrolment email in the outbox.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub link: String,
    pub sent_at: String,
}

/// Everything the emulator knows. Written to the state file after every change.
#[derive(Clone, Serialize, Deserialize)]
pub struct State {
    pub tenant_id: String,
    pub tenant_display_name: String,
    pub realm: Realm,
    pub admin_realm: Realm,
    pub application: Application,
    pub management_application: Application,
    pub authenticator_config: AuthenticatorConfig,
    pub keys: Vec<StoredKey>,
    pub api_token: String,
    pub identities: Vec<Identity>,
    pub jobs: Vec<StoredJob>,
    pub credentials: Vec<StoredCredential>,
    pub transactions: HashMap<String, Transaction>,
    pub codes: HashMap<String, CodeGrant>,
    pub outbox: Vec<Email>,
    /// `jti` → `exp` of the unexpired tokens the token endpoint issued.
    pub issued_tokens: HashMap<String, i64>,
    /// `jti` → `exp` of tokens revoked early (a replayed code, `/_emulator/tokens/expire`).
    pub revoked_tokens: HashMap<String, i64>,
}

impl State {
    pub fn application_by_id(&self, realm_id: &str, app_id: &str) -> Option<&Application> {
        [&self.application, &self.management_application]
            .into_iter()
            .find(|a| a.id == app_id && a.realm_id == realm_id)
    }

    pub fn realm_exists(&self, realm_id: &str) -> bool {
        self.realm.id == realm_id || self.admin_realm.id == realm_id
    }

    pub fn identity(&self, realm_id: &str, id: &str) -> Option<&Identity> {
        self.identities
            .iter()
            .find(|i| i.id == id && i.realm_id == realm_id)
    }

    pub fn identity_mut(&mut self, realm_id: &str, id: &str) -> Option<&mut Identity> {
        self.identities
            .iter_mut()
            .find(|i| i.id == id && i.realm_id == realm_id)
    }

    /// Drops transactions and codes that can no longer be used.
    pub fn sweep(&mut self, now: i64) {
        self.transactions.retain(|_, t| t.expires_at > now);
        // Redeemed codes are kept until expiry so that a replay is recognised as one.
        self.codes.retain(|_, c| c.expires_at > now);
        self.issued_tokens.retain(|_, exp| *exp > now);
        self.revoked_tokens.retain(|_, exp| *exp > now);
    }
}
