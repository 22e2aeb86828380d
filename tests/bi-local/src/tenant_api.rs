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
use axum::http::HeaderMap;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{ApiResult, RealmPath, authorize, list_body, name_violation, ok, page, parse};
use crate::errors::ApiError;
use crate::model::{
    Application, AuthenticatorConfig, Confidentiality, GrantType, Invocation, Pkce, SubjectField,
};
use crate::{Ctx, random};

pub fn routes() -> Router<Arc<Ctx>> {
    let realm = "/v1/tenants/{tenant}/realms/{realm}";
    Router::new()
        .route(
            &format!("{realm}/applications"),
            get(list_applications).post(create_application),
        )
        .route(
            &format!("{realm}/applications/{{id}}"),
            get(get_application).patch(patch_application),
        )
        .route(
            &format!("{realm}/authenticator-configs"),
            get(list_configs).post(create_config),
        )
        .route(
            &format!("{realm}/authenticator-configs/{{id}}"),
            get(get_config).patch(patch_config),
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

async fn list_applications(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult {
    ctx.store.read(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "applications:read",
        )?;
        let apps: Vec<&Application> = inner
            .state
            .applications
            .iter()
            .filter(|a| a.realm_id == path.realm)
            .collect();
        let (items, next) = page(&apps, &query)?;
        let tenant = &inner.state.tenant_id;
        ok(list_body(
            "applications",
            items.iter().map(|a| a.to_api(tenant)).collect(),
            apps.len(),
            next,
        ))
    })
}

async fn get_application(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    headers: HeaderMap,
) -> ApiResult {
    ctx.store.read(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "applications:read",
        )?;
        let app = inner
            .state
            .application_by_id(&path.realm, &path.id)
            .ok_or_else(|| ApiError::not_found("Application", &path.id))?;
        ok(app.to_api(&inner.state.tenant_id))
    })
}

async fn create_application(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "applications:create",
        )?;
        let body = member(&request, "application")?;
        let mut violations = Violations(Vec::new());
        for required in ["display_name", "protocol_config"] {
            if body.get(required).is_none() {
                violations.add(&format!("application.{required}"), "missing");
            }
        }
        let mut app = Application {
            id: random::uuid(),
            realm_id: path.realm.clone(),
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
        };
        apply_application(
            &mut app,
            body,
            &inner.state.authenticator_configs,
            &mut violations,
        );
        violations.into_result()?;
        let answer = app.to_api(&inner.state.tenant_id);
        inner.state.applications.push(app);
        ok(answer)
    })
}

async fn patch_application(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "applications:update",
        )?;
        let body = member(&request, "application")?;
        let configs = inner.state.authenticator_configs.clone();
        let app = inner
            .state
            .applications
            .iter_mut()
            .find(|a| a.id == path.id && a.realm_id == path.realm)
            .ok_or_else(|| ApiError::not_found("Application", &path.id))?;
        let mut changed = app.clone();
        let mut violations = Violations(Vec::new());
        apply_application(&mut changed, body, &configs, &mut violations);
        violations.into_result()?;
        *app = changed;
        ok(app.to_api(&path.tenant))
    })
}

async fn list_configs(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult {
    ctx.store.read(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "authenticator-configs:read",
        )?;
        let configs: Vec<&AuthenticatorConfig> = inner
            .state
            .authenticator_configs
            .iter()
            .filter(|c| c.realm_id == path.realm)
            .collect();
        let (items, next) = page(&configs, &query)?;
        let tenant = &inner.state.tenant_id;
        ok(list_body(
            "authenticator_configs",
            items.iter().map(|c| c.to_api(tenant)).collect(),
            configs.len(),
            next,
        ))
    })
}

async fn get_config(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    headers: HeaderMap,
) -> ApiResult {
    ctx.store.read(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "authenticator-configs:read",
        )?;
        let config = inner
            .state
            .authenticator_config(&path.realm, &path.id)
            .ok_or_else(|| ApiError::not_found("AuthenticatorConfig", &path.id))?;
        ok(config.to_api(&inner.state.tenant_id))
    })
}

async fn create_config(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<RealmPath>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "authenticator-configs:create",
        )?;
        let body = member(&request, "authenticator_config")?;
        let mut violations = Violations(Vec::new());
        let inner_config = body.get("config").cloned().unwrap_or_default();
        // The `required` lists of BI's `Embedded SDK Authenticator` and `Hosted Web
        // Authenticator` schemas.
        let required: &[&str] = if inner_config["type"] == crate::model::HOSTED_WEB {
            &["type", "authentication_methods", "trusted_origins"]
        } else {
            &["type", "invoke_url", "trusted_origins"]
        };
        for required in required {
            if inner_config.get(required).is_none() {
                violations.add(
                    &format!("authenticator_config.config.{required}"),
                    "missing",
                );
            }
        }
        let mut config = AuthenticatorConfig {
            id: random::uuid(),
            realm_id: path.realm.clone(),
            invocation_type: Invocation::Automatic,
            invoke_url: String::new(),
            trusted_origins: Vec::new(),
            display_name: String::new(),
            kind: "embedded".into(),
            authentication_methods: vec!["software_passkey".into()],
        };
        apply_config(&mut config, body, &mut violations);
        violations.into_result()?;
        let answer = config.to_api(&inner.state.tenant_id);
        inner.state.authenticator_configs.push(config);
        ok(answer)
    })
}

async fn patch_config(
    State(ctx): State<Arc<Ctx>>,
    Path(path): Path<ItemPath>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: Value = parse(&body)?;
    ctx.store.write(|inner| {
        authorize(
            inner,
            &headers,
            &path.tenant,
            &path.realm,
            "authenticator-configs:update",
        )?;
        let body = member(&request, "authenticator_config")?;
        let config = inner
            .state
            .authenticator_configs
            .iter_mut()
            .find(|c| c.id == path.id && c.realm_id == path.realm)
            .ok_or_else(|| ApiError::not_found("AuthenticatorConfig", &path.id))?;
        let mut changed = config.clone();
        let mut violations = Violations(Vec::new());
        apply_config(&mut changed, body, &mut violations);
        violations.into_result()?;
        *config = changed;
        ok(config.to_api(&path.tenant))
    })
}
