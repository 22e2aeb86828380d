//! The management API's bearer check: a token Beyond Identity would accept (the static
//! API token, or a live client-credentials token for the API with the tenant and the
//! scope), a path in this tenant, a realm that exists. Handlers take [`Authorized`] with
//! their scope; the one route that serves the SDK too (a binding job's actions) calls
//! [`authorize`] for the action that needs it.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use crate::errors::ApiError;
use crate::store::Inner;
use crate::{Ctx, model, oidc};

/// A management API scope, as a type, for [`Authorized`].
pub(crate) trait Scope: Send + Sync + 'static {
    const NAME: &'static str;
}

macro_rules! scopes {
    ($($name:ident = $scope:literal,)*) => {
        $(
            #[doc = concat!("`", $scope, "`")]
            pub(crate) struct $name;
            impl Scope for $name {
                const NAME: &'static str = $scope;
            }
        )*
    };
}

scopes! {
    IdentitiesCreate = "identities:create",
    IdentitiesRead = "identities:read",
    IdentitiesDelete = "identities:delete",
    IdentitiesUpdate = "identities:update",
    JobsCreate = "credential-binding-jobs:create",
    JobsRead = "credential-binding-jobs:read",
    JobsRevoke = "credential-binding-jobs:revoke",
    CredentialsRead = "credentials:read",
    CredentialsRevoke = "credentials:revoke",
    ApplicationsCreate = "applications:create",
    ApplicationsRead = "applications:read",
    ApplicationsUpdate = "applications:update",
    ConfigsCreate = "authenticator-configs:create",
    ConfigsRead = "authenticator-configs:read",
    ConfigsUpdate = "authenticator-configs:update",
}

/// A request whose bearer token holds scope `S` for the `{tenant}` and `{realm}` of its
/// path: Beyond Identity's 401, 403 or 404 otherwise, before the handler runs.
pub(crate) struct Authorized<S>(PhantomData<S>);

impl<S: Scope> FromRequestParts<Arc<Ctx>> for Authorized<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Arc<Ctx>) -> Result<Self, ApiError> {
        let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not found");
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, ctx)
            .await
            .map_err(|_| not_found())?;
        let (Some(tenant), Some(realm)) = (params.get("tenant"), params.get("realm")) else {
            return Err(not_found());
        };
        ctx.store
            .read(|inner| authorize(inner, &parts.headers, tenant, realm, S::NAME))?;
        Ok(Self(PhantomData))
    }
}

/// Checks the bearer token, its tenant and scope, and that the realm exists.
pub(crate) fn authorize(
    inner: &Inner,
    headers: &HeaderMap,
    tenant: &str,
    realm: &str,
    scope: &str,
) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    if token != inner.state.api_token {
        let claims = oidc::live_token(inner, token, model::now().timestamp())
            .ok_or_else(ApiError::unauthorized)?;
        let for_api = claims
            .get("aud")
            .and_then(Value::as_array)
            .is_some_and(|aud| aud.iter().any(|a| a == "beyondidentity"));
        if !for_api {
            return Err(ApiError::unauthorized());
        }
        if claims.get("bi_t").and_then(Value::as_str) != Some(tenant) {
            return Err(ApiError::forbidden());
        }
        let granted = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !granted.split(' ').any(|s| s == scope) {
            return Err(ApiError::forbidden());
        }
    }
    if tenant != inner.state.tenant_id {
        return Err(ApiError::forbidden());
    }
    if !inner.state.realm_exists(realm) {
        return Err(ApiError::not_found("Realm", realm));
    }
    Ok(())
}
