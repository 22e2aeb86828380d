//! The API host: the management API for identities, credential binding jobs and
//! credentials, with bearer-token checks and Beyond Identity's validation and errors.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::bearer::{
    Authorized, CredentialsRead, CredentialsRevoke, IdentitiesCreate, IdentitiesDelete,
    IdentitiesRead, IdentitiesUpdate, JobsCreate, JobsRead, JobsRevoke, Scope, authorize,
};
use crate::errors::ApiError;
use crate::faults::Target;
use crate::model::{
    self, BindingJob, CredentialState, DeliveryMethod, Email, EnrollmentStatus, Identity, JobState,
    StoredJob, Traits,
};
use crate::store::Inner;
use crate::{Ctx, cloud, random, tenant_api};

/// How long a binding link stays valid.
const JOB_TTL_DAYS: i64 = 7;
const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 200;

pub(crate) type ApiResult = Result<Response, ApiError>;

pub fn router(ctx: Arc<Ctx>) -> Router {
    let realm = "/v1/tenants/{tenant}/realms/{realm}";
    Router::new()
        .route(
            &format!("{realm}/identities"),
            get(list_identities).post(create_identity),
        )
        .route(
            &format!("{realm}/identities/{{identity}}"),
            get(get_identity)
                .patch(update_identity)
                .delete(delete_identity),
        )
        .route(
            &format!("{realm}/identities/{{identity}}/credential-binding-jobs"),
            get(list_jobs).post(create_job),
        )
        .route(
            &format!("{realm}/identities/{{identity}}/credential-binding-jobs/{{job}}"),
            get(get_job).post(job_action).options(cloud::preflight),
        )
        .route(
            &format!("{realm}/identities/{{identity}}/credentials"),
            get(list_credentials),
        )
        .route(
            &format!("{realm}/identities/{{identity}}/credentials/{{credential}}"),
            get(get_credential).post(revoke_credential),
        )
        .merge(tenant_api::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not found") })
        .layer(middleware::from_fn_with_state(ctx.clone(), injected_faults))
        .with_state(ctx)
}

async fn injected_faults(State(ctx): State<Arc<Ctx>>, request: Request, next: Next) -> Response {
    match ctx.fault(Target::Api).await {
        Some((status, retry_after)) => ApiError::injected(status, retry_after).into_response(),
        None => next.run(request).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct RealmPath {
    pub tenant: String,
    pub realm: String,
}

#[derive(Deserialize)]
struct IdentityPath {
    tenant: String,
    realm: String,
    identity: String,
}

#[derive(Deserialize)]
struct JobPath {
    tenant: String,
    realm: String,
    identity: String,
    job: String,
}

#[derive(Deserialize)]
struct CredentialPath {
    realm: String,
    identity: String,
    credential: String,
}

pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_request())
}

pub(crate) fn ok(body: Value) -> ApiResult {
    Ok(axum::Json(body).into_response())
}

/// Beyond Identity's rule for `display_name` and `username`: 1 to 64 characters and
/// none of ``{}[]<>;:?\/|*^%$#=~`!``.
pub(crate) fn name_violation(value: &str) -> Option<&'static str> {
    const FORBIDDEN: &str = "{}[]<>;:?\\/|*^%$#=~`!";
    let len = value.chars().count();
    if len == 0 {
        Some("empty string")
    } else if len > 64 {
        Some("must be at most 64 characters")
    } else if value.chars().any(|c| FORBIDDEN.contains(c)) {
        Some("contains a character that is not allowed")
    } else {
        None
    }
}

/// What is wrong with a primary email address, as Beyond Identity says it.
fn email_violation(email: &str) -> Option<&'static str> {
    let valid = email.split('@').count() == 2 && email.split('@').all(|p| !p.is_empty());
    (!valid).then_some("invalid email address")
}

#[derive(Deserialize)]
struct CreateIdentity {
    identity: Option<NewIdentity>,
}

