//! The management API: client-credentials token, identities, binding jobs of both
//! kinds, credentials, and Beyond Identity's errors.

mod common;

use common::{
    Passkey, create_identity, create_job, http, management_token, query_param, realm_url, start,
};
use serde_json::{Value, json};

#[tokio::test]
async fn client_credentials_then_identity_and_both_kinds_of_binding_job() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;

    let identity = create_identity(&s, &token, "bob@example.com").await;
    let id = identity["id"].as_str().expect("id");
    assert_eq!(id.len(), 16);
    assert_eq!(identity["realm_id"], s.realm_id.as_str());
    assert_eq!(identity["tenant_id"], s.tenant_id.as_str());
    assert_eq!(identity["enrollment_status"], "UNENROLLED");
    assert_eq!(identity["traits"]["type"], "traits_v0");
    assert!(
        identity["create_time"]
            .as_str()
            .expect("time")
            .ends_with('Z')
    );

    // EMAIL: nothing to return, one email in the outbox with a link that lands on /bind.
    let (status, body) = create_job(&s, &token, id, "EMAIL").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["credential_binding_job"]["delivery_method"], "EMAIL");
    assert_eq!(body["credential_binding_job"]["state"], "LINK_SENT");
    assert!(body.get("credential_binding_link").is_none());
    let outbox = bi.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, "bob@example.com");
    let response = http()
        .get(&outbox[0].link)
        .send()
        .await
        .expect("follow link");
    assert_eq!(response.status(), 302);
    let bind_url = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(bind_url.starts_with("http://localhost:3000/bind?api_base_url="));
    assert_eq!(query_param(&bind_url, "identity_id").as_deref(), Some(id));
    assert_eq!(
        query_param(&bind_url, "api_base_url").as_deref(),
        Some(s.api_base_url.as_str())
    );

    // RETURN: the link comes back in the answer and binds a passkey.
    let (status, body) = create_job(&s, &token, id, "RETURN").await;
    assert_eq!(status, 200, "{body}");
    let link = body["credential_binding_link"].as_str().expect("link");
    assert!(link.contains(":invokeAuthenticator?token="));
    let job_id = body["credential_binding_job"]["id"]
        .as_str()
        .expect("job id")
        .to_owned();
    let mut passkey = Passkey::new();
    let (status, bound) = passkey.bind(&bi, link).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(bound["passkey"]["identity"]["username"], "bob@example.com");
    assert_eq!(bound["postBindingRedirectUri"], "http://localhost:3000/");
    // The same link cannot bind twice.
    let (status, body) = Passkey::new().bind(&bi, link).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("gone")));

    // The job is complete, the identity enrolled, the credential listed and active.
    let api = |path: String| {
        let token = token.clone();
        async move {
            let r = http()
                .get(path)
                .bearer_auth(token)
                .send()
                .await
                .expect("get");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    let base = realm_url(&s);
    let (_, job) = api(format!(
        "{base}/identities/{id}/credential-binding-jobs/{job_id}"
    ))
    .await;
    assert_eq!(job["state"], "COMPLETE");
    assert_eq!(job["credential_id"], bound["passkey"]["id"]);
    let (_, got) = api(format!("{base}/identities/{id}")).await;
    assert_eq!(got["enrollment_status"], "ENROLLED");
    let (_, jobs) = api(format!("{base}/identities/-/credential-binding-jobs")).await;
    assert_eq!(jobs["total_size"], 2);
    let (_, credentials) = api(format!("{base}/identities/{id}/credentials")).await;
    assert_eq!(credentials["total_size"], 1);
    assert_eq!(credentials["credentials"][0]["state"], "ACTIVE");
    assert_eq!(credentials["credentials"][0]["csr_type"], "JWT");

    // Revoking the credential stops it signing in; a completed job cannot be revoked.
    let credential_id = bound["passkey"]["id"].as_str().expect("credential");
    let revoked: Value = http()
        .post(format!(
            "{base}/identities/{id}/credentials/{credential_id}:revoke"
        ))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("revoke")
        .json()
        .await
        .expect("json");
    assert_eq!(revoked["state"], "REVOKED");
    // The emulator's page shows it, whose it is, and that it can no longer sign in.
    let page = http()
        .get(format!("{}/_emulator/", bi.auth_url()))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let row = page
        .split("<tr>")
        .find(|row| row.contains(credential_id))
        .expect("the credential is listed");
    assert!(
        row.contains("bob@example.com") && row.contains("REVOKED"),
        "{row}"
    );
    let response = http()
        .post(format!(
            "{base}/identities/{id}/credential-binding-jobs/{job_id}:revoke"
        ))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("revoke job");
    assert_eq!(response.status(), 409);

    // Deleting the identity: 200 with an empty body, then 404 with ResourceInfo.
    let response = http()
        .delete(format!("{base}/identities/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("body").is_empty());
    let (status, body) = api(format!("{base}/identities/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"code": "not_found", "message": "identity not found", "details": [
            {"type": "ResourceInfo", "resource_type": "Identity", "id": id, "description": "identity not found"}
        ]})
    );
    bi.stop().await;
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively_and_found_with_the_filter() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let carol = create_identity(&s, &token, "carol@example.com").await;
    create_identity(&s, &token, "dave@example.com").await;

    let response = http()
        .post(format!("{}/identities", realm_url(&s)))
        .bearer_auth(&token)
        .json(&json!({"identity": {"display_name": "x", "traits": {"type": "traits_v0", "username": "CAROL@example.com"}}}))
        .send()
        .await
        .expect("duplicate");
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"code": "conflict", "message": "username already exists"})
    );

    let found: Value = http()
        .get(format!("{}/identities", realm_url(&s)))
        .query(&[("filter", r#"traits.username eq "Carol@Example.com""#)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(found["total_size"], 1);
    assert_eq!(found["identities"][0]["id"], carol["id"]);

    let all: Value = http()
        .get(format!("{}/identities?page_size=1", realm_url(&s)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(all["total_size"], 2);
    assert_eq!(all["identities"].as_array().map(Vec::len), Some(1));
    assert!(all["next_page_token"].is_string());
}

/// `UpdateIdentity`: what is sent changes, what is omitted stays; a username another
/// identity has is 409, as on create; an unknown identity 404; a bad value 400.
#[tokio::test]
async fn an_identity_is_patched_field_by_field_and_never_onto_another_username() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let erin = create_identity(&s, &token, "erin@example.com").await;
    create_identity(&s, &token, "frank@example.com").await;
    let id = erin["id"].as_str().expect("id");
    let patch = |body: Value, target: &str| {
        http()
            .patch(format!("{}/identities/{target}", realm_url(&s)))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let traits = json!({"identity": {"traits": {"type": "traits_v0", "username": "erin@new.example", "primary_email_address": "erin@new.example"}}});
    let response = patch(traits, id).await.expect("patch");
    assert_eq!(response.status(), 200);
    let patched: Value = response.json().await.expect("json");
    assert_eq!(patched["traits"]["username"], "erin@new.example");
    assert_eq!(
        patched["traits"]["primary_email_address"],
        "erin@new.example"
    );
    assert_eq!(patched["display_name"], "erin@example.com", "omitted, kept");
    assert_ne!(patched["update_time"], erin["update_time"]);

    // Someone else's username, in any case: 409, and nothing changes.
    let taken = json!({"identity": {"traits": {"username": "FRANK@example.com"}}});
    let response = patch(taken, id).await.expect("patch");
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"code": "conflict", "message": "username already exists"})
    );
    // Its own, in another case: allowed.
    let own = json!({"identity": {"traits": {"username": "Erin@New.example"}}});
    assert_eq!(patch(own, id).await.expect("patch").status(), 200);

    let bad = json!({"identity": {"traits": {"primary_email_address": "not-an-address"}}});
    let response = patch(bad, id).await.expect("patch");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "bad_request");
    let unknown = json!({"identity": {"display_name": "x"}});
    assert_eq!(
        patch(unknown, "0000000000000000")
            .await
            .expect("patch")
            .status(),
        404
    );
    bi.stop().await;
}

