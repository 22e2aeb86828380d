//! `passkey-auth tenant check` and `tenant setup` against bi-local, which serves the
//! applications and authenticator-configs endpoints of Beyond Identity's OpenAPI file:
//! a right tenant passes, each misconfiguration is named with its fix, and setup makes an
//! empty realm into one that signs in.

use crate::common;

use std::collections::HashMap;

use bi_local::sdk::{enrolled_user, http, realm_url};
use bi_local::{Authenticator, BiLocal, Options, Settings};
use common::{ORIGIN, Stack};
use passkey_auth::Env;
use passkey_auth_operator::tenant::{self, Outcome, Report, dotenv};
use serde_json::{Value, json};

fn env_of(s: &Settings, extra: &[(&str, &str)]) -> Env {
    let mut vars: HashMap<String, String> = s
        .vars()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    vars.insert("AUTH_URL".into(), ORIGIN.into());
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Env::from_map(vars)
}

fn failures(report: &Report) -> Vec<String> {
    report
        .failures()
        .map(|c| format!("{} | fix: {}", c.what, c.fix.clone().unwrap_or_default()))
        .collect()
}

async fn patch(s: &Settings, path: &str, body: Value) {
    let response = http()
        .patch(format!(
            "{}/v1/tenants/{}/realms/{}{path}",
            s.api_base_url, s.tenant_id, s.realm_id
        ))
        .bearer_auth(&s.api_token)
        .json(&body)
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 200, "{path}");
}

/// Changes the sign-in application's protocol config through the management API.
async fn patch_protocol(s: &Settings, protocol_config: Value) {
    let path = format!("/applications/{}", s.application_id);
    let body = json!({"application": {"protocol_config": protocol_config}});
    patch(s, &path, body).await;
}

