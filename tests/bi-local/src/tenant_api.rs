//! The API host's applications and authenticator configurations: list, create, get and
//! patch, in the shapes of Beyond Identity's OpenAPI file (`Application`,
//! `AuthenticatorConfig`, `protocol_config`, the list envelopes), with its scopes
//! (`applications:*`, `authenticator-configs:*`). `passkey-auth tenant check` reads them
//! and `tenant setup` creates them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{ApiResult, RealmPath, list_body, name_violation, ok, page, parse};
use crate::bearer::{
    ApplicationsCreate, ApplicationsRead, ApplicationsUpdate, Authorized, ConfigsCreate,
    ConfigsRead, ConfigsUpdate, Scope,
};
use crate::errors::ApiError;
use crate::model::State as Tenant;
use crate::model::{
    Application, AuthenticatorConfig, Confidentiality, GrantType, Invocation, Pkce, SubjectField,
};
use crate::{Ctx, random};

pub fn routes() -> Router<Arc<Ctx>> {
    let realm = "/v1/tenants/{tenant}/realms/{realm}";
    Router::new()
        .route(
            &format!("{realm}/applications"),
            get(list::<Application>).post(create::<Application>),
        )
        .route(
            &format!("{realm}/applications/{{id}}"),
            get(read::<Application>).patch(patch::<Application>),
        )
        .route(
            &format!("{realm}/authenticator-configs"),
            get(list::<AuthenticatorConfig>).post(create::<AuthenticatorConfig>),
        )
        .route(
            &format!("{realm}/authenticator-configs/{{id}}"),
            get(read::<AuthenticatorConfig>).patch(patch::<AuthenticatorConfig>),
        )
}

#[derive(Deserialize)]
struct ItemPath {
    tenant: String,
    realm: String,
    id: String,
}

/// The fields a request may set, collected as `(field, problem)` pairs on the way.
struct Violations(Vec<(String, String)>);

impl Violations {
    fn add(&mut self, field: &str, problem: &str) {
        self.0.push((field.into(), problem.into()));
    }

    fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::field_violations(self.0))
        }
    }
}

/// The request's `key` object (`{"application": {…}}`), or BI's 400 naming it.
fn member<'a>(request: &'a Value, key: &str) -> Result<&'a Value, ApiError> {
    request
        .get(key)
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::field_violations(vec![(key.into(), "missing".into())]))
}

/// Reads `field` of `object` as `T`, noting a violation if it is there but malformed.
fn field<T: serde::de::DeserializeOwned>(
    object: &Value,
    field: &str,
    path: &str,
    violations: &mut Violations,
) -> Option<T> {
    let value = object.get(field)?;
    match serde_json::from_value(value.clone()) {
        Ok(v) => Some(v),
        Err(_) => {
            violations.add(&format!("{path}.{field}"), "invalid value");
            None
        }
    }
}

fn valid_urls(urls: &[String]) -> bool {
    urls.iter().all(|u| {
        url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    })
}

/// Applies the fields of an `application` object (create or patch) to `app`.
fn apply_application(
    app: &mut Application,
    body: &Value,
    configs: &[AuthenticatorConfig],
    violations: &mut Violations,
) {
    if let Some(name) = field::<String>(body, "display_name", "application", violations) {
        if let Some(problem) = name_violation(&name) {
            violations.add("application.display_name", problem);
        }
        app.display_name = name;
    }
    if let Some(id) = field::<String>(body, "authenticator_config_id", "application", violations) {
        if !configs
            .iter()
            .any(|c| c.id == id && c.realm_id == app.realm_id)
        {
            violations.add(
                "application.authenticator_config_id",
                "authenticator config not found",
            );
        }
        app.authenticator_config_id = Some(id);
    }
    let Some(protocol) = body.get("protocol_config") else {
        return;
    };
    let path = "application.protocol_config";
    if let Some(kind) = field::<String>(protocol, "type", path, violations)
        && !matches!(kind.as_str(), "oidc" | "oauth2")
    {
        violations.add(&format!("{path}.type"), "must be oidc or oauth2");
    }
    if let Some(scopes) = field::<Vec<String>>(protocol, "allowed_scopes", path, violations) {
        app.allowed_scopes = scopes;
    }
    if let Some(confidentiality) = field(protocol, "confidentiality", path, violations) {
        app.confidentiality = confidentiality;
        app.token_endpoint_auth_method = match confidentiality {
            Confidentiality::Confidential => "client_secret_basic".into(),
            Confidentiality::Public => "none".into(),
        };
    }
    if let Some(grants) = field::<Vec<GrantType>>(protocol, "grant_type", path, violations) {
        if grants.is_empty() {
            violations.add(&format!("{path}.grant_type"), "empty list");
        }
        app.grant_types = grants;
    }
    if let Some(uris) = field::<Vec<String>>(protocol, "redirect_uris", path, violations) {
        if !valid_urls(&uris) {
            violations.add(&format!("{path}.redirect_uris"), "invalid URL");
        }
        app.redirect_uris = uris;
    }
    if let Some(pkce) = field::<Pkce>(protocol, "pkce", path, violations) {
        app.pkce = pkce;
    }
    if let Some(tokens) = protocol.get("token_configuration") {
        let path = format!("{path}.token_configuration");
        if let Some(subject) = field::<SubjectField>(tokens, "subject_field", &path, violations) {
            app.subject_field = subject;
        }
        if let Some(seconds) = field::<i64>(tokens, "expires_after", &path, violations) {
            app.expires_after = seconds;
        }
    }
    if app.confidentiality == Confidentiality::Public && app.pkce == Pkce::Disabled {
        violations.add(&format!("{path}.pkce"), "public applications must use PKCE");
    }
}

