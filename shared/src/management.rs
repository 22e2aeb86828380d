//! The Beyond Identity management API client: identities, credential binding jobs and
//! credentials (a user's passkeys).
//!
//! It gets its bearer token from `BEYOND_IDENTITY_API_TOKEN` or by the client-credentials
//! grant (cached until a minute before `expires_in`, fetched again once on a 401/403),
//! honours `429` with `Retry-After`, retries `5xx` and timeouts with jittered exponential
//! backoff, and keeps every call inside a time budget so that a request ends well inside
//! the function's timeout.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::secret::Secret;
use crate::config::{ManagementConfig, ManagementCredentials};

/// The management calls the functions make. [`BiManagementClient`] is the real one.
pub trait ManagementApi: Send + Sync {
    /// Creates an identity whose username, display name and primary email are `email`.
    fn create_identity(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<NewIdentity, ManagementError>> + Send;
    /// The identity with this username (compared case-insensitively by Beyond Identity).
    fn find_identity(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<String>, ManagementError>> + Send;
    /// A credential binding job for an identity.
    fn create_binding_job(
        &self,
        identity_id: &str,
        delivery: Delivery,
        post_binding_redirect_uri: &str,
    ) -> impl Future<Output = Result<BindingJob, ManagementError>> + Send;
    /// Every credential (passkey) of an identity, all pages.
    fn list_credentials(
        &self,
        identity_id: &str,
    ) -> impl Future<Output = Result<Vec<Credential>, ManagementError>> + Send;
    /// Revokes a credential of an identity ([`ManagementError::NotFound`] if the identity
    /// has none by that id). Revoking a revoked credential changes nothing.
    fn revoke_credential(
        &self,
        identity_id: &str,
        credential_id: &str,
    ) -> impl Future<Output = Result<Credential, ManagementError>> + Send;
    /// Whose passkey a binding link makes: the identity, if the job exists and is that
    /// identity's ([`ManagementError::NotFound`] otherwise). The link's two ids must come
    /// together: an identity id alone (it is also the ID token's `sub`) tells nothing.
    fn binding_job_owner(
        &self,
        identity_id: &str,
        job_id: &str,
    ) -> impl Future<Output = Result<Owner, ManagementError>> + Send;
    /// The credential a binding link made: its id once the job is complete, `None`
    /// before ([`ManagementError::NotFound`] if the job is not that identity's).
    fn bound_credential(
        &self,
        identity_id: &str,
        job_id: &str,
    ) -> impl Future<Output = Result<Option<String>, ManagementError>> + Send;
    /// Moves an identity from the address `old` to `new` (`UpdateIdentity`: its username
    /// and primary address, and its display name where that was the address), only if its
    /// username is still `old`.
    fn change_address(
        &self,
        identity_id: &str,
        old: &str,
        new: &str,
    ) -> impl Future<Output = Result<AddressChanged, ManagementError>> + Send;
    /// Deletes an identity, and with it its credentials and binding jobs: `true` if it
    /// was there, `false` if it was already gone (so that a retry completes a deletion).
    fn delete_identity(
        &self,
        identity_id: &str,
    ) -> impl Future<Output = Result<bool, ManagementError>> + Send;
}

/// An identity as a person recognises it: its email address and display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub email: String,
    pub name: Option<String>,
}

/// Whether `id` can be put in a path as it is: Beyond Identity's ids are short hex or
/// letters and digits; anything else (a `/`, a `..`) is never sent.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A credential as the management API describes it (the fields the account page uses).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Credential {
    pub id: String,
    pub identity_id: String,
    /// `ACTIVE` or `REVOKED`.
    pub state: String,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
}

impl Credential {
    pub fn is_active(&self) -> bool {
        self.state == "ACTIVE"
    }
}

/// Pages of the credential list; Beyond Identity's default is 20, its maximum 200.
const CREDENTIALS_PAGE: usize = 200;
/// A user has a handful of passkeys; more pages than this is a loop, not a list.
const MAX_CREDENTIAL_PAGES: usize = 10;

