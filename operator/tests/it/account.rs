//! `passkey-auth account delete`: the real binary against bi-local and the local DynamoDB
//! server, on an account made and signed in for real.

use crate::common;

use std::process::{Command, Output};

use bi_local::sdk::enrolled_user;
use common::Stack;

/// Runs the command on a thread of its own: bi-local answers it from this test's runtime.
async fn run(stack: &Stack, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passkey-auth"));
    command
        .args(args)
        .args(["--env", "/nonexistent/.env"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(stack.bi.settings().vars())
        .env("SESSION_TABLE", &stack.table)
        .env("AWS_ENDPOINT_URL_DYNAMODB", &stack.dynamo.endpoint)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_REGION", "us-east-1");
    tokio::task::spawn_blocking(move || command.output().expect("passkey-auth runs"))
        .await
        .expect("joined")
}

#[tokio::test]
async fn an_operator_deletes_an_account_only_when_told_yes_and_again_changes_nothing() {
    let stack = Stack::start().await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bobs_passkey) = enrolled_user(&stack.bi, "bob@example.com").await;
    let sub = alice["id"].as_str().expect("id");
    let first = stack.sign_in(&passkey).await;
    let second = stack.sign_in(&passkey).await;
    let bobs = stack.sign_in(&bobs_passkey).await;

    // Without --yes: nothing happens, and it says why.
    let refused = run(&stack, &["account", "delete", "--user", sub]).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert!(stack.is_signed_in(&first).await);
    assert_eq!(stack.identity(sub).await.0, 200);

    let done = run(&stack, &["account", "delete", "--user", sub, "--yes"]).await;
    let text = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        text,
        format!(
            "deleted the account of {sub}: 2 sessions ended; the identity and its passkeys \
             deleted at Beyond Identity\n"
        )
    );
    assert!(!stack.is_signed_in(&first).await);
    assert!(!stack.is_signed_in(&second).await);
    assert!(stack.is_signed_in(&bobs).await);
    assert_eq!(stack.identity(sub).await.0, 404);

    // Again: nothing left to do, and it says so.
    let again = run(&stack, &["account", "delete", "--user", sub, "--yes"]).await;
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        format!(
            "deleted the account of {sub}: 0 sessions ended; the identity was already gone at \
             Beyond Identity\n"
        )
    );
}