/// Applies the fields of an `authenticator_config` object (create or patch) to `config`.
fn apply_config(config: &mut AuthenticatorConfig, body: &Value, violations: &mut Violations) {
    if let Some(name) = field::<String>(body, "display_name", "authenticator_config", violations) {
        if let Some(problem) = name_violation(&name) {
            violations.add("authenticator_config.display_name", problem);
        }
        config.display_name = name;
    }
    let Some(inner) = body.get("config") else {
        return;
    };
    let path = "authenticator_config.config";
    if let Some(kind) = field::<String>(inner, "type", path, violations) {
        if !matches!(kind.as_str(), "embedded" | "hosted_web" | "platform") {
            violations.add(
                &format!("{path}.type"),
                "must be embedded, hosted_web or platform",
            );
        }
        config.kind = kind;
    }
    if let Some(url) = field::<String>(inner, "invoke_url", path, violations) {
        if !valid_urls(std::slice::from_ref(&url)) {
            violations.add(&format!("{path}.invoke_url"), "invalid URL");
        }
        config.invoke_url = url;
    }
    if let Some(origins) = field::<Vec<String>>(inner, "trusted_origins", path, violations) {
        if !valid_urls(&origins) {
            violations.add(&format!("{path}.trusted_origins"), "invalid URL");
        }
        config.trusted_origins = origins;
    }
    if let Some(invocation) = field::<Invocation>(inner, "invocation_type", path, violations) {
        config.invocation_type = invocation;
    }
    if let Some(methods) = field::<Vec<Value>>(inner, "authentication_methods", path, violations) {
        let kinds: Vec<String> = methods
            .iter()
            .filter_map(|m| m["type"].as_str().map(str::to_owned))
            .collect();
        let known = |k: &String| {
            matches!(
                k.as_str(),
                "webauthn_passkey" | "software_passkey" | "email_one_time_password"
            )
        };
        if kinds.len() != methods.len() || !kinds.iter().all(known) {
            violations.add(
                &format!("{path}.authentication_methods"),
                "each must be {\"type\": webauthn_passkey, software_passkey or email_one_time_password}",
            );
        }
        config.authentication_methods = kinds;
    }
}

/// What the applications and authenticator-configs endpoints share: a realm's items, each
/// created and patched from one member object of the request (`{"application": {…}}`),
/// with the scopes of its kind.
trait Resource: Clone + Send + Sync + 'static {
    /// The request's member, and the list envelope's key.
    const MEMBER: &'static str;
    const LIST: &'static str;
    /// Its name in Beyond Identity's 404.
    const KIND: &'static str;
    type Read: Scope;
    type Create: Scope;
    type Update: Scope;

    fn all(state: &Tenant) -> &Vec<Self>;
    fn all_mut(state: &mut Tenant) -> &mut Vec<Self>;
    fn id(&self) -> &str;
    fn realm_id(&self) -> &str;
    /// A new one in `realm` with Beyond Identity's defaults; a create's required fields
    /// that `body` lacks are violations.
    fn new_in(realm: &str, body: &Value, violations: &mut Violations) -> Self;
    /// Applies the fields of a create's or a patch's member object.
    fn apply(&mut self, body: &Value, state: &Tenant, violations: &mut Violations);
    fn to_api(&self, tenant: &str) -> Value;
}

impl Resource for Application {
    const MEMBER: &'static str = "application";
    const LIST: &'static str = "applications";
    const KIND: &'static str = "Application";
    type Read = ApplicationsRead;
    type Create = ApplicationsCreate;
    type Update = ApplicationsUpdate;