#[derive(Deserialize)]
struct NewIdentity {
    display_name: Option<String>,
    traits: Option<NewTraits>,
}

#[derive(Deserialize)]
struct NewTraits {
    #[serde(rename = "type")]
    kind: Option<String>,
    username: Option<String>,
    primary_email_address: Option<String>,
}

async fn create_identity(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    _: Authorized<IdentitiesCreate>,
    body: Bytes,
) -> ApiResult {
    let request: CreateIdentity = parse(&body)?;
    let mut violations = Vec::new();
    let Some(identity) = request.identity else {
        return Err(ApiError::field_violations(vec![(
            "identity".into(),
            "missing".into(),
        )]));
    };
    let display_name = identity.display_name.unwrap_or_default();
    if let Some(v) = name_violation(&display_name) {
        violations.push(("identity.display_name".into(), v.into()));
    }
    let traits = identity.traits.unwrap_or(NewTraits {
        kind: None,
        username: None,
        primary_email_address: None,
    });
    if traits.kind.as_deref() != Some("traits_v0") {
        violations.push(("identity.traits.type".into(), "must be traits_v0".into()));
    }
    let username = traits.username.unwrap_or_default();
    if let Some(v) = name_violation(&username) {
        violations.push(("identity.traits.username".into(), v.into()));
    }
    if let Some(v) = traits
        .primary_email_address
        .as_deref()
        .and_then(email_violation)
    {
        violations.push(("identity.traits.primary_email_address".into(), v.into()));
    }
    if !violations.is_empty() {
        return Err(ApiError::field_violations(violations));
    }
    let now = model::timestamp(model::now());
    ctx.store.write(|inner| {
        let taken = inner.state.identities.iter().any(|i| {
            i.realm_id == path.realm && i.traits.username.to_lowercase() == username.to_lowercase()
        });
        if taken {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "username already exists",
            ));
        }
        let identity = Identity {
            id: random::hex_id(),
            realm_id: path.realm.clone(),
            tenant_id: path.tenant.clone(),
            display_name,
            create_time: now.clone(),
            update_time: now,
            status: "active".into(),
            enrollment_status: EnrollmentStatus::Unenrolled,
            traits: Traits {
                kind: "traits_v0".into(),
                username,
                primary_email_address: traits.primary_email_address,
            },
        };
        inner.state.identities.push(identity.clone());
        ok(json!(identity))
    })
}

/// The one filter Beyond Identity supports: `traits.username eq "value"` (SCIM).
fn parse_username_filter(filter: &str) -> Option<String> {
    let filter = filter.trim();
    let (attribute, rest) = filter.split_once(char::is_whitespace)?;
    let (operator, value) = rest.trim_start().split_once(char::is_whitespace)?;
    if !attribute.eq_ignore_ascii_case("traits.username") || !operator.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.trim();
    if !value.starts_with('"') {
        return None;
    }
    serde_json::from_str::<String>(value).ok()
}

/// Page size, page token and skip, as the list endpoints take them.
pub(crate) fn page<T: Clone>(
    items: &[T],
    query: &HashMap<String, String>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let bad = |field: &str, description: &str| {
        ApiError::field_violations(vec![(field.into(), description.into())])
    };
    let size = match query.get("page_size") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| bad("page_size", "must be between 1 and 200"))?,
    };
    let mut start = match query.get("page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or_else(|| bad("page_token", "invalid page token"))?,
    };
    if let Some(skip) = query.get("skip") {
        start += skip
            .parse::<usize>()
            .map_err(|_| bad("skip", "must be a whole number"))?;
    }
    let end = (start + size).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| URL_SAFE_NO_PAD.encode(format!("offset:{end}")));
    Ok((slice, next))
}

pub(crate) fn list_body(
    name: &str,
    items: Vec<Value>,
    total: usize,
    next: Option<String>,
) -> Value {
    let mut body = json!({ name: items, "total_size": total });
    if let Some(next) = next {
        body["next_page_token"] = next.into();
    }
    body
}

