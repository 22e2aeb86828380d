//! The emulator itself: the command line and its `.env` output, state kept across
//! restarts, the outbox page, CORS for the SDK calls, and reset.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bi_local::{BiLocal, Options};
use common::{
    create_identity, create_job, enrolled_user, http, management_token, realm_url, start,
    temp_state_file,
};
use serde_json::{Value, json};

/// Kills the child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_binary(state: &std::path::Path) -> (Running, HashMap<String, String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bi-local"))
        .args([
            "--auth-addr",
            "127.0.0.1:0",
            "--api-addr",
            "127.0.0.1:0",
            "--state",
        ])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bi-local runs");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut vars = HashMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(token) = line.strip_prefix("# BEYOND_IDENTITY_API_TOKEN=") {
            vars.insert("BEYOND_IDENTITY_API_TOKEN".to_owned(), token.to_owned());
            break;
        }
        if let Some((name, value)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            vars.insert(name.to_owned(), value.to_owned());
        }
    }
    (running, vars)
}

#[tokio::test]
async fn the_binary_prints_every_setting_and_keeps_its_tenant_across_restarts() {
    let state = temp_state_file("binary");
    let (first, vars) = run_binary(&state);
    for name in [
        "BEYOND_IDENTITY_ISSUER",
        "BEYOND_IDENTITY_CLIENT_ID",
        "BEYOND_IDENTITY_CLIENT_SECRET",
        "BEYOND_IDENTITY_REGION",
        "BEYOND_IDENTITY_TENANT_ID",
        "BEYOND_IDENTITY_REALM_ID",
        "BEYOND_IDENTITY_APPLICATION_CONFIG_ID",
        "BEYOND_IDENTITY_AUTHENTICATOR",
        "BEYOND_IDENTITY_API_TOKEN",
        "BEYOND_IDENTITY_ADMIN_REALM_ID",
        "BEYOND_IDENTITY_MGMT_APPLICATION_ID",
        "BEYOND_IDENTITY_MGMT_CLIENT_ID",
        "BEYOND_IDENTITY_MGMT_CLIENT_SECRET",
        "BEYOND_IDENTITY_AUTH_BASE_URL",
        "BEYOND_IDENTITY_API_BASE_URL",
    ] {
        assert!(
            vars.get(name).is_some_and(|v| !v.is_empty()),
            "{name} missing"
        );
    }
    let issuer = &vars["BEYOND_IDENTITY_ISSUER"];
    let discovery: Value = http()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(&discovery["issuer"], issuer.as_str());
    // Create a user with the static token, then restart.
    let realm = format!(
        "{}/v1/tenants/{}/realms/{}",
        vars["BEYOND_IDENTITY_API_BASE_URL"],
        vars["BEYOND_IDENTITY_TENANT_ID"],
        vars["BEYOND_IDENTITY_REALM_ID"]
    );
    let r = http()
        .post(format!("{realm}/identities"))
        .bearer_auth(&vars["BEYOND_IDENTITY_API_TOKEN"])
        .json(&json!({"identity": {"display_name": "kept", "traits": {"type": "traits_v0", "username": "kept"}}}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 200);
    drop(first);

    let (_second, again) = run_binary(&state);
    for name in [
        "BEYOND_IDENTITY_CLIENT_ID",
        "BEYOND_IDENTITY_CLIENT_SECRET",
        "BEYOND_IDENTITY_TENANT_ID",
        "BEYOND_IDENTITY_API_TOKEN",
    ] {
        assert_eq!(again[name], vars[name], "{name} changed across a restart");
    }
    let realm = realm.replace(
        &vars["BEYOND_IDENTITY_API_BASE_URL"],
        &again["BEYOND_IDENTITY_API_BASE_URL"],
    );
    let listed: Value = http()
        .get(format!("{realm}/identities"))
        .bearer_auth(&again["BEYOND_IDENTITY_API_TOKEN"])
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["total_size"], 1);
    let _ = std::fs::remove_dir_all(state.parent().expect("dir"));
}

#[tokio::test]
async fn the_binary_explains_bad_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_bi-local"))
        .args(["--auth-addr", "nowhere"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an address"));
}

#[tokio::test]
async fn a_corrupt_state_file_is_reported_not_overwritten() {
    let state = temp_state_file("corrupt");
    std::fs::write(&state, "{ not json").expect("write");
    let error = BiLocal::start(Options {
        state_file: Some(state.clone()),
        ..Options::default()
    })
    .await
    .err()
    .expect("refuses to start");
    assert!(
        error.to_string().contains("delete it to start afresh"),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&state).expect("read"), "{ not json");
    let _ = std::fs::remove_dir_all(state.parent().expect("dir"));
}

#[tokio::test]
async fn the_outbox_page_lists_links_escaped() {
    let bi = start().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let identity = create_identity(&s, &token, "o'neil@example.com").await;
    let (status, _) = create_job(&s, &token, identity["id"].as_str().expect("id"), "EMAIL").await;
    assert_eq!(status, 200);
    let page = http()
        .get(format!("{}/_emulator/", bi.auth_url()))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("default-src 'none'")
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("o&#39;neil@example.com"));
    assert!(html.contains("No passkey has been bound yet."));
    let link = &bi.outbox()[0].link;
    assert!(html.contains(&format!("href=\"{link}\"")));
    let json: Value = http()
        .get(format!("{}/_emulator/outbox", bi.auth_url()))
        .send()
        .await
        .expect("outbox")
        .json()
        .await
        .expect("json");
    assert_eq!(json["emails"][0]["to"], "o'neil@example.com");
    assert!(json["emails"][0]["sent_at"].is_string());
    assert!(json["emails"][0]["subject"].is_string());
}

#[tokio::test]
async fn sdk_calls_are_allowed_only_from_trusted_origins() {
    let bi = start().await;
    let url = format!("{}/_emulator/bind", bi.auth_url());
    let preflight = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let refused = http()
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .expect("bind");
    assert_eq!(refused.status(), 403);
    let malformed = http()
        .post(&url)
        .header("origin", "http://localhost:3000")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("bind");
    assert_eq!(malformed.status(), 400);
    assert_eq!(
        malformed.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
}

#[tokio::test]
async fn reset_forgets_users_but_keeps_the_tenant() {
    let bi = start().await;
    let before = bi.settings();
    enrolled_user(&bi, "judy@example.com").await;
    let r = http()
        .post(format!("{}/_emulator/reset", bi.auth_url()))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    let after = bi.settings();
    assert_eq!(before.client_secret, after.client_secret);
    let listed: Value = http()
        .get(format!("{}/identities", realm_url(&after)))
        .bearer_auth(&after.api_token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["total_size"], 0);
}
