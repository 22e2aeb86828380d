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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    Confidential,
    Public,
}

/// `token_configuration.subject_field`: what `sub` holds in the tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectField {
    Id,
    Email,
    Username,
    ExternalId,
}

fn confidential() -> Confidentiality {
    Confidentiality::Confidential
}

fn subject_id() -> SubjectField {
    SubjectField::Id
}

fn client_secret_basic() -> String {
    "client_secret_basic".into()
}

fn embedded() -> String {
    "embedded".into()
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
    #[serde(default = "confidential")]
    pub confidentiality: Confidentiality,
    /// As Beyond Identity reports it: `client_secret_basic` for confidential clients
    /// (which may use Basic or post), `none` for public ones.
    #[serde(default = "client_secret_basic")]
    pub token_endpoint_auth_method: String,
    #[serde(default = "subject_id")]
    pub subject_field: SubjectField,
}

impl Application {
    /// The application as the management API returns it (BI's `Application` schema).
    pub fn to_api(&self, tenant_id: &str) -> serde_json::Value {
        let mut body = serde_json::json!({
            "id": self.id,
            "realm_id": self.realm_id,
            "tenant_id": tenant_id,
            "display_name": self.display_name,
            "is_managed": self.classification.is_some(),
            "protocol_config": {
                "type": "oidc",
                "allowed_scopes": self.allowed_scopes,
                "client_id": self.client_id,
                "confidentiality": self.confidentiality,
                "token_endpoint_auth_method": self.token_endpoint_auth_method,
                "grant_type": self.grant_types,
                "redirect_uris": self.redirect_uris,
                "token_configuration": {
                    "subject_field": self.subject_field,
                    "expires_after": self.expires_after,
                    "token_signing_algorithm": "RS256",
                },
                "pkce": self.pkce,
                "token_format": "self_contained",
            },
        });
        if self.confidentiality == Confidentiality::Confidential {
            body["protocol_config"]["client_secret"] = self.client_secret.clone().into();
        }
        if let Some(config) = &self.authenticator_config_id {
            body["authenticator_config_id"] = config.clone().into();
        }
        if let Some(classification) = &self.classification {
            body["classification"] = classification.clone().into();
        }
        body
    }
}

/// `config.type` of a Hosted Web authenticator config: Beyond Identity's own pages bind
/// and sign in (bi-local serves its stand-ins of them, [`crate::hosted`]).
pub const HOSTED_WEB: &str = "hosted_web";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthenticatorConfig {
    pub id: String,
    pub realm_id: String,
    pub invocation_type: Invocation,
    pub invoke_url: String,
    pub trusted_origins: Vec<String>,
    #[serde(default)]
    pub display_name: String,
    /// `embedded`, `hosted_web` or `platform`.
    #[serde(default = "embedded")]
    pub kind: String,
    /// `config.authentication_methods[].type`: `webauthn_passkey`, `software_passkey`,
    /// `email_one_time_password`. bi-local makes software passkeys only (a WebCrypto key
    /// a headless browser can hold), whatever is listed.
    #[serde(default = "software_passkey")]
    pub authentication_methods: Vec<String>,
}

fn software_passkey() -> Vec<String> {
    vec!["software_passkey".into()]
}

impl AuthenticatorConfig {
    pub fn is_hosted(&self) -> bool {
        self.kind == HOSTED_WEB
    }

    /// The `config` object of BI's `AuthenticatorConfig` schema: a Hosted Web config has
    /// no invoke URL or invocation type (Beyond Identity's pages are the authenticator).
    pub fn config_json(&self) -> serde_json::Value {
        let methods: Vec<_> = self
            .authentication_methods
            .iter()
            .map(|m| serde_json::json!({"type": m}))
            .collect();
        let mut config = serde_json::json!({
            "type": self.kind,
            "trusted_origins": self.trusted_origins,
            "authentication_methods": methods,
        });
        if !self.is_hosted() {
            config["invoke_url"] = self.invoke_url.clone().into();
            config["invocation_type"] = serde_json::json!(self.invocation_type);
        }
        config
    }

    /// The config as the management API returns it (BI's `AuthenticatorConfig` schema).
    pub fn to_api(&self, tenant_id: &str) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "realm_id": self.realm_id,
            "tenant_id": tenant_id,
            "display_name": self.display_name,
            "config": self.config_json(),
        })
    }
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
    /// The nonce the real SDK's proof must carry back (`bi_non`), for this request only.
    #[serde(default)]
    pub prove_nonce: String,
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
    /// Every realm's applications, the admin realm's Management API application included.
    #[serde(default)]
    pub applications: Vec<Application>,
    #[serde(default)]
    pub authenticator_configs: Vec<AuthenticatorConfig>,
    /// The state files of earlier versions held one of each; [`State::migrate`] moves them.
    #[serde(default, skip_serializing)]
    application: Option<Application>,
    #[serde(default, skip_serializing)]
    management_application: Option<Application>,
    #[serde(default, skip_serializing)]
    authenticator_config: Option<AuthenticatorConfig>,
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
    /// A new tenant with these realms and nothing else yet.
    pub fn new(tenant_id: String, realm: Realm, admin_realm: Realm, keys: Vec<StoredKey>) -> Self {
        Self {
            tenant_id,
            tenant_display_name: "bi-local".into(),
            realm,
            admin_realm,
            applications: Vec::new(),
            authenticator_configs: Vec::new(),
            application: None,
            management_application: None,
            authenticator_config: None,
            keys,
            api_token: String::new(),
            identities: Vec::new(),
            jobs: Vec::new(),
            credentials: Vec::new(),
            transactions: HashMap::new(),
            codes: HashMap::new(),
            outbox: Vec::new(),
            issued_tokens: HashMap::new(),
            revoked_tokens: HashMap::new(),
        }
    }

    /// Brings a state file of an earlier version to this one.
    pub fn migrate(&mut self) {
        let old = [self.application.take(), self.management_application.take()];
        self.applications.extend(old.into_iter().flatten());
        self.authenticator_configs
            .extend(self.authenticator_config.take());
    }

    pub fn application_by_id(&self, realm_id: &str, app_id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.id == app_id && a.realm_id == realm_id)
    }

    /// The admin realm's built-in Management API application.
    pub fn management_application(&self) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.classification.as_deref() == Some("management_api"))
    }

    /// The realm's first OIDC application: the one the `.env` printout describes.
    pub fn app_application(&self) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.realm_id == self.realm.id && a.classification.is_none())
    }

    pub fn authenticator_config(&self, realm_id: &str, id: &str) -> Option<&AuthenticatorConfig> {
        self.authenticator_configs
            .iter()
            .find(|c| c.id == id && c.realm_id == realm_id)
    }

    /// The authenticator config an application is linked to.
    pub fn config_of(&self, app: &Application) -> Option<&AuthenticatorConfig> {
        self.authenticator_config(&app.realm_id, app.authenticator_config_id.as_deref()?)
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