#[tokio::test]
async fn the_static_api_token_works_and_bad_tokens_get_beyond_identity_errors() {
    let bi = start().await;
    let s = bi.settings();
    let url = format!("{}/identities", realm_url(&s));
    let status_and_body = |request: reqwest::RequestBuilder| async move {
        let r = request.send().await.expect("send");
        (r.status().as_u16(), r.json::<Value>().await.expect("json"))
    };

    let (status, _) = status_and_body(http().get(&url).bearer_auth(&s.api_token)).await;
    assert_eq!(status, 200);
    let unauthorized = json!({"code": "unauthorized", "message": "unauthorized"});
    assert_eq!(
        status_and_body(http().get(&url)).await,
        (401, unauthorized.clone())
    );
    assert_eq!(
        status_and_body(http().get(&url).bearer_auth("not-a-token")).await,
        (401, unauthorized.clone())
    );
    // A token for another tenant is forbidden.
    let token = management_token(&s).await;
    let other = url.replace(&s.tenant_id, "0001ffffffffffff");
    assert_eq!(
        status_and_body(http().get(&other).bearer_auth(&token)).await,
        (403, json!({"code": "forbidden", "message": "forbidden"}))
    );
    // A token with fewer scopes is forbidden where it lacks one.
    let narrow: Value = http()
        .post(format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}/token",
            s.auth_base_url, s.tenant_id, s.admin_realm_id, s.mgmt_application_id
        ))
        .basic_auth(&s.mgmt_client_id, Some(&s.mgmt_client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "identities:read"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    assert_eq!(narrow["scope"], "identities:read");
    let narrow = narrow["access_token"].as_str().expect("token");
    assert_eq!(
        status_and_body(http().get(&url).bearer_auth(narrow))
            .await
            .0,
        200
    );
    let (status, _) = status_and_body(
        http()
            .post(&url)
            .bearer_auth(narrow)
            .json(&json!({"identity": {"display_name": "e", "traits": {"type": "traits_v0", "username": "e"}}})),
    )
    .await;
    assert_eq!(status, 403);
    // An unknown realm is a 404.
    let (status, body) = status_and_body(
        http()
            .get(url.replace(&s.realm_id, "ffffffffffffffff"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("realm not found"))
    );
}

#[tokio::test]
async fn bad_requests_get_beyond_identity_validation_errors() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let url = format!("{}/identities", realm_url(&s));
    let post = |body: &'static str| {
        let (url, token) = (url.clone(), token.clone());
        async move {
            let r = http()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("send");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    assert_eq!(
        post("{not json").await,
        (
            400,
            json!({"code": "bad_request", "message": "invalid request"})
        )
    );
    let (status, body) = post(r#"{"identity": {"display_name": "", "traits": {"type": "traits_v0", "username": "a=b@example.com"}}}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "invalid parameters");
    let violations = &body["details"][0]["field_violations"];
    assert_eq!(body["details"][0]["type"], "FieldViolations");
    assert_eq!(
        violations[0],
        json!({"field": "identity.display_name", "description": "empty string"})
    );
    assert_eq!(violations[1]["field"], "identity.traits.username");

    let (status, body) =
        post(r#"{"identity": {"display_name": "x", "traits": {"username": "x"}}}"#).await;
    assert_eq!(
        (
            status,
            body["details"][0]["field_violations"][0]["field"].as_str()
        ),
        (400, Some("identity.traits.type"))
    );

    // A filter other than the one supported.
    let r = http()
        .get(&url)
        .query(&[("filter", r#"traits.email eq "x""#)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["details"][0]["field_violations"][0]["field"], "filter");

    // EMAIL delivery for an identity without an email address: 422.
    let created: Value = http()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"identity": {"display_name": "noemail", "traits": {"type": "traits_v0", "username": "noemail"}}}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let (status, body) = create_job(&s, &token, created["id"].as_str().expect("id"), "EMAIL").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unprocessable_entity"))
    );
    let (status, body) = create_job(
        &s,
        &token,
        created["id"].as_str().expect("id"),
        "CARRIER_PIGEON",
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("invalid parameters"))
    );
    let (status, body) = create_job(&s, &token, "ffffffffffffffff", "RETURN").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("identity not found"))
    );
    assert!(bi.outbox().is_empty());
}
