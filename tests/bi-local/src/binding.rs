//! Credential binding links: following one (EMAIL delivery lands here first) and
//! redeeming one (the SDK stand-in's `bindPasskey`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use crate::errors::ApiError;
use crate::keys;
use crate::model::{self, AuthenticatorConfig, JobState, StoredJob};
use crate::store::Inner;
use crate::{Ctx, cloud, hosted, pages};

/// The six values a binding link carries (the fields of the SDK's
/// `CredentialBindingInstruction`, less `api_base_url`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub tenant_id: String,
    pub realm_id: String,
    pub identity_id: String,
    pub job_id: String,
    pub token: String,
}

impl Link {
    /// Reads either form the SDK accepts: the `…/credential-binding-jobs/{job}:invokeAuthenticator?token=…`
    /// link, or the `{invoke_url}/bind?…` redirect.
    pub fn parse(url: &str) -> Option<Self> {
        let url = url::Url::parse(url).ok()?;
        let query = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        };
        let segments: Vec<&str> = url.path_segments()?.collect();
        if segments.last() == Some(&"bind") {
            return Some(Self {
                tenant_id: query("tenant_id")?,
                realm_id: query("realm_id")?,
                identity_id: query("identity_id")?,
                job_id: query("job_id")?,
                token: query("token")?,
            });
        }
        match segments.as_slice() {
            [
                ..,
                "v1",
                "tenants",
                t,
                "realms",
                r,
                "identities",
                i,
                "credential-binding-jobs",
                job,
            ] => Some(Self {
                tenant_id: (*t).to_owned(),
                realm_id: (*r).to_owned(),
                identity_id: (*i).to_owned(),
                job_id: job.strip_suffix(":invokeAuthenticator")?.to_owned(),
                token: query("token")?,
            }),
            _ => None,
        }
    }
}

/// Why a link cannot be used; the messages are what a person is shown.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    NotFound,
    Expired,
    Used,
    Revoked,
}

impl LinkError {
    pub fn message(&self) -> &'static str {
        match self {
            Self::NotFound => "This passkey link is not valid.",
            Self::Expired => "This passkey link has expired. Ask for a new one.",
            Self::Used => "This passkey link has already been used. Ask for a new one.",
            Self::Revoked => "This passkey link was cancelled. Ask for a new one.",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Expired | Self::Used | Self::Revoked => StatusCode::GONE,
        }
    }

    /// The stand-in's answer: the real SDK reports a refused link as `V1ServiceError`
    /// (`BindCredential(AuthLib(CredentialBinding(Service(…))))`, its CHANGELOG 2.0.1).
    pub fn into_api_error(self) -> ApiError {
        ApiError::sdk(self.status(), self.message(), "V1ServiceError")
    }

    /// The cloud protocol's answer (the real SDK's calls): Beyond Identity's error body.
    /// The SDK reports any refused call as an untyped `The server responded with a … error`.
    pub fn into_cloud_error(self) -> ApiError {
        ApiError::new(self.status(), self.message())
    }
}

/// Finds the job a link names and checks that it can still bind a passkey.
pub fn usable_job<'a>(
    inner: &'a mut Inner,
    link: &Link,
    now: i64,
) -> Result<&'a mut StoredJob, LinkError> {
    if link.tenant_id != inner.state.tenant_id {
        return Err(LinkError::NotFound);
    }
    let stored = inner
        .state
        .jobs
        .iter_mut()
        .find(|j| {
            j.job.id == link.job_id
                && j.job.realm_id == link.realm_id
                && j.job.identity_id == link.identity_id
        })
        .filter(|j| keys::secrets_equal(&j.token, &link.token))
        .ok_or(LinkError::NotFound)?;
    match stored.job.state {
        JobState::Complete => return Err(LinkError::Used),
        JobState::Revoked => return Err(LinkError::Revoked),
        JobState::Expired => return Err(LinkError::Expired),
        _ if stored.expires_at <= now => {
            stored.job.state = JobState::Expired;
            return Err(LinkError::Expired);
        }
        _ => {}
    }
    Ok(stored)
}