/// A management token with only these scopes, from the client-credentials grant.
async fn token_with(s: &Settings, scopes: &[&str]) -> String {
    let answer: Value = http()
        .post(format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}/token",
            s.auth_base_url, s.tenant_id, s.admin_realm_id, s.mgmt_application_id
        ))
        .basic_auth(&s.mgmt_client_id, Some(&s.mgmt_client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", &scopes.join(" ")),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    answer["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test]
async fn a_right_tenant_passes_every_check() {
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let report = tenant::check(&env_of(&bi.settings(), &[])).await;
    assert!(report.passed(), "{report}");
    assert!(
        report.checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{report}"
    );
    let text = report.to_string();
    for expected in [
        "its issuer is BEYOND_IDENTITY_ISSUER exactly",
        "signing key(s)",
        "accepts the client ID and secret",
        "the management token has the scope credential-binding-jobs:create",
        "it requires PKCE S256",
        "its redirect URIs include http://localhost:3000/api/auth/callback/beyondidentity",
        "its tokens' subject is the identity id",
        "its invocation type is Automatic",
        "its trusted origins include http://localhost:3000",
    ] {
        assert!(text.contains(expected), "{expected} not checked:\n{text}");
    }
}

#[tokio::test]
async fn each_misconfiguration_is_named_with_its_fix() {
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let s = bi.settings();
    patch_protocol(
        &s,
        json!({
            "redirect_uris": ["https://elsewhere.example.com/callback"],
            "pkce": "disabled",
        }),
    )
    .await;
    patch(
        &s,
        &format!("/authenticator-configs/{}", s.authenticator_config_id),
        json!({"authenticator_config": {"config": {"invocation_type": "manual"}}}),
    )
    .await;
    let scopes = [
        "identities:create",
        "identities:read",
        "credentials:read",
        "applications:read",
        "authenticator-configs:read",
    ];
    let token = token_with(&s, &scopes).await;
    let report = tenant::check(&env_of(&s, &[("BEYOND_IDENTITY_API_TOKEN", &token)])).await;
    let failed = failures(&report);
    let expected = [
        "the management token has the scope identities:update (needed by the functions) | fix: grant identities:update",
        "the management token has the scope identities:delete (needed by the functions) | fix: grant identities:delete",
        "the management token has the scope credential-binding-jobs:create (needed by the functions) | fix: grant credential-binding-jobs:create",
        "the management token has the scope credential-binding-jobs:read (needed by the functions) | fix: grant credential-binding-jobs:read",
        "the management token has the scope credentials:revoke (needed by the functions) | fix: grant credentials:revoke",
        "it requires PKCE S256 | fix: set PKCE to S256",
        "its redirect URIs include http://localhost:3000/api/auth/callback/beyondidentity | fix: add http://localhost:3000/api/auth/callback/beyondidentity to Redirect URIs",
        "its invocation type is Automatic | fix: set Invocation Type to Automatic",
    ];
    assert_eq!(failed.len(), expected.len(), "{report}");
    for (failure, expected) in failed.iter().zip(expected) {
        assert!(failure.starts_with(expected), "{failure}\n  !~ {expected}");
    }
}

/// BEYOND_IDENTITY_AUTHENTICATOR says which kind of authenticator config the site is
/// built for; the check holds the application's config to it, both ways, and a Hosted
/// Web config to making passkeys.
#[tokio::test]
async fn the_authenticator_config_must_be_of_the_kind_the_site_is_built_for() {
    let hosted = BiLocal::start(Options {
        authenticator: Some(Authenticator::Hosted),
        ..Options::default()
    })
    .await
    .expect("bi-local");
    let s = hosted.settings();
    let report = tenant::check(&env_of(&s, &[])).await;
    assert!(report.passed(), "{report}");
    let text = report.to_string();
    for expected in [
        "the authenticator config is Hosted Web (BEYOND_IDENTITY_AUTHENTICATOR=hosted)",
        "its authentication methods make passkeys",
    ] {
        assert!(text.contains(expected), "{expected} not checked:\n{text}");
    }
    assert!(
        !text.contains("invoke URL"),
        "a hosted config has none:\n{text}"
    );

    let report = tenant::check(&env_of(
        &s,
        &[("BEYOND_IDENTITY_AUTHENTICATOR", "embedded")],
    ))
    .await;
    let failed = failures(&report);
    // Embedded SDK, and its invoke URL: a Hosted Web config has none.
    assert_eq!(failed.len(), 2, "{report}");
    assert!(
        failed[0].starts_with(
            "the authenticator config is Embedded SDK | fix: set Configuration Type to Embedded SDK"
        ),
        "{}",
        failed[0]
    );
    assert!(failed[0].contains("or set BEYOND_IDENTITY_AUTHENTICATOR=hosted"));

    // One-time codes by email beside a passkey: it works, but a code by email signs in
    // without the passkey, so a fresh sign-in proves no passkey. A warning.
    let warnings = |report: &tenant::Report| -> Vec<String> {
        report
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Warn)
            .map(|c| c.what.clone())
            .collect()
    };
    let passkeys_only = tenant::check(&env_of(&s, &[])).await;
    assert_eq!(warnings(&passkeys_only), Vec::<String>::new());
    patch(
        &s,
        &format!("/authenticator-configs/{}", s.authenticator_config_id),
        json!({"authenticator_config": {"config": {"authentication_methods": [{"type": "software_passkey"}, {"type": "email_one_time_password"}]}}}),
    )
    .await;
    let report = tenant::check(&env_of(&s, &[])).await;
    assert!(report.passed(), "{report}");
    assert_eq!(
        warnings(&report),
        [
            "its authentication methods include one-time codes by email, which sign in without a passkey"
        ]
    );

    patch(
        &s,
        &format!("/authenticator-configs/{}", s.authenticator_config_id),
        json!({"authenticator_config": {"config": {"authentication_methods": [{"type": "email_one_time_password"}]}}}),
    )
    .await;
    let report = tenant::check(&env_of(&s, &[])).await;
    assert_eq!(
        failures(&report),
        [
            "its authentication methods make passkeys (webauthn_passkey or software_passkey) | fix: add Passkey (WebAuthn) or Passkey (software) to the authentication methods in the Beyond Identity console, Applications → your app → Authenticator Config"
        ]
    );

    let embedded = BiLocal::start(Options::default()).await.expect("bi-local");
    let report = tenant::check(&env_of(
        &embedded.settings(),
        &[("BEYOND_IDENTITY_AUTHENTICATOR", "hosted")],
    ))
    .await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{report}");
    assert!(failed[0].starts_with("the authenticator config is Hosted Web (BEYOND_IDENTITY_AUTHENTICATOR=hosted) | fix: set Configuration Type to Hosted Web"));
}

