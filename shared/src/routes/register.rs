//! Enrolment: `POST /api/auth/register {"email"}`, an identity and an enrolment email;
//! and `POST /api/auth/binding-owner {"link"}`, whose passkey an enrolment link makes.
//!
//! Registration: the address is normalised and validated, rate-limited per client
//! address and per address, then: create the identity (or, on 409, find it with the
//! username filter), and create an EMAIL credential binding job. The answer is the same
//! 202 whether the address was new or known, and both paths make the same three calls
//! (create, find, job). Beyond Identity still answers the first in its own time (201 or
//! 409; measured against bi-local, a new address took 0.9 ms longer at the median, more
//! than the spread of either), so a registration that got that far answers no sooner
//! than [`ANSWER_FLOOR`] after it began: neither the body nor the timing tells anyone who
//! has an account.
//!
//! The binding link's owner: opening someone else's enrolment link would bind their
//! passkey in this browser and sign in as them (login CSRF). So `/bind` first asks whose
//! passkey the link makes, shows that address, and binds only once the user confirms it
//! is theirs. The link must be this site's `/bind` link for this realm, with a token;
//! its job must exist and be its identity's (both ids from one link, never an identity
//! id alone, which is also the ID token's `sub`): then `{"email","name"}`, else 404.
//! Rate-limited per client address, after malformed requests are refused.
//!
//! `POST /api/auth/binding-complete {"link"}`: the page that bound a passkey from a link
//! (`/bind`, `/device`) says so, and the team's app hears `passkey.added`
//! ([`crate::events`]). The link (a `/bind` link, or Beyond Identity's own link that
//! `/device` binds from) must be of this realm, and Beyond Identity must say that its
//! job is complete: the event names the credential the job made, never what
//! the page claims. `{"ok":true}` either way (nothing to say before the job completes).

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use url::Url;

use crate::config::ManagementFunctionConfig;
use crate::email;
use crate::error::AuthError;
use crate::events::{Events, What};
use crate::http::ratelimit::{
    BINDING_OWNER_PER_CLIENT, CounterStore, REGISTER_PER_ADDRESS, REGISTER_PER_CLIENT, RateLimiter,
    client_subject,
};
use crate::http::{Reply, check_front_door, check_json_post, client_address, route_path};
use crate::management::{Delivery, ManagementApi, ManagementError, NewIdentity};
use crate::routes::answers::{BindingOwner, Done, Registered};
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

/// The soonest a registration that reached Beyond Identity answers, counted from its
/// start: above what its three calls take, so that every answer comes at the floor
/// whichever way Beyond Identity answered. A slower call answers later (its own time then
/// shows), which is network noise, not the account's existence.
pub const ANSWER_FLOOR: Duration = Duration::from_secs(1);

pub const REGISTER_PATH: &str = "/api/auth/register";
pub const BINDING_OWNER_PATH: &str = "/api/auth/binding-owner";
pub const BINDING_COMPLETE_PATH: &str = "/api/auth/binding-complete";
/// The longest link read: a `/bind` link is a few hundred bytes.
const MAX_LINK: usize = 2048;

pub const ACCEPTED_MESSAGE: &str =
    "If this address can be used, an email with a link to set up your passkey is on its way.";

#[derive(Deserialize)]
struct RegisterBody {
    email: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OwnerBody {
    link: Option<serde_json::Value>,
}

/// The ids of an enrolment link's binding job.
#[derive(Debug, PartialEq, Eq)]
struct LinkedJob {
    tenant: String,
    realm: String,
    identity: String,
    job: String,
}

/// The job of a `/bind` link of `origin`: `{origin}/bind?api_base_url&tenant_id&realm_id&
/// identity_id&job_id&token` (Beyond Identity's landing link), every id present and a
/// token; `None` for anything else.
fn linked_job(link: &str, origin: &Url) -> Option<LinkedJob> {
    let url = Url::parse(link).ok()?;
    if url.origin() != origin.origin() || url.path() != "/bind" {
        return None;
    }
    let value = |name: &str| {
        let mut values = url.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(value), None) if !value.is_empty() => Some(value.into_owned()),
            _ => None,
        }
    };
    value("token")?;
    Some(LinkedJob {
        tenant: value("tenant_id")?,
        realm: value("realm_id")?,
        identity: value("identity_id")?,
        job: value("job_id")?,
    })
}