#[derive(Deserialize)]
pub struct JobPath {
    tenant: String,
    realm: String,
    identity: String,
    job: String,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Marks a usable link opened, and gives its authenticator config.
pub fn open(inner: &mut Inner, link: &Link, now: i64) -> Result<AuthenticatorConfig, LinkError> {
    let job = usable_job(inner, link, now)?;
    let config_id = job.job.authenticator_config_id.clone();
    let config = inner
        .state
        .authenticator_config(&link.realm_id, &config_id)
        .cloned()
        .ok_or(LinkError::NotFound)?;
    let job = usable_job(inner, link, now)?;
    if job.job.state == JobState::LinkSent {
        job.job.state = JobState::LinkOpened;
        job.job.update_time = model::timestamp(model::now());
    }
    Ok(config)
}

/// `GET {auth}/v1/tenants/{t}/realms/{r}/identities/{i}/credential-binding-jobs/{job}:invokeAuthenticator?token=…`:
/// marks the link opened and sends the browser to the app's `/bind` page (Embedded SDK)
/// or to Beyond Identity's hosted one (Hosted Web); the SDK, which asks for JSON, gets
/// the binding instruction itself.
pub async fn invoke_authenticator(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<JobPath>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(job_id) = path.job.strip_suffix(":invokeAuthenticator") else {
        return pages::error(StatusCode::NOT_FOUND, "There is nothing here.");
    };
    let link = Link {
        tenant_id: path.tenant,
        realm_id: path.realm,
        identity_id: path.identity,
        job_id: job_id.to_owned(),
        token: query.token,
    };
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return cloud::invoke_authenticator_json(&ctx, &headers, &link);
    }
    let now = model::now().timestamp();
    match ctx.store.write(|inner| open(inner, &link, now)) {
        Ok(config) => {
            let page = if config.is_hosted() {
                hosted::page_url(&ctx.auth_base, &link.tenant_id, &config, "bind")
            } else {
                format!("{}/bind", config.invoke_url)
            };
            let Ok(mut url) = url::Url::parse(&page) else {
                return pages::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The invoke URL is not valid.",
                );
            };
            url.query_pairs_mut()
                .append_pair("api_base_url", &ctx.sdk_api_base)
                .append_pair("tenant_id", &link.tenant_id)
                .append_pair("realm_id", &link.realm_id)
                .append_pair("identity_id", &link.identity_id)
                .append_pair("job_id", &link.job_id)
                .append_pair("token", &link.token);
            pages::found(url.as_str())
        }
        Err(error) => pages::error(error.status(), error.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_link_forms_parse_to_the_same_job() {
        let a = Link::parse(
            "http://127.0.0.1:8021/v1/tenants/t1/realms/r1/identities/i1/credential-binding-jobs/j1:invokeAuthenticator?token=tok",
        );
        let b = Link::parse(
            "http://localhost:3000/bind?api_base_url=http%3A%2F%2F127.0.0.1%3A8023&tenant_id=t1&realm_id=r1&identity_id=i1&job_id=j1&token=tok",
        );
        assert!(a.is_some());
        assert_eq!(a, b);
    }

    #[test]
    fn other_urls_are_not_links() {
        for url in [
            "not a url",
            "http://x/v1/tenants/t/realms/r/identities/i/credential-binding-jobs/j?token=t",
            "http://x/v1/tenants/t/realms/r/identities/i/credential-binding-jobs/j:invokeAuthenticator",
            "http://x/bind?tenant_id=t&realm_id=r&identity_id=i&job_id=j",
            "http://x/bind?tenant_id=t&realm_id=r&identity_id=i&job_id=j&token=",
        ] {
            assert_eq!(Link::parse(url), None, "{url}");
        }
    }
}
