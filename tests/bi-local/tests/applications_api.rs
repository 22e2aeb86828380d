//! Applications and authenticator configurations on the management API: Beyond
//! Identity's shapes, scopes, validation and errors (what `passkey-auth tenant` uses).

mod common;

use bi_local::{BiLocal, Options};
use common::{http, realm_url, start};
use serde_json::{Value, json};

async fn send(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("api");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_seeded_application_and_config_in_beyond_identitys_shapes() {
    let bi = start().await;
    let s = bi.settings();
    let (status, list) = send(
        reqwest::Method::GET,
        format!("{}/applications", realm_url(&s)),
        &s.api_token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["total_size"], 1);
    let app = &list["applications"][0];
    assert_eq!(app["id"], s.application_id.as_str());
    assert_eq!(
        app["authenticator_config_id"],
        s.authenticator_config_id.as_str()
    );
    let protocol = &app["protocol_config"];
    assert_eq!(protocol["type"], "oidc");
    assert_eq!(protocol["client_id"], s.client_id.as_str());
    assert_eq!(protocol["confidentiality"], "confidential");
    assert_eq!(
        protocol["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(protocol["pkce"], "s256");
    assert_eq!(protocol["grant_type"], json!(["authorization_code"]));
    assert_eq!(protocol["token_configuration"]["subject_field"], "id");
    // No resource server: no allowed scopes (OpenAPI: "must necessarily be empty").
    assert_eq!(protocol["allowed_scopes"], json!([]));

    let (status, config) = send(
        reqwest::Method::GET,
        format!(
            "{}/authenticator-configs/{}",
            realm_url(&s),
            s.authenticator_config_id
        ),
        &s.api_token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(config["config"]["type"], "embedded");
    assert_eq!(config["config"]["invocation_type"], "automatic");
    assert_eq!(config["config"]["invoke_url"], "http://localhost:3000");
}

#[tokio::test]
async fn scopes_validation_and_unknown_ids_get_beyond_identitys_errors() {
    let bi = BiLocal::start(Options {
        empty_realm: true,
        ..Options::default()
    })
    .await
    .expect("bi-local");
    let s = bi.settings();
    assert!(s.application_id.is_empty() && s.issuer.is_empty());
    let apps = format!("{}/applications", realm_url(&s));
    let configs = format!("{}/authenticator-configs", realm_url(&s));

    // A token without the scope: 403.
    let token: Value = http()
        .post(format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}/token",
            s.auth_base_url, s.tenant_id, s.admin_realm_id, s.mgmt_application_id
        ))
        .basic_auth(&s.mgmt_client_id, Some(&s.mgmt_client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "applications:read"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let narrow = token["access_token"].as_str().expect("token");
    let (status, body) = send(
        reqwest::Method::POST,
        configs.clone(),
        narrow,
        Some(json!({})),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));

    // Missing and malformed fields: 400 with FieldViolations.
    let (status, body) = send(
        reqwest::Method::POST,
        configs.clone(),
        &s.api_token,
        Some(
            json!({"authenticator_config": {"display_name": "x", "config": {"type": "embedded"}}}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let fields: Vec<&str> = body["details"][0]["field_violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "authenticator_config.config.invoke_url",
            "authenticator_config.config.trusted_origins"
        ]
    );
    let (status, _) = send(reqwest::Method::POST, configs.clone(), &s.api_token, Some(json!({"authenticator_config": {"display_name": "x", "config": {"type": "embedded", "invoke_url": "not a url", "trusted_origins": []}}}))).await;
    assert_eq!(status, 400);

    // An application must link an existing config, and a public client needs PKCE.
    let (status, body) = send(reqwest::Method::POST, apps.clone(), &s.api_token, Some(json!({"application": {"display_name": "a", "authenticator_config_id": "nope", "protocol_config": {"type": "oidc", "confidentiality": "confidential"}}}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = send(reqwest::Method::POST, apps.clone(), &s.api_token, Some(json!({"application": {"display_name": "a", "protocol_config": {"type": "oidc", "confidentiality": "public", "pkce": "disabled"}}}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = send(reqwest::Method::POST, apps.clone(), &s.api_token, Some(json!({"application": {"display_name": "a", "protocol_config": {"type": "oidc", "confidentiality": "public", "pkce": "s256"}}}))).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["protocol_config"].get("client_secret").is_none(),
        "a public client has no secret"
    );
    assert_eq!(
        body["protocol_config"]["token_endpoint_auth_method"],
        "none"
    );

    // Unknown ids: 404 with a ResourceInfo detail.
    for url in [format!("{apps}/nope"), format!("{configs}/nope")] {
        let (status, body) = send(reqwest::Method::GET, url.clone(), &s.api_token, None).await;
        assert_eq!(status, 404, "{url}");
        assert_eq!(body["details"][0]["type"], "ResourceInfo");
        let (status, _) = send(
            reqwest::Method::PATCH,
            url,
            &s.api_token,
            Some(json!({"application": {}, "authenticator_config": {}})),
        )
        .await;
        assert_eq!(status, 404);
    }
    // A patch that fails validation changes nothing.
    let id = body_id(
        &send(reqwest::Method::GET, apps.clone(), &s.api_token, None)
            .await
            .1,
    );
    let (status, _) = send(
        reqwest::Method::PATCH,
        format!("{apps}/{id}"),
        &s.api_token,
        Some(json!({"application": {"display_name": "", "protocol_config": {"pkce": "s256"}}})),
    )
    .await;
    assert_eq!(status, 400);
    let (_, app) = send(
        reqwest::Method::GET,
        format!("{apps}/{id}"),
        &s.api_token,
        None,
    )
    .await;
    assert_eq!(app["display_name"], "a");
}

fn body_id(list: &Value) -> String {
    list["applications"][0]["id"]
        .as_str()
        .expect("an application")
        .to_owned()
}