    fn all(state: &Tenant) -> &Vec<Self> {
        &state.applications
    }
    fn all_mut(state: &mut Tenant) -> &mut Vec<Self> {
        &mut state.applications
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn realm_id(&self) -> &str {
        &self.realm_id
    }
    fn new_in(realm: &str, body: &Value, violations: &mut Violations) -> Self {
        for required in ["display_name", "protocol_config"] {
            if body.get(required).is_none() {
                violations.add(&format!("application.{required}"), "missing");
            }
        }
        Application {
            id: random::uuid(),
            realm_id: realm.to_owned(),
            display_name: String::new(),
            client_id: random::client_id(),
            client_secret: random::client_secret(),
            grant_types: vec![GrantType::AuthorizationCode],
            redirect_uris: Vec::new(),
            pkce: Pkce::Disabled,
            allowed_scopes: Vec::new(),
            authenticator_config_id: None,
            classification: None,
            expires_after: 86_400,
            confidentiality: Confidentiality::Confidential,
            token_endpoint_auth_method: "client_secret_basic".into(),
            subject_field: SubjectField::Id,
        }
    }
    fn apply(&mut self, body: &Value, state: &Tenant, violations: &mut Violations) {
        apply_application(self, body, &state.authenticator_configs, violations);
    }
    fn to_api(&self, tenant: &str) -> Value {
        Application::to_api(self, tenant)
    }
}

impl Resource for AuthenticatorConfig {
    const MEMBER: &'static str = "authenticator_config";
    const LIST: &'static str = "authenticator_configs";
    const KIND: &'static str = "AuthenticatorConfig";
    type Read = ConfigsRead;
    type Create = ConfigsCreate;
    type Update = ConfigsUpdate;

    fn all(state: &Tenant) -> &Vec<Self> {
        &state.authenticator_configs
    }
    fn all_mut(state: &mut Tenant) -> &mut Vec<Self> {
        &mut state.authenticator_configs
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn realm_id(&self) -> &str {
        &self.realm_id
    }
    fn new_in(realm: &str, body: &Value, violations: &mut Violations) -> Self {
        let config = body.get("config").cloned().unwrap_or_default();
        // The `required` lists of BI's `Embedded SDK Authenticator` and `Hosted Web
        // Authenticator` schemas.
        let required: &[&str] = if config["type"] == crate::model::HOSTED_WEB {
            &["type", "authentication_methods", "trusted_origins"]
        } else {
            &["type", "invoke_url", "trusted_origins"]
        };
        for required in required {
            if config.get(required).is_none() {
                violations.add(
                    &format!("authenticator_config.config.{required}"),
                    "missing",
                );
            }
        }
        AuthenticatorConfig {
            id: random::uuid(),
            realm_id: realm.to_owned(),
            invocation_type: Invocation::Automatic,
            invoke_url: String::new(),
            trusted_origins: Vec::new(),
            display_name: String::new(),
            kind: "embedded".into(),
            authentication_methods: vec!["software_passkey".into()],
        }
    }
    fn apply(&mut self, body: &Value, _: &Tenant, violations: &mut Violations) {
        apply_config(self, body, violations);
    }
    fn to_api(&self, tenant: &str) -> Value {
        AuthenticatorConfig::to_api(self, tenant)
    }
}

async fn list<R: Resource>(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    Query(query): Query<HashMap<String, String>>,
    _: Authorized<R::Read>,
) -> ApiResult {
    ctx.store.read(|inner| {
        let items: Vec<&R> = R::all(&inner.state)
            .iter()
            .filter(|item| item.realm_id() == path.realm)
            .collect();
        let (shown, next) = page(&items, &query)?;
        let tenant = &inner.state.tenant_id;
        ok(list_body(
            R::LIST,
            shown.iter().map(|item| item.to_api(tenant)).collect(),
            items.len(),
            next,
        ))
    })
}

async fn read<R: Resource>(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    _: Authorized<R::Read>,
) -> ApiResult {
    ctx.store.read(|inner| {
        let item = R::all(&inner.state)
            .iter()
            .find(|item| item.id() == path.id && item.realm_id() == path.realm)
            .ok_or_else(|| ApiError::not_found(R::KIND, &path.id))?;
        ok(item.to_api(&inner.state.tenant_id))
    })
}

async fn create<R: Resource>(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    _: Authorized<R::Create>,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        let body = member(&request, R::MEMBER)?;
        let mut violations = Violations(Vec::new());
        let mut item = R::new_in(&path.realm, body, &mut violations);
        item.apply(body, &inner.state, &mut violations);
        violations.into_result()?;
        let answer = item.to_api(&inner.state.tenant_id);
        R::all_mut(&mut inner.state).push(item);
        ok(answer)
    })
}

async fn patch<R: Resource>(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    _: Authorized<R::Update>,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        let body = member(&request, R::MEMBER)?;
        let mut changed = R::all(&inner.state)
            .iter()
            .find(|item| item.id() == path.id && item.realm_id() == path.realm)
            .ok_or_else(|| ApiError::not_found(R::KIND, &path.id))?
            .clone();
        let mut violations = Violations(Vec::new());
        changed.apply(body, &inner.state, &mut violations);
        violations.into_result()?;
        let answer = changed.to_api(&path.tenant);
        if let Some(item) = R::all_mut(&mut inner.state)
            .iter_mut()
            .find(|item| item.id() == path.id && item.realm_id() == path.realm)
        {
            *item = changed;
        }
        ok(answer)
    })
}