/// How a change of address went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressChanged {
    Changed,
    /// Another identity has the new address as its username (409).
    Taken,
    /// The identity's username is no longer the old address.
    Moved,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewIdentity {
    Created(String),
    /// The username is taken (409).
    Exists,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Beyond Identity emails the link to the identity's address.
    Email,
    /// The link comes back in the answer.
    Return,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingJob {
    pub id: String,
    /// Only for [`Delivery::Return`].
    pub link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManagementError {
    #[error("the management API refused our credentials")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("the management API refused the request: {0}")]
    Invalid(String),
    #[error("the management API is rate-limiting us")]
    RateLimited { retry_after: Option<u64> },
    #[error("the management API is unavailable: {0}")]
    Unavailable(String),
    #[error("the management API did not answer in time")]
    Timeout,
}

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// The first backoff; doubled each retry, with full jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// One attempt may take this long.
    pub attempt_timeout: Duration,
    /// The whole call, retries and waits included, ends within this.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// Fits a 10-second function timeout with room to answer.
    fn default() -> Self {
        Self {
            attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(3),
            budget: Duration::from_secs(7),
        }
    }
}

struct CachedToken {
    value: Secret,
    refresh_at: Option<Instant>,
}

pub struct BiManagementClient {
    config: ManagementConfig,
    http: reqwest::Client,
    policy: RetryPolicy,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// Refresh this long before the token says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// Never wait longer than this for a `Retry-After`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

fn jittered(policy: &RetryPolicy, retry: u32) -> Duration {
    let cap = policy
        .base_delay
        .saturating_mul(1 << retry.min(10))
        .min(policy.max_delay);
    let mut byte = [0u8; 2];
    let _ = aws_lc_rs::rand::fill(&mut byte);
    cap.mul_f64(f64::from(u16::from_le_bytes(byte)) / f64::from(u16::MAX))
}

/// How long to wait before retry number `retry` (1 for the first) after `failure`: what a
/// `429` asks (up to [`MAX_RETRY_AFTER`]), else the jittered exponential backoff.
fn backoff(policy: &RetryPolicy, failure: &Failure, retry: u32) -> Duration {
    match failure {
        Failure::RateLimited(Some(after)) => (*after).min(MAX_RETRY_AFTER),
        _ => jittered(policy, retry - 1),
    }
}

impl BiManagementClient {
    pub fn new(config: ManagementConfig, policy: RetryPolicy) -> Result<Self, ManagementError> {
        let http = crate::outbound::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| ManagementError::Unavailable(e.to_string()))?;
        Ok(Self {
            config,
            http,
            policy,
            token: tokio::sync::Mutex::new(None),
        })
    }

    fn realm_url(&self) -> String {
        format!(
            "{}/v1/tenants/{}/realms/{}",
            self.config.api_base, self.config.tenant_id, self.config.realm_id
        )
    }

    /// The current token, fetched if there is none or it is about to expire.
    async fn token(&self, deadline: Instant) -> Result<Secret, ManagementError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && token.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(token.value.clone());
        }
        let fresh = match &self.config.credentials {
            ManagementCredentials::StaticToken(token) => CachedToken {
                value: token.clone(),
                refresh_at: None,
            },
            ManagementCredentials::ClientCredentials {
                admin_realm_id,
                application_id,
                client_id,
                client_secret,
            } => {
                let url = format!(
                    "{}/v1/tenants/{}/realms/{admin_realm_id}/applications/{application_id}/token",
                    self.config.auth_base, self.config.tenant_id
                );
                let request = self
                    .http
                    .post(url)
                    .basic_auth(client_id, Some(client_secret.expose()))
                    .form(&[("grant_type", "client_credentials")])
                    .timeout(self.remaining(deadline)?.min(self.policy.attempt_timeout));
                let response = request.send().await.map_err(|e| {
                    if e.is_timeout() {
                        ManagementError::Timeout
                    } else {
                        ManagementError::Unavailable(e.without_url().to_string())
                    }
                })?;
                match response.status() {
                    s if s.is_success() => {}
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => {
                        return Err(ManagementError::Unauthorized);
                    }
                    StatusCode::TOO_MANY_REQUESTS => {
                        return Err(ManagementError::RateLimited {
                            retry_after: retry_after(&response),
                        });
                    }
                    s => {
                        return Err(ManagementError::Unavailable(format!(
                            "the token endpoint answered {s}"
                        )));
                    }
                }
                let body: TokenResponse = response.json().await.map_err(|_| {
                    ManagementError::Unavailable("the token response is malformed".into())
                })?;
                let lifetime = Duration::from_secs(body.expires_in.unwrap_or(3600));
                CachedToken {
                    value: Secret::new(body.access_token),
                    refresh_at: Some(Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN)),
                }
            }
        };
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// The bearer token the client uses now (for `passkey-auth tenant check`, which
    /// reads the scopes it carries).
    pub async fn current_token(&self) -> Result<Secret, ManagementError> {
        self.token(Instant::now() + self.policy.budget).await
    }

    /// Any call under the realm (`path` starts with `/`), with the token and retry rules
    /// of the others: the final status and JSON body.
    pub async fn realm_call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), ManagementError> {
        self.call(method, &format!("{}{path}", self.realm_url()), body)
            .await
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    fn remaining(&self, deadline: Instant) -> Result<Duration, ManagementError> {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(ManagementError::Timeout)
    }

    /// Sends one call with the retry rules; the final status and JSON body.
    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), ManagementError> {
        let deadline = Instant::now() + self.policy.budget;
        let mut renewed = false;
        let mut retry = 0;
        loop {
            let token = self.token(deadline).await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token.expose())
                .timeout(self.remaining(deadline)?.min(self.policy.attempt_timeout));
            if let Some(body) = body {
                request = request.json(body);
            }
            let failure = match request.send().await {
                Ok(response) => match response.status() {
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if !renewed => {
                        // An expired or revoked token: fetch a new one, once.
                        renewed = true;
                        self.forget_token().await;
                        continue;
                    }
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                        return Err(ManagementError::Unauthorized);
                    }
                    StatusCode::TOO_MANY_REQUESTS => {
                        let wait = retry_after(&response).map(Duration::from_secs);
                        Failure::RateLimited(wait)
                    }
                    s if s.is_server_error() => Failure::Server(s),
                    s => {
                        let body = response.json::<Value>().await.unwrap_or(Value::Null);
                        return Ok((s, body));
                    }
                },
                Err(e) if e.is_timeout() => Failure::Timeout,
                Err(e) => Failure::Network(e.without_url().to_string()),
            };
            retry += 1;
            let wait = backoff(&self.policy, &failure, retry);
            let out_of_time = self.remaining(deadline).map_or(true, |left| left <= wait);
            if retry >= self.policy.attempts || out_of_time {
                tracing::warn!(
                    failure = failure.describe(),
                    attempts = retry,
                    "management API call failed"
                );
                return Err(failure.into_error());
            }
            tracing::info!(
                failure = failure.describe(),
                wait_ms = wait.as_millis() as u64,
                "retrying a management API call"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

enum Failure {
    RateLimited(Option<Duration>),
    Server(StatusCode),
    Timeout,
    Network(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Self::RateLimited(_) => "429".into(),
            Self::Server(s) => s.as_u16().to_string(),
            Self::Timeout => "timeout".into(),
            Self::Network(e) => e.clone(),
        }
    }

    fn into_error(self) -> ManagementError {
        match self {
            Self::RateLimited(after) => ManagementError::RateLimited {
                retry_after: after.map(|d| d.as_secs()),
            },
            Self::Server(s) => ManagementError::Unavailable(format!("answered {s}")),
            Self::Timeout => ManagementError::Timeout,
            Self::Network(e) => ManagementError::Unavailable(e),
        }
    }
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn unexpected(status: StatusCode, body: &Value) -> ManagementError {
    match status {
        StatusCode::NOT_FOUND => ManagementError::NotFound,
        _ => ManagementError::Invalid(format!(
            "{status}: {}",
            body.get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
        )),
    }
}

impl BiManagementClient {
    /// A binding job of an identity (`GetCredentialBindingJob`): both ids plain, the job
    /// there and that identity's, or [`ManagementError::NotFound`].
    async fn binding_job(&self, identity_id: &str, job_id: &str) -> Result<Value, ManagementError> {
        if !plain_id(identity_id) || !plain_id(job_id) {
            return Err(ManagementError::NotFound);
        }
        let url = format!(
            "{}/identities/{identity_id}/credential-binding-jobs/{job_id}",
            self.realm_url()
        );
        let (status, job) = self.call(Method::GET, &url, None).await?;
        match status {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Err(ManagementError::NotFound),
            s => return Err(unexpected(s, &job)),
        }
        if job["identity_id"].as_str() != Some(identity_id) {
            return Err(ManagementError::NotFound);
        }
        Ok(job)
    }
}

impl ManagementApi for BiManagementClient {
    async fn create_identity(&self, email: &str) -> Result<NewIdentity, ManagementError> {
        let body = json!({"identity": {
            "display_name": email,
            "traits": {"type": "traits_v0", "username": email, "primary_email_address": email},
        }});
        let (status, answer) = self
            .call(
                Method::POST,
                &format!("{}/identities", self.realm_url()),
                Some(&body),
            )
            .await?;
        match status {
            s if s.is_success() => answer
                .get("id")
                .and_then(Value::as_str)
                .map(|id| NewIdentity::Created(id.to_owned()))
                .ok_or_else(|| {
                    ManagementError::Unavailable("the created identity has no id".into())
                }),
            StatusCode::CONFLICT => Ok(NewIdentity::Exists),
            s => Err(unexpected(s, &answer)),
        }
    }

    async fn find_identity(&self, username: &str) -> Result<Option<String>, ManagementError> {
        // A JSON string is a valid SCIM string literal: quotes and backslashes escaped.
        let filter = format!("traits.username eq {}", Value::from(username));
        let mut url = url::Url::parse(&format!("{}/identities", self.realm_url()))
            .map_err(|_| ManagementError::Invalid("bad API base URL".into()))?;
        url.query_pairs_mut()
            .append_pair("filter", &filter)
            .append_pair("page_size", "1");
        let (status, answer) = self.call(Method::GET, url.as_str(), None).await?;
        if !status.is_success() {
            return Err(unexpected(status, &answer));
        }
        Ok(answer["identities"]
            .as_array()
            .and_then(|list| list.first())
            .and_then(|identity| identity["id"].as_str())
            .map(str::to_owned))
    }

    async fn create_binding_job(
        &self,
        identity_id: &str,
        delivery: Delivery,
        post_binding_redirect_uri: &str,
    ) -> Result<BindingJob, ManagementError> {
        let body = json!({"job": {
            "delivery_method": match delivery { Delivery::Email => "EMAIL", Delivery::Return => "RETURN" },
            "authenticator_config_id": self.config.authenticator_config_id,
            "post_binding_redirect_uri": post_binding_redirect_uri,
        }});
        let url = format!(
            "{}/identities/{identity_id}/credential-binding-jobs",
            self.realm_url()
        );
        let (status, answer) = self.call(Method::POST, &url, Some(&body)).await?;
        if !status.is_success() {
            return Err(unexpected(status, &answer));
        }
        let id = answer["credential_binding_job"]["id"]
            .as_str()
            .ok_or_else(|| ManagementError::Unavailable("the job has no id".into()))?;
        Ok(BindingJob {
            id: id.to_owned(),
            link: answer["credential_binding_link"]
                .as_str()
                .map(str::to_owned),
        })
    }

    async fn list_credentials(
        &self,
        identity_id: &str,
    ) -> Result<Vec<Credential>, ManagementError> {
        let base = format!("{}/identities/{identity_id}/credentials", self.realm_url());
        let mut credentials = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_CREDENTIAL_PAGES {
            let mut url = url::Url::parse(&base)
                .map_err(|_| ManagementError::Invalid("bad API base URL".into()))?;
            url.query_pairs_mut()
                .append_pair("page_size", &CREDENTIALS_PAGE.to_string());
            if let Some(token) = &page_token {
                url.query_pairs_mut().append_pair("page_token", token);
            }
            let (status, answer) = self.call(Method::GET, url.as_str(), None).await?;
            if !status.is_success() {
                return Err(unexpected(status, &answer));
            }
            let page: Vec<Credential> = serde_json::from_value(answer["credentials"].clone())
                .map_err(|_| {
                    ManagementError::Unavailable("the credential list is malformed".into())
                })?;
            credentials.extend(page);
            page_token = answer["next_page_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if page_token.is_none() {
                return Ok(credentials);
            }
        }
        Err(ManagementError::Unavailable(
            "the credential list did not end".into(),
        ))
    }

    async fn revoke_credential(
        &self,
        identity_id: &str,
        credential_id: &str,
    ) -> Result<Credential, ManagementError> {
        let url = format!(
            "{}/identities/{identity_id}/credentials/{credential_id}:revoke",
            self.realm_url()
        );
        // The operation has no request body (OpenAPI `RevokeCredential`).
        let (status, answer) = self.call(Method::POST, &url, None).await?;
        if !status.is_success() {
            return Err(unexpected(status, &answer));
        }
        serde_json::from_value(answer)
            .map_err(|_| ManagementError::Unavailable("the revoked credential is malformed".into()))
    }

    async fn binding_job_owner(
        &self,
        identity_id: &str,
        job_id: &str,
    ) -> Result<Owner, ManagementError> {
        self.binding_job(identity_id, job_id).await?;
        let identity_url = format!("{}/identities/{identity_id}", self.realm_url());
        let (status, identity) = self.call(Method::GET, &identity_url, None).await?;
        match status {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Err(ManagementError::NotFound),
            s => return Err(unexpected(s, &identity)),
        }
        let traits = &identity["traits"];
        let email = traits["primary_email_address"]
            .as_str()
            .or_else(|| traits["username"].as_str())
            .filter(|email| !email.is_empty())
            .ok_or_else(|| ManagementError::Unavailable("the identity has no address".into()))?;
        Ok(Owner {
            email: email.to_owned(),
            name: identity["display_name"]
                .as_str()
                .filter(|name| !name.is_empty() && *name != email)
                .map(str::to_owned),
        })
    }

    async fn bound_credential(
        &self,
        identity_id: &str,
        job_id: &str,
    ) -> Result<Option<String>, ManagementError> {
        let job = self.binding_job(identity_id, job_id).await?;
        Ok(match job["state"].as_str() {
            Some("COMPLETE") => job["credential_id"].as_str().map(str::to_owned),
            _ => None,
        })
    }

    async fn change_address(
        &self,
        identity_id: &str,
        old: &str,
        new: &str,
    ) -> Result<AddressChanged, ManagementError> {
        if !plain_id(identity_id) {
            return Err(ManagementError::NotFound);
        }
        let url = format!("{}/identities/{identity_id}", self.realm_url());
        let (status, identity) = self.call(Method::GET, &url, None).await?;
        if !status.is_success() {
            return Err(unexpected(status, &identity));
        }
        let username = identity["traits"]["username"].as_str().unwrap_or_default();
        if !username.eq_ignore_ascii_case(old) {
            return Ok(AddressChanged::Moved);
        }
        let mut update = json!({"identity": {
            "traits": {"type": "traits_v0", "username": new, "primary_email_address": new},
        }});
        if identity["display_name"].as_str() == Some(old) {
            update["identity"]["display_name"] = Value::from(new);
        }
        let (status, answer) = self.call(Method::PATCH, &url, Some(&update)).await?;
        match status {
            s if s.is_success() => Ok(AddressChanged::Changed),
            StatusCode::CONFLICT => Ok(AddressChanged::Taken),
            s => Err(unexpected(s, &answer)),
        }
    }

    async fn delete_identity(&self, identity_id: &str) -> Result<bool, ManagementError> {
        if !plain_id(identity_id) {
            return Err(ManagementError::Invalid("not an identity id".into()));
        }
        let url = format!("{}/identities/{identity_id}", self.realm_url());
        // `DeleteIdentity` answers 200 with an empty body. A retry after an attempt that
        // deleted it but timed out meets 404: gone either way.
        let (status, answer) = self.call(Method::DELETE, &url, None).await?;
        match status {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => Err(unexpected(s, &answer)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_reach_a_path() {
        for id in ["e85de356dc78843a", "A-b_9", &"a".repeat(64)] {
            assert!(plain_id(id), "{id}");
        }
        for id in ["", "..", "a/b", "a%2Fb", "a b", "é", &"a".repeat(65)] {
            assert!(!plain_id(id), "{id}");
        }
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let policy = RetryPolicy::default();
        for retry in 0..20 {
            let d = jittered(&policy, retry);
            assert!(d <= policy.max_delay, "{d:?}");
            assert!(d <= policy.base_delay * 2u32.pow(retry.min(10)));
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| jittered(&policy, 3)).collect();
        assert!(samples.len() > 1, "no jitter");
    }

    #[test]
    fn the_first_retry_waits_at_most_the_base_delay_and_a_429_what_it_asks() {
        let policy = RetryPolicy::default();
        let server = Failure::Server(StatusCode::BAD_GATEWAY);
        // The cap doubles with each retry: the first waits up to `base_delay`, the third
        // up to four times it. (Jittered: 64 draws, every one within its cap.)
        for _ in 0..64 {
            assert!(backoff(&policy, &server, 1) <= policy.base_delay);
            assert!(backoff(&policy, &Failure::Timeout, 3) <= policy.base_delay * 4);
        }
        let asked = |secs| Failure::RateLimited(Some(Duration::from_secs(secs)));
        assert_eq!(backoff(&policy, &asked(1), 1), Duration::from_secs(1));
        assert_eq!(backoff(&policy, &asked(3600), 1), MAX_RETRY_AFTER);
        assert!(backoff(&policy, &Failure::RateLimited(None), 1) <= policy.base_delay);
    }

    #[test]
    fn a_failure_is_logged_as_its_status_or_kind() {
        assert_eq!(Failure::RateLimited(None).describe(), "429");
        assert_eq!(Failure::Server(StatusCode::BAD_GATEWAY).describe(), "502");
        assert_eq!(Failure::Timeout.describe(), "timeout");
        assert_eq!(
            Failure::Network("connection refused".into()).describe(),
            "connection refused"
        );
    }
}