/// The job of Beyond Identity's own binding link, which the SDK binds from (`/device` gets
/// one from `POST /api/auth/bind-job`): `…/v1/tenants/{t}/realms/{r}/identities/{i}/
/// credential-binding-jobs/{job}:invokeAuthenticator?token=…`, every id present and a
/// token. Its host is not checked: the job is looked up at Beyond Identity, whose answer
/// alone is believed.
fn invoke_link_job(link: &str) -> Option<LinkedJob> {
    let url = Url::parse(link).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    url.query_pairs()
        .find(|(k, v)| k == "token" && !v.is_empty())?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    match segments.as_slice() {
        [
            ..,
            "v1",
            "tenants",
            tenant,
            "realms",
            realm,
            "identities",
            identity,
            "credential-binding-jobs",
            job,
        ] => Some(LinkedJob {
            tenant: (*tenant).to_owned(),
            realm: (*realm).to_owned(),
            identity: (*identity).to_owned(),
            job: job.strip_suffix(":invokeAuthenticator")?.to_owned(),
        })
        .filter(|job| {
            [&job.tenant, &job.realm, &job.identity, &job.job]
                .iter()
                .all(|id| !id.is_empty())
        }),
        _ => None,
    }
}

pub struct Register<M, C> {
    config: ManagementFunctionConfig,
    api: M,
    limiter: RateLimiter<C>,
    audit: Audit,
    answer_floor: Duration,
    events: Events,
}