async fn list_identities(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    Query(query): Query<HashMap<String, String>>,
    _: Authorized<IdentitiesRead>,
) -> ApiResult {
    ctx.store.read(|inner| {
        let username = match query.get("filter").filter(|f| !f.trim().is_empty()) {
            None => None,
            Some(filter) => Some(parse_username_filter(filter).ok_or_else(|| {
                ApiError::field_violations(vec![(
                    "filter".into(),
                    "unsupported filter; the only supported filter is traits.username eq \"...\""
                        .into(),
                )])
            })?),
        };
        let matching: Vec<&Identity> = inner
            .state
            .identities
            .iter()
            .filter(|i| i.realm_id == path.realm)
            .filter(|i| {
                username
                    .as_ref()
                    .is_none_or(|u| i.traits.username.to_lowercase() == u.to_lowercase())
            })
            .collect();
        let (items, next) = page(&matching, &query)?;
        ok(list_body(
            "identities",
            items.iter().map(|i| json!(i)).collect(),
            matching.len(),
            next,
        ))
    })
}

fn identity_or_404<'a>(inner: &'a Inner, realm: &str, id: &str) -> Result<&'a Identity, ApiError> {
    inner
        .state
        .identity(realm, id)
        .ok_or_else(|| ApiError::not_found("Identity", id))
}

async fn get_identity(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    _: Authorized<IdentitiesRead>,
) -> ApiResult {
    ctx.store
        .read(|inner| ok(json!(identity_or_404(inner, &path.realm, &path.identity)?)))
}

#[derive(Deserialize)]
struct UpdateIdentity {
    identity: Option<NewIdentity>,
}

/// `UpdateIdentity`: the fields sent change, those omitted stay; a username another
/// identity of the realm has (compared case-insensitively) is `409`, as on create.
async fn update_identity(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    _: Authorized<IdentitiesUpdate>,
    body: Bytes,
) -> ApiResult {
    let request: UpdateIdentity = parse(&body)?;
    let Some(update) = request.identity else {
        return Err(ApiError::field_violations(vec![(
            "identity".into(),
            "missing".into(),
        )]));
    };
    let mut violations = Vec::new();
    if let Some(v) = update.display_name.as_deref().and_then(name_violation) {
        violations.push(("identity.display_name".into(), v.into()));
    }
    let traits = update.traits.unwrap_or(NewTraits {
        kind: None,
        username: None,
        primary_email_address: None,
    });
    if traits
        .kind
        .as_deref()
        .is_some_and(|kind| kind != "traits_v0")
    {
        violations.push(("identity.traits.type".into(), "must be traits_v0".into()));
    }
    if let Some(v) = traits.username.as_deref().and_then(name_violation) {
        violations.push(("identity.traits.username".into(), v.into()));
    }
    if let Some(v) = traits
        .primary_email_address
        .as_deref()
        .and_then(email_violation)
    {
        violations.push(("identity.traits.primary_email_address".into(), v.into()));
    }
    if !violations.is_empty() {
        return Err(ApiError::field_violations(violations));
    }
    ctx.store.write(|inner| {
        identity_or_404(inner, &path.realm, &path.identity)?;
        if let Some(username) = &traits.username {
            let taken = inner.state.identities.iter().any(|i| {
                i.realm_id == path.realm
                    && i.id != path.identity
                    && i.traits.username.to_lowercase() == username.to_lowercase()
            });
            if taken {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "username already exists",
                ));
            }
        }
        let identity = inner
            .state
            .identity_mut(&path.realm, &path.identity)
            .ok_or_else(|| ApiError::not_found("Identity", &path.identity))?;
        if let Some(name) = update.display_name {
            identity.display_name = name;
        }
        if let Some(username) = traits.username {
            identity.traits.username = username;
        }
        if let Some(email) = traits.primary_email_address {
            identity.traits.primary_email_address = Some(email);
        }
        identity.update_time = model::timestamp(model::now());
        ok(json!(identity))
    })
}

