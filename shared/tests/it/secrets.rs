//! Secrets from Parameter Store: a deployed function reads the SecureString parameters it
//! names, in one signed call, before its configuration (against moto's SSM API, the same
//! server as the local DynamoDB).

use crate::common;

use std::process::Command;

use common::LocalDynamo;
use passkey_auth::config::parameter_store::{SecretsError, resolve};
use passkey_auth::{Env, SignInConfig};

fn put(endpoint: &str, name: &str, value: &str) {
    let aws = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/aws");
    let status = Command::new(aws)
        .args([
            "--endpoint-url",
            endpoint,
            "ssm",
            "put-parameter",
            "--type",
            "SecureString",
            "--overwrite",
        ])
        .args(["--name", name, "--value", value])
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the aws CLI (scripts/bootstrap.sh installs it)");
    assert!(status.success(), "put-parameter {name}");
}

#[tokio::test]
async fn a_function_reads_its_secrets_before_its_configuration() {
    let moto = LocalDynamo::start();
    let prefix = format!("/secrets-test-{}/", std::process::id());
    put(
        &moto.endpoint,
        &format!("{prefix}AUTH_SECRET"),
        "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=",
    );
    put(
        &moto.endpoint,
        &format!("{prefix}BEYOND_IDENTITY_CLIENT_SECRET"),
        "from-parameter-store",
    );
    put(
        &moto.endpoint,
        &format!("{prefix}NOT_MINE"),
        "another function's secret",
    );

    let env = Env::from_pairs([
        ("AUTH_URL", "https://app.example.com"),
        ("SESSION_TABLE", "t"),
        ("BEYOND_IDENTITY_ISSUER", "https://idp.example.com"),
        ("BEYOND_IDENTITY_CLIENT_ID", "client"),
        ("SECRETS_PREFIX", prefix.as_str()),
        // The optional API token has no parameter: it stays absent. Ten names, the most
        // one call reads (the last seven are optional and have no parameter either).
        (
            "SECRET_NAMES",
            "AUTH_SECRET, BEYOND_IDENTITY_CLIENT_SECRET,BEYOND_IDENTITY_API_TOKEN?,A?,B?,C?,D?,E?,F?,G?",
        ),
        ("AWS_ENDPOINT_URL_SSM", moto.endpoint.as_str()),
    ]);
    assert!(
        SignInConfig::load(&env).is_err(),
        "no secrets in the environment"
    );
    let env = resolve(
        env,
        &passkey_auth::outbound::aws::config()
            .await
            .expect("AWS settings"),
    )
    .await
    .expect("resolved");
    let config = SignInConfig::load(&env).expect("a complete configuration");
    assert_eq!(
        config
            .provider
            .client_secret
            .as_ref()
            .expect("a client secret")
            .expose(),
        "from-parameter-store"
    );
    assert_eq!(env.var("BEYOND_IDENTITY_API_TOKEN"), None);
    assert_eq!(env.var("NOT_MINE"), None, "only the names it lists");
}

/// Fail closed: a required secret without its parameter (say, `ORIGIN_VERIFY_SECRET`,
/// whose absence would switch the CloudFront check off) stops the cold start, and the
/// error names every one missing, never a value.
#[tokio::test]
async fn a_required_secret_missing_from_parameter_store_stops_the_function() {
    let moto = LocalDynamo::start();
    let prefix = format!("/secrets-missing-{}/", std::process::id());
    put(&moto.endpoint, &format!("{prefix}AUTH_SECRET"), "present");
    let env = Env::from_pairs([
        ("SECRETS_PREFIX", prefix.as_str()),
        (
            "SECRET_NAMES",
            "AUTH_SECRET,ORIGIN_VERIFY_SECRET,BEYOND_IDENTITY_API_TOKEN?,AUDIT_KEY",
        ),
        ("AWS_ENDPOINT_URL_SSM", moto.endpoint.as_str()),
    ]);
    let Err(error) = resolve(
        env,
        &passkey_auth::outbound::aws::config()
            .await
            .expect("AWS settings"),
    )
    .await
    else {
        panic!("a required secret is missing, and the function started");
    };
    assert!(
        matches!(&error, SecretsError::Missing { names, .. } if names == &["ORIGIN_VERIFY_SECRET", "AUDIT_KEY"]),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "these secrets are not in Parameter Store under {prefix}: ORIGIN_VERIFY_SECRET, AUDIT_KEY"
        )
    );
}

#[tokio::test]
async fn without_a_prefix_the_settings_are_used_as_they_are_and_limits_hold() {
    let env = Env::from_pairs([("AUTH_SECRET", "local")]);
    let same = resolve(
        env,
        &passkey_auth::outbound::aws::config()
            .await
            .expect("AWS settings"),
    )
    .await
    .expect("nothing to resolve");
    assert_eq!(same.var("AUTH_SECRET"), Some("local"));

    let names = (0..11)
        .map(|i| format!("S{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let env = Env::from_pairs([("SECRETS_PREFIX", "/x/"), ("SECRET_NAMES", names.as_str())]);
    assert!(matches!(
        resolve(
            env,
            &passkey_auth::outbound::aws::config()
                .await
                .expect("AWS settings")
        )
        .await,
        Err(SecretsError::TooMany(11))
    ));

    // Parameter Store out of reach: the function refuses to start, with the reason.
    let env = Env::from_pairs([
        ("SECRETS_PREFIX", "/x/"),
        ("SECRET_NAMES", "AUTH_SECRET"),
        ("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9"),
    ]);
    assert!(matches!(
        resolve(
            env,
            &passkey_auth::outbound::aws::config()
                .await
                .expect("AWS settings")
        )
        .await,
        Err(SecretsError::Unavailable(_))
    ));
}
