//! `tenant check`: each thing that must be right for sign-in to work, checked through
//! Beyond Identity's APIs, with the fix for each failure.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::report::Report;
use super::{
    CHECK_SCOPES, PRODUCT_SCOPES, issuer_ids, redirect_uri, token_scopes, with_placeholders,
};
use passkey_auth::config::{Authenticator, Env, ManagementFunctionConfig, SignInConfig};
use passkey_auth::management::{BiManagementClient, RetryPolicy};
use passkey_auth::oidc::http_client;

const CONSOLE: &str = "in the Beyond Identity console";
/// The OpenID Connect scopes Beyond Identity accepts on any request.
const OPENID_SCOPES: &[&str] = &["openid", "email", "profile"];

/// Checks the tenant a `.env` describes; the report says what passed and what to fix.
pub async fn check(env: &Env) -> Report {
    let mut report = Report::default();
    let config_id = env
        .var("BEYOND_IDENTITY_APPLICATION_CONFIG_ID")
        .map(str::to_owned);
    if config_id.is_none() {
        report.fail(
            "setting: BEYOND_IDENTITY_APPLICATION_CONFIG_ID is missing: the application's authenticator config",
            "set it in .env (docs/beyond-identity.md), or run `make tenant-setup`",
        );
    }
    let env = with_placeholders(env);
    let sign_in = SignInConfig::load(&env);
    let management = ManagementFunctionConfig::load(&env);
    let mut problems: Vec<String> = Vec::new();
    for error in [sign_in.as_ref().err(), management.as_ref().err()]
        .into_iter()
        .flatten()
    {
        for problem in &error.0 {
            if !problems.contains(problem) {
                problems.push(problem.clone());
            }
        }
    }
    for problem in problems {
        report.fail(
            format!("setting: {problem}"),
            "set it in .env (docs/beyond-identity.md), or run `make tenant-setup`",
        );
    }
    let Ok(http) = http_client() else {
        report.fail("an HTTP client could not be built", "report this as a bug");
        return report;
    };
    if let Ok(config) = &sign_in {
        provider(&mut report, &http, config).await;
    }
    if let Ok(management) = &management {
        tenant(&mut report, management, sign_in.as_ref().ok(), config_id).await;
    }
    report
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot be reached ({})", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("answered {status}"));
    }
    response
        .json()
        .await
        .map_err(|_| "did not answer JSON".to_owned())
}

/// Discovery, keys and the client's own credentials.
async fn provider(report: &mut Report, http: &reqwest::Client, config: &SignInConfig) {
    let issuer = &config.provider.issuer;
    // OpenID Connect Discovery §4: the issuer without a trailing `/`, then the suffix.
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery = match get_json(http, &url).await {
        Ok(d) => d,
        Err(why) => {
            report.fail(
                format!("discovery {url} {why}"),
                format!("copy the Issuer of the application {CONSOLE} (Applications → your app → External Protocol) into BEYOND_IDENTITY_ISSUER"),
            );
            return;
        }
    };
    let advertised = discovery["issuer"].as_str().unwrap_or_default();
    report.pass_if(
        advertised == issuer,
        format!("discovery answers, and its issuer is BEYOND_IDENTITY_ISSUER exactly ({advertised})"),
        format!("set BEYOND_IDENTITY_ISSUER={advertised} (ID tokens are checked against it character for character)"),
    );
    let listed = |field: &str, value: &str| {
        discovery[field]
            .as_array()
            .is_none_or(|values| values.iter().any(|v| v == value))
    };
    report.pass_if(
        listed("code_challenge_methods_supported", "S256"),
        "the provider supports PKCE S256",
        "the product always sends PKCE S256: use a provider (or an application) that supports it",
    );
    report.pass_if(
        listed(
            "token_endpoint_auth_methods_supported",
            "client_secret_basic",
        ),
        "the provider accepts client_secret_basic at its token endpoint",
        format!("make the application Confidential with Client Secret Basic {CONSOLE}"),
    );

    match discovery["jwks_uri"].as_str() {
        Some(jwks_uri) => match get_json(http, jwks_uri).await {
            Ok(jwks) => {
                let keys = jwks["keys"].as_array().map(Vec::len).unwrap_or(0);
                report.pass_if(
                    keys > 0,
                    format!("the provider publishes {keys} signing key(s) at {jwks_uri}"),
                    "the provider publishes no keys: no ID token could be verified",
                );
            }
            Err(why) => report.fail(
                format!("the JWKS {jwks_uri} {why}"),
                "the provider's keys must be reachable from the functions",
            ),
        },
        None => report.fail(
            "discovery has no jwks_uri",
            "use the application's issuer URL",
        ),
    }

    let Some(token_endpoint) = discovery["token_endpoint"].as_str() else {
        report.fail(
            "discovery has no token_endpoint",
            "use the application's issuer URL",
        );
        return;
    };
    client_credentials(report, http, token_endpoint, config).await;
}

