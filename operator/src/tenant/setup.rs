//! `tenant setup`: the realm's authenticator config (Embedded SDK, or Hosted Web in hosted
//! mode) and OIDC application,
//! created through the management API if they are not there yet (found by name), put
//! right if they are, and their values for the `.env`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{redirect_uri, with_placeholders};
use passkey_auth::config::{Authenticator, ConfigError, Env, ManagementFunctionConfig};
use passkey_auth::management::{BiManagementClient, ManagementError, RetryPolicy};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("the management API: {0}")]
    Api(#[from] ManagementError),
    #[error("the management API refused {what} ({status}): {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },
}

/// What setup did, and the settings to write.
#[derive(Debug)]
pub struct SetupOutcome {
    pub created_config: bool,
    pub created_application: bool,
    /// `BEYOND_IDENTITY_*` settings for the `.env`.
    pub values: Vec<(&'static str, String)>,
}

/// Sends a call and returns the body of a 2xx answer.
async fn call(
    api: &BiManagementClient,
    method: Method,
    path: &str,
    body: Option<&Value>,
    what: &str,
) -> Result<Value, SetupError> {
    let (status, answer) = api.realm_call(method, path, body).await?;
    if status.is_success() {
        Ok(answer)
    } else {
        Err(SetupError::Refused {
            what: what.to_owned(),
            status: status.as_u16(),
            message: answer["message"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

/// The realm's item of that list named `name`, following pages.
async fn find(
    api: &BiManagementClient,
    collection: &str,
    name: &str,
) -> Result<Option<Value>, SetupError> {
    let list = collection.replace('-', "_");
    let mut token: Option<String> = None;
    loop {
        // The page token is opaque: encoded, as it may hold `+`, `/` or `=`.
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("page_size", "200");
        if let Some(t) = &token {
            query.append_pair("page_token", t);
        }
        let path = format!("/{collection}?{}", query.finish());
        let page = call(
            api,
            Method::GET,
            &path,
            None,
            &format!("listing {collection}"),
        )
        .await?;
        let found = page[&list]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["display_name"] == name).cloned());
        if found.is_some() {
            return Ok(found);
        }
        match page["next_page_token"].as_str() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(None),
        }
    }
}

/// Creates the item, or patches the one found by name to `desired`; its body, and
/// whether it was created.
async fn ensure(
    api: &BiManagementClient,
    collection: &str,
    key: &str,
    name: &str,
    desired: Value,
) -> Result<(Value, bool), SetupError> {
    let body = json!({ key: desired });
    match find(api, collection, name).await? {
        Some(existing) => {
            let id = existing["id"].as_str().unwrap_or_default();
            let path = format!("/{collection}/{id}");
            let updated = call(
                api,
                Method::PATCH,
                &path,
                Some(&body),
                &format!("updating {name}"),
            )
            .await?;
            Ok((updated, false))
        }
        None => {
            let path = format!("/{collection}");
            let created = call(
                api,
                Method::POST,
                &path,
                Some(&body),
                &format!("creating {name}"),
            )
            .await?;
            Ok((created, true))
        }
    }
}

/// The authenticator config of the mode: the Embedded SDK invoked at the app, or Beyond
/// Identity's hosted pages making passkeys (in the platform's authenticator, else in the
/// browser).
fn authenticator_config(mode: Authenticator, origin: &str) -> Value {
    match mode {
        Authenticator::Embedded => json!({
            "type": "embedded",
            "invocation_type": "automatic",
            "invoke_url": origin,
            "trusted_origins": [origin],
        }),
        Authenticator::Hosted => json!({
            "type": "hosted_web",
            "authentication_methods": [{"type": "webauthn_passkey"}, {"type": "software_passkey"}],
            "trusted_origins": [origin],
        }),
    }
}

/// Sets up the realm for the app at `AUTH_URL`, under the display name `name`.
pub async fn setup(env: &Env, name: &str) -> Result<SetupOutcome, SetupError> {
    let config = ManagementFunctionConfig::load(&with_placeholders(env))?;
    let origin = config.app.origin_str();
    let api = BiManagementClient::new(config.management.clone(), RetryPolicy::default())?;

    let (authenticator, created_config) = ensure(
        &api,
        "authenticator-configs",
        "authenticator_config",
        name,
        json!({
            "display_name": name,
            "config": authenticator_config(config.management.authenticator, &origin),
        }),
    )
    .await?;
    let config_id = authenticator["id"].as_str().unwrap_or_default().to_owned();

    let (application, created_application) = ensure(
        &api,
        "applications",
        "application",
        name,
        json!({
            "display_name": name,
            "authenticator_config_id": config_id,
            "protocol_config": {
                "type": "oidc",
                "confidentiality": "confidential",
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_type": ["authorization_code"],
                "redirect_uris": [redirect_uri(&origin)],
                "pkce": "s256",
                "token_configuration": {
                    "subject_field": "id",
                    "token_signing_algorithm": "RS256",
                },
            },
        }),
    )
    .await?;
    let app_id = application["id"].as_str().unwrap_or_default();
    let protocol = &application["protocol_config"];
    let management = &config.management;
    let issuer = format!(
        "{}/v1/tenants/{}/realms/{}/applications/{app_id}",
        management.auth_base, management.tenant_id, management.realm_id
    );
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Ok(SetupOutcome {
        created_config,
        created_application,
        values: vec![
            ("BEYOND_IDENTITY_ISSUER", issuer),
            ("BEYOND_IDENTITY_CLIENT_ID", text(&protocol["client_id"])),
            (
                "BEYOND_IDENTITY_CLIENT_SECRET",
                text(&protocol["client_secret"]),
            ),
            ("BEYOND_IDENTITY_APPLICATION_CONFIG_ID", config_id),
        ],
    })
}
