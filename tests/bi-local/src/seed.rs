//! A fresh demo tenant, and the scopes its Management API application is granted.

use serde_json::json;

use crate::keys::{self, KeyError};
use crate::model::{
    self, Application, AuthenticatorConfig, Confidentiality, GrantType, Invocation, Pkce, Realm,
    State, SubjectField,
};
use crate::options::{CALLBACK_PATH, DEFAULT_APP_ORIGIN};
use crate::random;

/// The scopes of the Management API application, as Beyond Identity grants them (the
/// subset of its scope list that bi-local serves).
pub const MANAGEMENT_SCOPES: &[&str] = &[
    "applications:create",
    "applications:read",
    "applications:update",
    "authenticator-configs:create",
    "authenticator-configs:read",
    "authenticator-configs:update",
    "identities:create",
    "identities:read",
    "identities:update",
    "identities:delete",
    "credential-binding-jobs:create",
    "credential-binding-jobs:read",
    "credential-binding-jobs:revoke",
    "credentials:read",
    "credentials:revoke",
];

/// A fresh demo tenant: a realm with a confidential OIDC application (PKCE S256,
/// client_secret_basic) and an Embedded SDK authenticator config (unless `empty_realm`),
/// and the admin realm with the Management API application.
pub(crate) fn seed(auth_base: &str, empty_realm: bool) -> Result<State, KeyError> {
    let realm = Realm {
        id: random::hex_id(),
        display_name: "Demo Realm".into(),
    };
    let admin_realm = Realm {
        id: random::hex_id(),
        display_name: "Beyond Identity Admin".into(),
    };
    let key = keys::SigningKey::generate()?;
    let mut state = State::new(
        random::tenant_id(),
        realm.clone(),
        admin_realm.clone(),
        vec![key.to_stored()],
    );
    let management = Application {
        id: random::uuid(),
        realm_id: admin_realm.id.clone(),
        display_name: "Beyond Identity Management API".into(),
        client_id: random::client_id(),
        client_secret: random::client_secret(),
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: Vec::new(),
        pkce: Pkce::Disabled,
        allowed_scopes: MANAGEMENT_SCOPES.iter().map(|s| s.to_string()).collect(),
        authenticator_config_id: None,
        classification: Some("management_api".into()),
        expires_after: 3600,
        confidentiality: Confidentiality::Confidential,
        token_endpoint_auth_method: "client_secret_basic".into(),
        subject_field: SubjectField::Id,
    };
    if !empty_realm {
        let config = AuthenticatorConfig {
            id: random::uuid(),
            realm_id: realm.id.clone(),
            invocation_type: Invocation::Automatic,
            invoke_url: DEFAULT_APP_ORIGIN.into(),
            trusted_origins: vec![DEFAULT_APP_ORIGIN.into()],
            display_name: "Demo Embedded SDK".into(),
            kind: "embedded".into(),
            authentication_methods: vec!["software_passkey".into()],
        };
        state.applications.push(Application {
            id: random::uuid(),
            realm_id: realm.id.clone(),
            display_name: "Demo App".into(),
            client_id: random::client_id(),
            client_secret: random::client_secret(),
            grant_types: vec![GrantType::AuthorizationCode],
            redirect_uris: vec![format!("{DEFAULT_APP_ORIGIN}{CALLBACK_PATH}")],
            pkce: Pkce::S256,
            allowed_scopes: Vec::new(),
            authenticator_config_id: Some(config.id.clone()),
            classification: None,
            expires_after: 3600,
            confidentiality: Confidentiality::Confidential,
            token_endpoint_auth_method: "client_secret_basic".into(),
            subject_field: SubjectField::Id,
        });
        state.authenticator_configs.push(config);
    }
    // A console-made API token: long-lived, every management scope.
    let now = model::now().timestamp();
    let app = &management;
    let claims = json!({
        "iss": format!("{auth_base}/v1/tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "sub": app.client_id,
        "aud": ["beyondidentity"],
        "azp": format!("tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "bi_p": format!("tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "bi_t": state.tenant_id,
        "bi_r": "*",
        "jti": random::jti(),
        "scope": MANAGEMENT_SCOPES.join(" "),
        "iat": now,
        "nbf": now,
        "exp": now + 7_776_000,
    });
    state.api_token = keys::encode(&key, "JWT", &claims, keys::Defects::default());
    state.applications.push(management);
    Ok(state)
}