/// Deleting an identity removes its passkeys and binding jobs too; `200` with an empty body.
async fn delete_identity(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    _: Authorized<IdentitiesDelete>,
) -> ApiResult {
    ctx.store.write(|inner| {
        identity_or_404(inner, &path.realm, &path.identity)?;
        let s = &mut inner.state;
        s.identities.retain(|i| i.id != path.identity);
        s.jobs.retain(|j| j.job.identity_id != path.identity);
        s.credentials
            .retain(|c| c.credential.identity_id != path.identity);
        Ok(StatusCode::OK.into_response())
    })
}

#[derive(Deserialize)]
struct CreateJob {
    job: Option<NewJob>,
}

#[derive(Deserialize)]
struct NewJob {
    delivery_method: Option<String>,
    authenticator_config_id: Option<String>,
    post_binding_redirect_uri: Option<String>,
}

async fn create_job(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    _: Authorized<JobsCreate>,
    body: Bytes,
) -> ApiResult {
    let request: CreateJob = parse(&body)?;
    let Some(job) = request.job else {
        return Err(ApiError::field_violations(vec![(
            "job".into(),
            "missing".into(),
        )]));
    };
    let mut violations = Vec::new();
    let delivery_method = match job.delivery_method.as_deref() {
        Some("RETURN") => Some(DeliveryMethod::Return),
        Some("EMAIL") => Some(DeliveryMethod::Email),
        Some(_) => {
            violations.push((
                "job.delivery_method".into(),
                "must be RETURN or EMAIL".into(),
            ));
            None
        }
        None => {
            violations.push(("job.delivery_method".into(), "empty string".into()));
            None
        }
    };
    let config_id = job.authenticator_config_id.unwrap_or_default();
    if config_id.is_empty() {
        violations.push(("job.authenticator_config_id".into(), "empty string".into()));
    }
    if let Some(uri) = &job.post_binding_redirect_uri
        && url::Url::parse(uri).is_err()
    {
        violations.push(("job.post_binding_redirect_uri".into(), "invalid URL".into()));
    }
    let (Some(delivery_method), true) = (delivery_method, violations.is_empty()) else {
        return Err(ApiError::field_violations(violations));
    };
    let now = model::now();
    ctx.store.write(|inner| {
        let identity = identity_or_404(inner, &path.realm, &path.identity)?.clone();
        if inner
            .state
            .authenticator_config(&path.realm, &config_id)
            .is_none()
        {
            return Err(ApiError::not_found("AuthenticatorConfig", &config_id));
        }
        let email = identity.traits.primary_email_address.clone();
        if delivery_method == DeliveryMethod::Email && email.is_none() {
            let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Identity missing email address");
            error.details.push(json!({
                "type": "ResourceInfo",
                "resource_type": "Identity",
                "id": identity.id,
                "description": "Identity missing email address",
            }));
            return Err(error);
        }
        let job = BindingJob {
            id: random::hex_id(),
            realm_id: path.realm.clone(),
            tenant_id: path.tenant.clone(),
            identity_id: identity.id.clone(),
            delivery_method,
            state: JobState::LinkSent,
            post_binding_redirect_uri: job.post_binding_redirect_uri,
            authenticator_config_id: config_id.clone(),
            credential_id: None,
            expire_time: model::timestamp(now + Duration::days(JOB_TTL_DAYS)),
            create_time: model::timestamp(now),
            update_time: model::timestamp(now),
        };
        let token = random::binding_token();
        let link = format!(
            "{}/v1/tenants/{}/realms/{}/identities/{}/credential-binding-jobs/{}:invokeAuthenticator?token={token}",
            ctx.sdk_auth_base, job.tenant_id, job.realm_id, job.identity_id, job.id
        );
        inner.state.jobs.push(StoredJob {
            job: job.clone(),
            token,
            expires_at: (now + Duration::days(JOB_TTL_DAYS)).timestamp(),
        });
        let mut body = json!({ "credential_binding_job": job });
        match (delivery_method, email) {
            (DeliveryMethod::Return, _) => body["credential_binding_link"] = link.into(),
            (DeliveryMethod::Email, Some(to)) => inner.state.outbox.push(Email {
                to,
                subject: format!("Set up your passkey for {}", inner.state.realm.display_name),
                link,
                sent_at: model::timestamp(now),
            }),
            (DeliveryMethod::Email, None) => {}
        }
        ok(body)
    })
}