/// An application that also allows the client credentials grant signs in, so the check
/// passes; the grant it does not need (tokens without a user) is named with where to
/// untick it, rather than reported as credentials the check could not verify.
#[tokio::test]
async fn an_application_that_also_allows_client_credentials_is_a_warning() {
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let s = bi.settings();
    let grants = json!({"grant_type": ["authorization_code", "client_credentials"]});
    patch_protocol(&s, grants).await;
    let report = tenant::check(&env_of(&s, &[])).await;
    assert!(report.passed(), "{report}");
    let warnings: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Warn)
        .map(|c| (c.what.as_str(), c.fix.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(warnings.len(), 1, "{report}");
    let (what, fix) = warnings[0];
    assert_eq!(
        what, "the application also allows the client credentials grant",
        "{report}"
    );
    assert!(
        fix.starts_with("the product needs Authorization Code only: untick Client Credentials"),
        "{fix}"
    );
}

#[tokio::test]
async fn wrong_settings_are_named_too() {
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let s = bi.settings();
    let issuer = format!("{}/", s.issuer);
    let report = tenant::check(&env_of(
        &s,
        &[
            ("BEYOND_IDENTITY_CLIENT_SECRET", "not-the-secret"),
            ("BEYOND_IDENTITY_ISSUER", &issuer),
            ("AUTH_URL", "http://localhost:4000"),
        ],
    ))
    .await;
    let text = failures(&report).join("\n");
    assert!(
        text.contains(&format!("fix: set BEYOND_IDENTITY_ISSUER={}", s.issuer)),
        "{text}"
    );
    assert!(text.contains("refuses the client ID and secret"), "{text}");
    assert!(
        text.contains("add http://localhost:4000/api/auth/callback/beyondidentity"),
        "{text}"
    );
    assert!(
        text.contains("set Invoke URL to http://localhost:4000"),
        "{text}"
    );

    // Management credentials the token endpoint refuses are named as refused (not as an
    // API that is down, which has another fix).
    let report = tenant::check(&env_of(
        &s,
        &[("BEYOND_IDENTITY_MGMT_CLIENT_SECRET", "not-the-secret")],
    ))
    .await;
    let text = failures(&report).join("\n");
    assert!(
        text.contains("no management API token: the management API refused our credentials"),
        "{text}"
    );

    let mut vars = env_of(&s, &[]).to_map();
    vars.remove("BEYOND_IDENTITY_CLIENT_ID");
    vars.remove("BEYOND_IDENTITY_APPLICATION_CONFIG_ID");
    let report = tenant::check(&Env::from_map(vars)).await;
    let text = failures(&report).join("\n");
    assert!(
        text.contains("BEYOND_IDENTITY_CLIENT_ID is missing"),
        "{text}"
    );
    assert!(
        text.contains("BEYOND_IDENTITY_APPLICATION_CONFIG_ID is missing"),
        "{text}"
    );
}

/// bi-local with an application realm that has no application and no authenticator
/// config yet.
async fn empty_realm() -> BiLocal {
    BiLocal::start(Options {
        empty_realm: true,
        ..Options::default()
    })
    .await
    .expect("bi-local")
}

/// The outcome of the check whose description starts with `what`.
fn outcome_of(report: &Report, what: &str) -> Option<Outcome> {
    report
        .checks
        .iter()
        .find(|c| c.what.starts_with(what))
        .map(|c| c.outcome)
}

/// Another OpenID provider (a stand-in serving discovery, an empty JWKS and a failing
/// token endpoint): what it lacks is named, and a token endpoint that cannot say whether
/// the client's credentials are right is a warning, neither a pass nor "it also allows
/// client credentials".
#[tokio::test]
async fn a_provider_without_pkce_basic_auth_or_keys_is_named() {
    use axum::routing::{get, post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("address"));
    let discovery = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/jwks", get(|| async { axum::Json(json!({"keys": []})) }))
        .route(
            "/token",
            post(|| async { axum::http::StatusCode::SERVICE_UNAVAILABLE }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let env = env_of(&bi.settings(), &[("BEYOND_IDENTITY_ISSUER", &issuer)]);
    let report = tenant::check(&env).await;
    for (what, outcome) in [
        ("discovery answers", Outcome::Pass),
        ("the provider supports PKCE S256", Outcome::Fail),
        ("the provider accepts client_secret_basic", Outcome::Fail),
        ("the provider publishes 0 signing key(s)", Outcome::Fail),
        (
            "the client's credentials could not be verified (the token endpoint answered 503",
            Outcome::Warn,
        ),
    ] {
        assert_eq!(outcome_of(&report, what), Some(outcome), "{what}\n{report}");
    }
}

/// A realm other than the issuer's, an application or an authenticator config that is not
/// there: each is named (a 404 is never read as the thing itself).
#[tokio::test]
async fn a_realm_application_or_config_that_is_not_there_is_named() {
    let bi = BiLocal::start(Options::default()).await.expect("bi-local");
    let s = bi.settings();
    let issuer = s.issuer.replace(&s.application_id, "no-such-app");
    let report = tenant::check(&env_of(
        &s,
        &[
            ("BEYOND_IDENTITY_ISSUER", &issuer),
            ("BEYOND_IDENTITY_APPLICATION_CONFIG_ID", "no-such-config"),
        ],
    ))
    .await;
    let text = failures(&report).join("\n");
    for expected in [
        "the application no-such-app cannot be read: answered 404",
        "the authenticator config no-such-config cannot be read: answered 404",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }

    let report = tenant::check(&env_of(
        &s,
        &[("BEYOND_IDENTITY_REALM_ID", "another-realm")],
    ))
    .await;
    let text = failures(&report).join("\n");
    let expected = format!(
        "set BEYOND_IDENTITY_TENANT_ID={} and BEYOND_IDENTITY_REALM_ID={}",
        s.tenant_id, s.realm_id
    );
    assert!(text.contains(&expected), "{expected}:\n{text}");
}

#[tokio::test]
async fn setup_makes_an_empty_realm_sign_in_and_can_run_twice() {
    let bi = empty_realm().await;
    let before = bi.settings();
    assert!(before.issuer.is_empty(), "the realm starts empty");
    let env = env_of(&before, &[]);
    let report = tenant::check(&env).await;
    assert!(!report.passed());

    let first = tenant::setup(&env, "Passkey Auth").await.expect("setup");
    assert!(first.created_config && first.created_application);
    let second = tenant::setup(&env, "Passkey Auth")
        .await
        .expect("setup again");
    assert!(!second.created_config && !second.created_application);
    assert_eq!(
        first.values, second.values,
        "the same application both times"
    );

    let values: HashMap<&str, String> = first.values.iter().cloned().collect();
    let mut vars = env.to_map();
    vars.extend(values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let report = tenant::check(&Env::from_map(vars)).await;
    assert!(report.passed(), "{report}");

    // The functions, configured with what setup wrote, sign a user in.
    let stack = Stack::build(bi, |vars| {
        for (name, value) in &values {
            vars.insert((*name).to_owned(), value.clone());
        }
    })
    .await;
    let (_, passkey) = enrolled_user(&stack.bi, "lea@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let session = stack.get_session(&[&cookie]).await.json();
    assert_eq!(session["user"]["email"], "lea@example.com");
}

/// In hosted mode, setup makes a Hosted Web config, and the user it enrols signs in
/// through Beyond Identity's hosted page.
#[tokio::test]
async fn setup_in_hosted_mode_makes_a_hosted_web_config_that_signs_in() {
    let bi = empty_realm().await;
    let env = env_of(
        &bi.settings(),
        &[("BEYOND_IDENTITY_AUTHENTICATOR", "hosted")],
    );
    let outcome = tenant::setup(&env, "Passkey Auth").await.expect("setup");
    let values: HashMap<&str, String> = outcome.values.iter().cloned().collect();
    let mut vars = env.to_map();
    vars.extend(values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let report = tenant::check(&Env::from_map(vars)).await;
    assert!(report.passed(), "{report}");
    assert!(
        report
            .to_string()
            .contains("the authenticator config is Hosted Web")
    );

    let stack = Stack::build(bi, |vars| {
        vars.insert("BEYOND_IDENTITY_AUTHENTICATOR".into(), "hosted".into());
        for (name, value) in &values {
            vars.insert((*name).to_owned(), value.clone());
        }
    })
    .await;
    let s = stack.bi.settings();
    let (_, passkey) = enrolled_user(&stack.bi, "hosted@example.com").await;
    let signin = stack
        .get_signin("/api/auth/signin?callbackUrl=%2F", &[])
        .await;
    let authorize = http()
        .get(signin.location())
        .send()
        .await
        .expect("authorize");
    assert_eq!(authorize.status(), 302);
    let hosted = authorize.headers()["location"].to_str().expect("location");
    assert!(
        hosted.starts_with(&format!(
            "{}/authenticator/v1/tenants/{}/realms/{}/authenticator-configs/{}/bi-authenticate?request=",
            s.auth_base_url, s.tenant_id, s.realm_id, s.authenticator_config_id
        )),
        "{hosted}"
    );
    let cookie = stack.sign_in(&passkey).await;
    let session = stack.get_session(&[&cookie]).await.json();
    assert_eq!(session["user"]["email"], "hosted@example.com");
}

/// Setup finds its own items by name on any page of the list (a page holds 200 at most):
/// run again on a realm with 200 other authenticator configs, it creates nothing.
#[tokio::test]
async fn setup_finds_its_items_past_the_first_page() {
    let bi = empty_realm().await;
    let s = bi.settings();
    for i in 0..200 {
        let created = http()
            .post(format!("{}/authenticator-configs", realm_url(&s)))
            .bearer_auth(&s.api_token)
            .json(&json!({"authenticator_config": {
                "display_name": format!("another app {i}"),
                "config": {"type": "embedded", "invoke_url": ORIGIN, "trusted_origins": [ORIGIN]},
            }}))
            .send()
            .await
            .expect("create");
        assert!(created.status().is_success(), "{}", created.status());
    }
    let env = env_of(&s, &[]);
    let first = tenant::setup(&env, "Passkey Auth").await.expect("setup");
    assert!(first.created_config, "the 201st config");
    let second = tenant::setup(&env, "Passkey Auth")
        .await
        .expect("setup again");
    assert!(!second.created_config, "found on the second page");
    assert_eq!(first.values, second.values);
}

/// A last page that says `"next_page_token": ""` (Beyond Identity leaves the key out,
/// its OpenAPI file says; some list APIs send an empty string instead) ends
/// the search: setup lists once and goes on to create its item, where a client that took
/// `""` for a token would ask for the same page for ever. A stand-in of the management
/// API answers the list, refuses a second listing, and stops setup at the creation.
#[tokio::test]
async fn an_empty_page_token_is_the_last_page() {
    use axum::extract::RawQuery;
    use axum::http::{Method, StatusCode};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listings = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = listings.clone();
    let app = axum::Router::new().fallback(move |method: Method, query: RawQuery| {
        let counted = counted.clone();
        async move {
            if method != Method::GET {
                let stop = json!({"message": "the stand-in stops here"});
                return (StatusCode::CONFLICT, axum::Json(stop));
            }
            counted.fetch_add(1, Ordering::SeqCst);
            if query.0.unwrap_or_default().contains("page_token") {
                let again = json!({"message": "the last page was asked for again"});
                return (StatusCode::BAD_REQUEST, axum::Json(again));
            }
            let page = json!({
                "authenticator_configs": [{"id": "other", "display_name": "Another app"}],
                "total_size": 1,
                "next_page_token": "",
            });
            (StatusCode::OK, axum::Json(page))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let api_base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let bi = empty_realm().await;
    let env = env_of(
        &bi.settings(),
        &[
            ("BEYOND_IDENTITY_API_BASE_URL", &api_base),
            ("BEYOND_IDENTITY_API_TOKEN", "stand-in-token"),
        ],
    );
    let error = tenant::setup(&env, "Passkey Auth")
        .await
        .expect_err("the stand-in refuses the creation");
    assert!(
        error
            .to_string()
            .contains("refused creating Passkey Auth (409)"),
        "{error}"
    );
    assert_eq!(listings.load(Ordering::SeqCst), 1, "one listing");
}

// Several worker threads: the command runs as a blocking child process while bi-local
// answers it from this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_writes_the_env_file_and_checks_it() {
    let bi = empty_realm().await;
    let s = bi.settings();
    let dir = std::env::temp_dir().join(format!("tenant-setup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(".env");
    let mut text = String::from("# my settings\nAUTH_URL=http://localhost:3000\n");
    for (name, value) in s.vars().into_iter().filter(|(_, v)| !v.is_empty()) {
        text.push_str(&format!("{name}={value}\n"));
    }
    std::fs::write(&file, &text).expect("write");

    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_passkey-auth"))
            .args(args)
            .arg("--env")
            .arg(&file)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("passkey-auth runs")
    };
    let check = run(&["tenant", "check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "an empty realm fails the check"
    );
    let setup = run(&["tenant", "setup"]);
    let out = String::from_utf8_lossy(&setup.stdout);
    assert!(
        setup.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    assert!(
        out.contains("application \"Passkey Auth\": created"),
        "{out}"
    );
    assert!(
        out.contains("Everything that can be checked from here is right."),
        "{out}"
    );
    let written = dotenv::parse(&std::fs::read_to_string(&file).expect("read"));
    assert!(written["BEYOND_IDENTITY_ISSUER"].starts_with(&s.auth_base_url));
    assert_eq!(written["AUTH_URL"], "http://localhost:3000");
    assert!(written.contains_key("AUTH_SECRET"), "a new AUTH_SECRET");
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .starts_with("# my settings\n"),
        "the user's lines are kept"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}