impl<M: ManagementApi, C: CounterStore> Register<M, C> {
    pub fn new(config: ManagementFunctionConfig, api: M, counters: C) -> Self {
        Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            api,
            limiter: RateLimiter::new(counters),
            answer_floor: ANSWER_FLOOR,
            events: Events::off(),
        }
    }

    /// Publishes the passkeys bound from links ([`crate::events`]).
    pub fn with_events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    /// Another floor than [`ANSWER_FLOOR`] (the tests keep theirs short).
    pub fn with_answer_floor(mut self, floor: Duration) -> Self {
        self.answer_floor = floor;
        self
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let result = match route_path(request) {
            BINDING_OWNER_PATH => self.binding_owner(request, now).await,
            BINDING_COMPLETE_PATH => self.binding_complete(request, now).await,
            REGISTER_PATH => self.register(request, now).await,
            _ => check_front_door(request, &self.config.app).and(Err(AuthError::NotFound)),
        };
        match result {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error),
        }
        .into_response()
    }

    /// The binding job of the link a request sends (`{"link"}`), checked: this site's
    /// `/bind` link (or, with `sdk_links`, Beyond Identity's own) of this realm, within the
    /// client's limit.
    async fn linked_job_of(
        &self,
        request: &Request,
        now: i64,
        sdk_links: bool,
    ) -> Result<LinkedJob, AuthError> {
        check_front_door(request, &self.config.app)?;
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let body: OwnerBody = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
            AuthError::BadRequest("the body must be a JSON object such as {\"link\":\"…\"}".into())
        })?;
        let link = match body.link {
            Some(serde_json::Value::String(link)) if link.len() <= MAX_LINK => link,
            _ => {
                return Err(AuthError::BadRequest(
                    "link must be this site's /bind link".into(),
                ));
            }
        };
        let job = linked_job(&link, &self.config.app.origin)
            .or_else(|| invoke_link_job(&link).filter(|_| sdk_links))
            .ok_or_else(|| AuthError::BadRequest("link must be this site's /bind link".into()))?;
        let management = &self.config.management;
        if job.tenant != management.tenant_id || job.realm != management.realm_id {
            return Err(AuthError::NotFound);
        }
        let client = client_address(request, &self.config.app);
        self.limiter
            .enforce(&BINDING_OWNER_PER_CLIENT, &client_subject(&client), now)
            .await?;
        Ok(job)
    }

    /// `POST /api/auth/binding-owner {"link"}`: whose passkey this enrolment link makes.
    async fn binding_owner(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        let job = self.linked_job_of(request, now, false).await?;
        let owner = match self.api.binding_job_owner(&job.identity, &job.job).await {
            Err(ManagementError::NotFound) => return Err(AuthError::NotFound),
            owner => owner?,
        };
        Ok(Reply::json(
            StatusCode::OK,
            &BindingOwner {
                email: owner.email,
                name: owner.name,
            },
        ))
    }

    /// `POST /api/auth/binding-complete {"link"}`: the passkey this link made, if its job
    /// is complete, published as `passkey.added` (a page that reports twice publishes it
    /// twice: `passkey` is the key a consumer deduplicates on).
    async fn binding_complete(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        let job = self.linked_job_of(request, now, true).await?;
        if !self.events.enabled() {
            // No one to tell: nothing is asked of Beyond Identity.
            return Ok(Reply::json(StatusCode::OK, &Done::ok()));
        }
        let bound = match self.api.bound_credential(&job.identity, &job.job).await {
            Err(ManagementError::NotFound) => return Err(AuthError::NotFound),
            bound => bound?,
        };
        if let Some(passkey) = bound {
            let what = What::PasskeyAdded { passkey };
            self.events.publish_one(&job.identity, what, now).await;
        }
        Ok(Reply::json(StatusCode::OK, &Done::ok()))
    }

    async fn register(&self, request: &Request, now: i64) -> Result<Reply, AuthError> {
        let started = tokio::time::Instant::now();
        // A malformed request is refused before anything is counted: junk must not use up
        // the limits of the people who share a client address.
        check_front_door(request, &self.config.app)?;
        check_json_post(request, &self.config.app.origin_str(), "POST")?;
        let body: RegisterBody = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
            AuthError::BadRequest(
                "the body must be a JSON object such as {\"email\":\"you@example.com\"}".into(),
            )
        })?;
        let raw = match body.email {
            Some(serde_json::Value::String(raw)) => raw,
            Some(_) => return Err(AuthError::BadRequest("email must be a string".into())),
            None => return Err(AuthError::BadRequest("email is required".into())),
        };
        let address = email::normalize(&raw).map_err(AuthError::InvalidEmail)?;

        let client = client_address(request, &self.config.app);
        let mailbox = email::mailbox_key(&address);
        let subject = || Subject {
            user: Some(&mailbox),
            client: Some(&client),
            ..Subject::default()
        };
        for (limit, key) in [
            (&REGISTER_PER_CLIENT, &client_subject(&client)),
            (&REGISTER_PER_ADDRESS, &mailbox),
        ] {
            if let Err(error) = self.limiter.enforce(limit, key, now).await {
                self.audit
                    .record(event::REGISTER, Outcome::Limited, limit.name, subject());
                return Err(error);
            }
        }

        let enrolled = self.enrol(&address).await;
        // Whichever way Beyond Identity answered, and however fast: not before the floor.
        tokio::time::sleep_until(started + self.answer_floor).await;
        enrolled?;
        self.audit
            .record(event::REGISTER, Outcome::Succeeded, "", subject());
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            &Registered {
                ok: true,
                message: ACCEPTED_MESSAGE.to_owned(),
            },
        ))
    }

    /// The identity of `address`, made or found, and its enrolment email: the same three
    /// calls for a new address and a known one.
    async fn enrol(&self, address: &str) -> Result<(), AuthError> {
        let created = self.api.create_identity(address).await?;
        let found = self.api.find_identity(address).await?;
        let identity = match (created, found) {
            (NewIdentity::Created(id), _) => id,
            (NewIdentity::Exists, Some(id)) => id,
            (NewIdentity::Exists, None) => return Err(AuthError::UpstreamUnavailable),
        };
        let redirect = self.config.management.authenticator.after_enrolment(
            &self.config.app.origin_str(),
            &self.config.app.pages.account,
        );
        self.api
            .create_binding_job(&identity, Delivery::Email, &redirect)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://app.example.com/bind?api_base_url=https%3A%2F%2Fapi-us.beyondidentity.com&tenant_id=t1&realm_id=r1&identity_id=i1&job_id=j1&token=secret";

    fn origin() -> Url {
        Url::parse("https://app.example.com").expect("an origin")
    }

    #[test]
    fn a_bind_link_of_this_site_names_its_job() {
        assert_eq!(
            linked_job(LINK, &origin()),
            Some(LinkedJob {
                tenant: "t1".into(),
                realm: "r1".into(),
                identity: "i1".into(),
                job: "j1".into(),
            })
        );
    }

    #[test]
    fn anything_else_names_no_job() {
        let other_site = LINK.replace("app.example.com", "evil.example");
        let other_path = LINK.replace("/bind?", "/bind/x?");
        let no_token = LINK.replace("&token=secret", "");
        let empty_token = LINK.replace("token=secret", "token=");
        let two_jobs = format!("{LINK}&job_id=j2");
        let no_job = LINK.replace("&job_id=j1", "");
        let http = LINK.replace("https://app", "http://app");
        for link in [
            other_site.as_str(),
            &other_path,
            &no_token,
            &empty_token,
            &two_jobs,
            &no_job,
            &http,
            "not a url",
            "",
        ] {
            assert_eq!(linked_job(link, &origin()), None, "{link}");
        }
    }

    const SDK_LINK: &str = "https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/identities/i1/credential-binding-jobs/j1:invokeAuthenticator?token=secret";

    #[test]
    fn beyond_identitys_own_link_names_its_job_and_nothing_else_does() {
        assert_eq!(
            invoke_link_job(SDK_LINK),
            Some(LinkedJob {
                tenant: "t1".into(),
                realm: "r1".into(),
                identity: "i1".into(),
                job: "j1".into(),
            })
        );
        let no_action = SDK_LINK.replace(":invokeAuthenticator", "");
        let no_token = SDK_LINK.replace("?token=secret", "");
        let empty_token = SDK_LINK.replace("token=secret", "token=");
        let no_job = SDK_LINK.replace("/j1:", "/:");
        let shorter = SDK_LINK.replace("/realms/r1", "");
        let longer = SDK_LINK.replace(":invokeAuthenticator", ":invokeAuthenticator/x");
        let ftp = SDK_LINK.replace("https:", "ftp:");
        for link in [
            no_action.as_str(),
            &no_token,
            &empty_token,
            &no_job,
            &shorter,
            &longer,
            &ftp,
            LINK,
            "not a url",
        ] {
            assert_eq!(invoke_link_job(link), None, "{link}");
        }
    }
}