/// `{identity}` may be `-` to mean every identity of the realm.
fn identity_scope(inner: &Inner, realm: &str, identity: &str) -> Result<(), ApiError> {
    if identity == "-" {
        Ok(())
    } else {
        identity_or_404(inner, realm, identity).map(|_| ())
    }
}

async fn list_jobs(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    Query(query): Query<HashMap<String, String>>,
    _: Authorized<JobsRead>,
) -> ApiResult {
    ctx.store.read(|inner| {
        identity_scope(inner, &path.realm, &path.identity)?;
        let jobs: Vec<&BindingJob> = inner
            .state
            .jobs
            .iter()
            .map(|j| &j.job)
            .filter(|j| {
                j.realm_id == path.realm && (path.identity == "-" || j.identity_id == path.identity)
            })
            .collect();
        let (items, next) = page(&jobs, &query)?;
        ok(list_body(
            "credential_binding_jobs",
            items.iter().map(|j| json!(j)).collect(),
            jobs.len(),
            next,
        ))
    })
}

fn job_or_404<'a>(
    inner: &'a mut Inner,
    path: &JobPath,
    id: &str,
) -> Result<&'a mut StoredJob, ApiError> {
    inner
        .state
        .jobs
        .iter_mut()
        .find(|j| {
            j.job.id == id && j.job.realm_id == path.realm && j.job.identity_id == path.identity
        })
        .ok_or_else(|| ApiError::not_found("CredentialBindingJob", id))
}

async fn get_job(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<JobPath>,
    _: Authorized<JobsRead>,
) -> ApiResult {
    ctx.store.write(|inner| {
        let now = model::now();
        let stored = job_or_404(inner, &path, &path.job)?;
        if stored.expires_at <= now.timestamp()
            && !matches!(stored.job.state, JobState::Complete | JobState::Revoked)
        {
            stored.job.state = JobState::Expired;
        }
        ok(json!(stored.job))
    })
}

/// `POST …/credential-binding-jobs/{id}:revoke`; fails with 409 once the job is complete.
/// `POST …/credential-binding-jobs/{job}:{action}`: `:revoke` (the management API), and
/// the SDK's `:getInfo` and `:bind` (the cloud protocol, authenticated by the link's token).
async fn job_action(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<JobPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let link = |job: &str| crate::binding::Link {
        tenant_id: path.tenant.clone(),
        realm_id: path.realm.clone(),
        identity_id: path.identity.clone(),
        job_id: job.to_owned(),
        token: cloud::bearer(&headers),
    };
    if let Some(id) = path.job.strip_suffix(":revoke") {
        return revoke_job(&ctx, &path, id, &headers).into_response();
    }
    if let Some(job) = path.job.strip_suffix(":getInfo") {
        return cloud::get_info(&ctx, &headers, &link(job));
    }
    if let Some(job) = path.job.strip_suffix(":bind") {
        return cloud::bind(&ctx, &headers, &link(job), &body);
    }
    ApiError::new(StatusCode::NOT_FOUND, "not found").into_response()
}

fn revoke_job(ctx: &Ctx, path: &JobPath, id: &str, headers: &HeaderMap) -> ApiResult {
    ctx.store.write(|inner| {
        authorize(inner, headers, &path.tenant, &path.realm, JobsRevoke::NAME)?;
        let now = model::timestamp(model::now());
        let stored = job_or_404(inner, path, id)?;
        if stored.job.state == JobState::Complete {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "credential binding job is already complete",
            ));
        }
        stored.job.state = JobState::Revoked;
        stored.job.update_time = now;
        ok(json!(stored.job))
    })
}

