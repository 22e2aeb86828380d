//! `passkey-auth sessions list|revoke`, the operator's incident response: the real binary
//! against the local DynamoDB server, on sessions made by real sign-ins.

use crate::common;

use std::process::{Command, Output};

use bi_local::sdk::enrolled_user;
use common::Stack;

fn run(stack: &Stack, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_passkey-auth"))
        .args(args)
        .args(["--env", "/nonexistent/.env"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SESSION_TABLE", &stack.table)
        .env("BEYOND_IDENTITY_ISSUER", &stack.config.provider.issuer)
        .env("AWS_ENDPOINT_URL_DYNAMODB", &stack.dynamo.endpoint)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("passkey-auth runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("utf-8")
}

#[tokio::test]
async fn operators_list_and_end_one_or_all_sessions_of_a_user() {
    let stack = Stack::start().await;
    let (alice, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (bob, bobs_passkey) = enrolled_user(&stack.bi, "bob@example.com").await;
    let sub = alice["id"].as_str().expect("id");
    let first = stack.sign_in(&passkey).await;
    let second = stack.sign_in(&passkey).await;
    let third = stack.sign_in(&passkey).await;
    let bobs = stack.sign_in(&bobs_passkey).await;

    let listed = stdout(&run(&stack, &["sessions", "list", "--user", sub]));
    assert!(
        listed.starts_with(&format!("3 live sessions of {sub}\n")),
        "{listed}"
    );
    let ids: Vec<&str> = listed
        .lines()
        .skip(2)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(ids.len(), 3, "{listed}");
    assert!(listed.contains("203.0.113.0/24"), "{listed}");

    // One session by id: exactly one of Alice's three is signed out.
    let ended = stdout(&run(
        &stack,
        &["sessions", "revoke", "--user", sub, "--id", ids[0]],
    ));
    assert_eq!(ended, format!("ended session {} of {sub}\n", ids[0]));
    let mut live = 0;
    for cookie in [&first, &second, &third] {
        live += usize::from(stack.is_signed_in(cookie).await);
    }
    assert_eq!(live, 2);
    // Again, or an id that is not Alice's: a failure that says so.
    let again = run(
        &stack,
        &["sessions", "revoke", "--user", sub, "--id", ids[0]],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("has no live session with the id"));

    let ended = stdout(&run(
        &stack,
        &["sessions", "revoke", "--user", sub, "--all"],
    ));
    assert!(
        ended.starts_with(&format!("ended 2 sessions of {sub}")),
        "{ended}"
    );
    for cookie in [&first, &second, &third] {
        assert!(!stack.is_signed_in(cookie).await);
    }
    assert!(stack.is_signed_in(&bobs).await, "only Alice's sessions end");
    let bob_sub = bob["id"].as_str().expect("id");
    assert!(
        stdout(&run(&stack, &["sessions", "list", "--user", bob_sub]))
            .starts_with("1 live session of")
    );
    assert_eq!(
        stdout(&run(&stack, &["sessions", "list", "--user", sub])),
        format!("0 live sessions of {sub}\n")
    );
}

#[test]
fn bad_command_lines_say_what_is_wrong() {
    for (args, says) in [
        (
            &["sessions", "list"][..],
            "required arguments were not provided:\n  --user <SUB>",
        ),
        (
            &["sessions", "revoke", "--user", "u"][..],
            "required arguments were not provided:\n  <--all|--id <ID>>",
        ),
        (
            &["sessions", "revoke", "--user", "u", "--all", "--id", "x"][..],
            "'--all' cannot be used with '--id <ID>'",
        ),
        (
            &["sessions", "list", "--user", "u", "--all"][..],
            "unexpected argument '--all'",
        ),
        (
            &["tenant"][..],
            "Usage: passkey-auth tenant [OPTIONS] <COMMAND>",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_passkey-auth"))
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(says),
            "{args:?}"
        );
    }
}