/// Whether the token endpoint accepts the client ID and secret, without a user: a
/// client-credentials request from an application that may use only the authorization
/// code grant is refused with `unauthorized_client` (or `unsupported_grant_type`) once
/// the client is authenticated, and with `invalid_client` when it is not (RFC 6749 §5.2).
async fn client_credentials(
    report: &mut Report,
    http: &reqwest::Client,
    token_endpoint: &str,
    config: &SignInConfig,
) {
    let fix = format!(
        "copy the Client ID and Client Secret of the application {CONSOLE} (External Protocol) into BEYOND_IDENTITY_CLIENT_ID and BEYOND_IDENTITY_CLIENT_SECRET"
    );
    let response = http
        .post(token_endpoint)
        .basic_auth(
            &config.provider.client_id,
            config.provider.client_secret.as_ref().map(|s| s.expose()),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await;
    let (status, body) = match response {
        Ok(r) => {
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
        Err(e) => {
            report.fail(
                format!("the token endpoint cannot be reached ({})", e.without_url()),
                fix,
            );
            return;
        }
    };
    match (status, body["error"].as_str()) {
        (_, Some("unauthorized_client" | "unsupported_grant_type")) => {
            report.pass("the token endpoint accepts the client ID and secret (Client Secret Basic)")
        }
        (_, Some("invalid_client")) | (StatusCode::UNAUTHORIZED, _) => report.fail(
            "the token endpoint refuses the client ID and secret",
            fix,
        ),
        (s, _) if s.is_success() => report.warn(
            "the application also allows the client credentials grant",
            format!("the product needs Authorization Code only: untick Client Credentials {CONSOLE}"),
        ),
        (s, error) => report.warn(
            format!("the client's credentials could not be verified (the token endpoint answered {s} {})", error.unwrap_or("")),
            "try a sign-in to verify them",
        ),
    }
}

/// The management token and its scopes, then the application and its authenticator
/// config as the management API describes them.
async fn tenant(
    report: &mut Report,
    config: &ManagementFunctionConfig,
    sign_in: Option<&SignInConfig>,
    config_id: Option<String>,
) {
    let Ok(api) = BiManagementClient::new(config.management.clone(), RetryPolicy::default()) else {
        report.fail(
            "the management API client could not be built",
            "report this as a bug",
        );
        return;
    };
    let token = match api.current_token().await {
        Ok(token) => token,
        Err(error) => {
            report.fail(
                format!("no management API token: {error}"),
                format!("set BEYOND_IDENTITY_API_TOKEN, or the BEYOND_IDENTITY_ADMIN_REALM_ID, _MGMT_APPLICATION_ID, _MGMT_CLIENT_ID and _MGMT_CLIENT_SECRET of the \"Beyond Identity Management API\" application of the Beyond Identity Admin realm {CONSOLE}"),
            );
            return;
        }
    };
    report.pass("a management API token was obtained");
    match token_scopes(token.expose()) {
        Some(scopes) => {
            for scope in PRODUCT_SCOPES.iter().chain(CHECK_SCOPES) {
                let needed_by = if PRODUCT_SCOPES.contains(scope) {
                    "the functions"
                } else {
                    "this check"
                };
                report.pass_if(
                    scopes.iter().any(|s| s == scope),
                    format!("the management token has the scope {scope} (needed by {needed_by})"),
                    format!("grant {scope} to the management credential {CONSOLE} (or create an API token with it)"),
                );
            }
        }
        None => report.warn(
            "the management token's scopes cannot be read (it is not a JWT)",
            "the calls below show whether it may read applications and authenticator configs",
        ),
    }
    let Some(sign_in) = sign_in else {
        return;
    };
    application(report, &api, config, sign_in, config_id.as_deref()).await;
    if let Some(id) = config_id {
        authenticator_config(report, &api, sign_in, config.management.authenticator, &id).await;
    }
}

async fn read(api: &BiManagementClient, path: &str) -> Result<Value, String> {
    match api.realm_call(Method::GET, path, None).await {
        Ok((status, body)) if status.is_success() => Ok(body),
        Ok((status, body)) => Err(format!(
            "answered {status}: {}",
            body["message"].as_str().unwrap_or("")
        )),
        Err(error) => Err(error.to_string()),
    }
}

async fn application(
    report: &mut Report,
    api: &BiManagementClient,
    config: &ManagementFunctionConfig,
    sign_in: &SignInConfig,
    config_id: Option<&str>,
) {
    let Some((tenant_id, realm_id, app_id)) = issuer_ids(&sign_in.provider.issuer) else {
        report.warn(
            "the issuer is not a Beyond Identity application's issuer, so the application cannot be read",
            "nothing to do if you use another OpenID provider",
        );
        return;
    };
    report.pass_if(
        tenant_id == config.management.tenant_id && realm_id == config.management.realm_id,
        "the issuer's tenant and realm are BEYOND_IDENTITY_TENANT_ID and BEYOND_IDENTITY_REALM_ID",
        format!("set BEYOND_IDENTITY_TENANT_ID={tenant_id} and BEYOND_IDENTITY_REALM_ID={realm_id}, or use the issuer of an application in that realm"),
    );
    let app = match read(api, &format!("/applications/{app_id}")).await {
        Ok(app) => app,
        Err(why) => {
            report.fail(
                format!("the application {app_id} cannot be read: {why}"),
                "check the issuer and that the management token has applications:read",
            );
            return;
        }
    };
    let name = app["display_name"].as_str().unwrap_or(&app_id).to_owned();
    let where_ = format!("{CONSOLE}, Applications → {name} → External Protocol");
    let protocol = &app["protocol_config"];
    report.pass_if(
        protocol["type"] == "oidc",
        format!("the application \"{name}\" uses OpenID Connect"),
        format!("set Protocol to OIDC {where_}"),
    );
    report.pass_if(
        protocol["client_id"] == sign_in.provider.client_id.as_str(),
        "its client ID is BEYOND_IDENTITY_CLIENT_ID",
        format!(
            "set BEYOND_IDENTITY_CLIENT_ID={}",
            protocol["client_id"].as_str().unwrap_or("")
        ),
    );
    report.pass_if(
        protocol["confidentiality"] == "confidential",
        "it is a confidential client",
        format!("set Client Type to Confidential {where_}"),
    );
    report.pass_if(
        protocol["pkce"] == "s256",
        "it requires PKCE S256",
        format!("set PKCE to S256 {where_}"),
    );
    report.pass_if(
        protocol["token_endpoint_auth_method"] == "client_secret_basic",
        "its token endpoint authentication is Client Secret Basic",
        format!("set Token Endpoint Auth Method to Client Secret Basic {where_}"),
    );
    let grants = protocol["grant_type"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    report.pass_if(
        grants.iter().any(|g| g == "authorization_code"),
        "it may use the authorization code grant",
        format!("tick Grant Type: Authorization Code {where_}"),
    );
    let redirect = redirect_uri(&sign_in.app.origin_str());
    let redirects = protocol["redirect_uris"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    report.pass_if(
        redirects.iter().any(|r| r == redirect.as_str()),
        format!("its redirect URIs include {redirect}"),
        format!(
            "add {redirect} to Redirect URIs {where_} (AUTH_URL is {})",
            sign_in.app.origin_str()
        ),
    );
    let subject = protocol["token_configuration"]["subject_field"]
        .as_str()
        .unwrap_or("id");
    report.pass_if(
        subject == "id",
        format!("its tokens' subject is the identity id (subject field: {subject})"),
        format!("set Subject to id {where_} (bind-job finds the user's identity by it)"),
    );
    // OpenID Connect's own scopes are accepted on any request; any other (a resource
    // server's) must be among the application's allowed scopes.
    let allowed: Vec<&str> = protocol["allowed_scopes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for scope in &sign_in.provider.scopes {
        if !OPENID_SCOPES.contains(&scope.as_str()) {
            report.pass_if(
                allowed.contains(&scope.as_str()),
                format!("it may request the scope {scope} (AUTH_SCOPES)"),
                format!("allow {scope} for the application {CONSOLE} (its resource server's scopes), or take it out of AUTH_SCOPES"),
            );
        }
    }
    match (app["authenticator_config_id"].as_str(), config_id) {
        (Some(linked), Some(configured)) => report.pass_if(
            linked == configured,
            "its authenticator config is BEYOND_IDENTITY_APPLICATION_CONFIG_ID",
            format!("set BEYOND_IDENTITY_APPLICATION_CONFIG_ID={linked}"),
        ),
        (None, _) => report.fail(
            "the application has no authenticator config",
            format!("link an authenticator config (Embedded SDK, or Hosted Web with BEYOND_IDENTITY_AUTHENTICATOR=hosted) {CONSOLE}, Applications → {name} → Authenticator Config, or run `make tenant-setup`"),
        ),
        (Some(_), None) => {}
    }
}

async fn authenticator_config(
    report: &mut Report,
    api: &BiManagementClient,
    sign_in: &SignInConfig,
    mode: Authenticator,
    id: &str,
) {
    let config = match read(api, &format!("/authenticator-configs/{id}")).await {
        Ok(config) => config,
        Err(why) => {
            report.fail(
                format!("the authenticator config {id} cannot be read: {why}"),
                "check BEYOND_IDENTITY_APPLICATION_CONFIG_ID and that the management token has authenticator-configs:read",
            );
            return;
        }
    };
    let where_ = format!("{CONSOLE}, Applications → your app → Authenticator Config");
    let inner = &config["config"];
    let origin = sign_in.app.origin_str();
    match mode {
        Authenticator::Embedded => embedded_config(report, inner, &origin, &where_),
        Authenticator::Hosted => hosted_config(report, inner, &where_),
    }
}

/// The Hosted Web config: Beyond Identity's pages bind and sign in, with a passkey
/// among their methods (with email one-time passwords alone, no passkey is ever made).
fn hosted_config(report: &mut Report, inner: &Value, where_: &str) {
    report.pass_if(
        inner["type"] == "hosted_web",
        "the authenticator config is Hosted Web (BEYOND_IDENTITY_AUTHENTICATOR=hosted)",
        format!("set Configuration Type to Hosted Web {where_}, or take BEYOND_IDENTITY_AUTHENTICATOR=hosted out of .env to use the Embedded SDK"),
    );
    if inner["type"] != "hosted_web" {
        return;
    }
    let methods: Vec<&str> = inner["authentication_methods"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["type"].as_str()).collect())
        .unwrap_or_default();
    report.pass_if(
        methods
            .iter()
            .any(|m| matches!(*m, "webauthn_passkey" | "software_passkey")),
        "its authentication methods make passkeys (webauthn_passkey or software_passkey)",
        format!(
            "add Passkey (WebAuthn) or Passkey (software) to the authentication methods {where_}"
        ),
    );
    // A one-time code by email signs in without the passkey: whoever reads the mailbox
    // is the user, and a fresh sign-in proves no passkey at all.
    if methods.contains(&"email_one_time_password") {
        report.warn(
            "its authentication methods include one-time codes by email, which sign in without a passkey",
            format!("remove Email One-Time Password from the authentication methods {where_}, unless a code by email is meant to stand in for a passkey"),
        );
    }
}

/// The Embedded SDK config: Automatic, invoked at AUTH_URL, which may call Beyond Identity
/// from the browser (its trusted origins).
fn embedded_config(report: &mut Report, inner: &Value, origin: &str, where_: &str) {
    report.pass_if(
        inner["type"] == "embedded",
        "the authenticator config is Embedded SDK",
        format!("set Configuration Type to Embedded SDK {where_}, or set BEYOND_IDENTITY_AUTHENTICATOR=hosted in .env to use Beyond Identity's hosted pages"),
    );
    report.pass_if(
        inner["invocation_type"].as_str().unwrap_or("automatic") == "automatic",
        "its invocation type is Automatic",
        format!("set Invocation Type to Automatic {where_} (Manual answers /authorize with JSON, which the sign-in does not follow)"),
    );
    report.pass_if(
        inner["invoke_url"]
            .as_str()
            .map(|u| u.trim_end_matches('/'))
            == Some(origin),
        format!("its invoke URL is AUTH_URL ({origin})"),
        format!("set Invoke URL to {origin} {where_}"),
    );
    let trusted = inner["trusted_origins"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    report.pass_if(
        trusted
            .iter()
            .filter_map(Value::as_str)
            .any(|t| t.trim_end_matches('/') == origin),
        format!("its trusted origins include {origin}"),
        format!("add {origin} to Trusted Origins {where_}"),
    );
}