async fn list_credentials(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<IdentityPath>,
    Query(query): Query<HashMap<String, String>>,
    _: Authorized<CredentialsRead>,
) -> ApiResult {
    ctx.store.read(|inner| {
        identity_scope(inner, &path.realm, &path.identity)?;
        let credentials: Vec<Value> = inner
            .state
            .credentials
            .iter()
            .map(|c| &c.credential)
            .filter(|c| {
                c.realm_id == path.realm && (path.identity == "-" || c.identity_id == path.identity)
            })
            .map(|c| json!(c))
            .collect();
        let (items, next) = page(&credentials, &query)?;
        ok(list_body("credentials", items, credentials.len(), next))
    })
}

async fn get_credential(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<CredentialPath>,
    _: Authorized<CredentialsRead>,
) -> ApiResult {
    ctx.store.read(|inner| {
        inner
            .state
            .credentials
            .iter()
            .map(|c| &c.credential)
            .find(|c| {
                c.id == path.credential
                    && c.realm_id == path.realm
                    && c.identity_id == path.identity
            })
            .ok_or_else(|| ApiError::not_found("Credential", &path.credential))
            .and_then(|c| ok(json!(c)))
    })
}

/// `POST …/credentials/{id}:revoke`: the passkey can no longer sign in.
async fn revoke_credential(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<CredentialPath>,
    _: Authorized<CredentialsRevoke>,
) -> ApiResult {
    let Some(id) = path.credential.strip_suffix(":revoke") else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not found"));
    };
    ctx.store.write(|inner| {
        let now = model::timestamp(model::now());
        let credential = inner
            .state
            .credentials
            .iter_mut()
            .map(|c| &mut c.credential)
            .find(|c| c.id == id && c.realm_id == path.realm && c.identity_id == path.identity)
            .ok_or_else(|| ApiError::not_found("Credential", id))?;
        credential.state = CredentialState::Revoked;
        credential.update_time = now;
        ok(json!(credential))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_filter_follows_scim() {
        assert_eq!(
            parse_username_filter(r#"traits.username eq "alice""#),
            Some("alice".into())
        );
        assert_eq!(
            parse_username_filter(r#"  Traits.Username  EQ  "a\"b" "#),
            Some("a\"b".into())
        );
        for bad in [
            r#"traits.username ne "alice""#,
            r#"traits.email eq "alice""#,
            "traits.username eq alice",
            r#"traits.username eq "alice"#,
            r#"traits.username eq "a" or id eq "b""#,
            "",
        ] {
            assert_eq!(parse_username_filter(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_follow_beyond_identity_rules() {
        assert_eq!(name_violation("alice@example.com"), None);
        assert_eq!(name_violation(""), Some("empty string"));
        assert!(name_violation(&"a".repeat(65)).is_some());
        assert!(name_violation(&"é".repeat(64)).is_none());
        for c in ["a=b@x.y", "a!b", "a#b", "a/b", "a?b", "a%b", "a:b"] {
            assert!(name_violation(c).is_some(), "{c}");
        }
    }

    #[test]
    fn pages_walk_the_list() {
        let items: Vec<u32> = (0..5).collect();
        let mut query = HashMap::from([("page_size".to_owned(), "2".to_owned())]);
        let (first, next) = page(&items, &query).expect("page");
        assert_eq!(first, vec![0, 1]);
        query.insert("page_token".into(), next.expect("more"));
        let (second, _) = page(&items, &query).expect("page");
        assert_eq!(second, vec![2, 3]);
        query.insert("page_token".into(), "garbage".into());
        assert!(page(&items, &query).is_err());
        query.insert("page_size".into(), "201".into());
        assert!(
            page(
                &items,
                &HashMap::from([("page_size".to_owned(), "0".to_owned())])
            )
            .is_err()
        );
    }
}
