//! `passkey-auth`: the operator's command.
//!
//! ```text
//! passkey-auth tenant check [--env FILE]              check a real tenant against the .env
//! passkey-auth tenant setup [--env FILE] [--name N]   create what the app needs, write the .env
//! passkey-auth sessions list --user SUB [--env FILE]  a user's live sessions
//! passkey-auth sessions revoke --user SUB (--all | --id ID) [--env FILE]
//! ```
//!
//! The `.env` (default `./.env`) is read as `make dev` reads it; the process environment
//! wins over it.

use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use passkey_auth::dynamo::{DynamoSessionStore, client};
use passkey_auth::operator::{self, Target};
use passkey_auth::tenant::{self, dotenv};
use passkey_auth::{OperatorConfig, Sessions};

const USAGE: &str = "usage:
  passkey-auth tenant check [--env FILE]
      Checks the Beyond Identity tenant the .env describes (discovery, keys, the client's
      credentials, the management token and its scopes, the application and its
      authenticator config) and prints a checklist with the fix for each problem.
  passkey-auth tenant setup [--env FILE] [--name NAME]
      Creates (or puts right) the Embedded SDK authenticator config and the OIDC
      application named NAME (default \"Passkey Auth\") in BEYOND_IDENTITY_REALM_ID for the
      app at AUTH_URL, writes their values into the .env, then checks the tenant.
      Needs AUTH_URL, the region (or base URLs), the tenant and realm ids and a management
      credential with applications:* and authenticator-configs:* scopes.
  passkey-auth sessions list --user SUB [--env FILE]
      The live sessions of the user whose subject (Beyond Identity identity id) is SUB at
      the issuer of the .env: id, when signed in and last seen, network, device.
  passkey-auth sessions revoke --user SUB (--all | --id ID) [--env FILE]
      Ends one session (ID from `sessions list`) or all of them; each is refused on its
      next request, and with --all a sign-in of the user already under way cannot
      complete. Uses SESSION_TABLE from the .env, and AWS credentials and region from
      the environment (AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 for make dev's).";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    TenantCheck,
    TenantSetup,
    SessionsList,
    SessionsRevoke,
}

struct Args {
    command: Command,
    env_file: PathBuf,
    name: String,
    user: Option<String>,
    target: Option<Target>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = args.peekable();
    let command = match (args.next().as_deref(), args.next().as_deref()) {
        (Some("tenant"), Some("check")) => Command::TenantCheck,
        (Some("tenant"), Some("setup")) => Command::TenantSetup,
        (Some("sessions"), Some("list")) => Command::SessionsList,
        (Some("sessions"), Some("revoke")) => Command::SessionsRevoke,
        _ => return Err(String::new()),
    };
    let mut parsed = Args {
        command,
        env_file: PathBuf::from(".env"),
        name: "Passkey Auth".into(),
        user: None,
        target: None,
    };
    let sessions = matches!(command, Command::SessionsList | Command::SessionsRevoke);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--env" => parsed.env_file = value()?.into(),
            "--name" if command == Command::TenantSetup => parsed.name = value()?,
            "--user" if sessions => parsed.user = Some(value()?),
            "--all" | "--id" if command == Command::SessionsRevoke => {
                let target = match flag.as_str() {
                    "--all" => Target::All,
                    _ => Target::Id(value()?),
                };
                if parsed.target.replace(target).is_some() {
                    return Err("give --all or one --id, not both".into());
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if sessions && parsed.user.is_none() {
        return Err("--user SUB is required".into());
    }
    if command == Command::SessionsRevoke && parsed.target.is_none() {
        return Err("say which sessions: --all, or --id ID".into());
    }
    Ok(parsed)
}

/// 32 random bytes, base64: a new AUTH_SECRET.
fn random_secret() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(STANDARD.encode(bytes))
}

async fn check(args: &Args) -> ExitCode {
    let env = match dotenv::load(&args.env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args.env_file.display());
            return ExitCode::FAILURE;
        }
    };
    let report = tenant::check(&env).await;
    print!("{report}");
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn setup(args: &Args) -> ExitCode {
    let env = match dotenv::load(&args.env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args.env_file.display());
            return ExitCode::FAILURE;
        }
    };
    let outcome = match tenant::setup(&env, &args.name).await {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("tenant setup failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let said = |created| {
        if created {
            "created"
        } else {
            "found, and put right"
        }
    };
    println!(
        "authenticator config \"{}\": {}\napplication \"{}\": {}",
        args.name,
        said(outcome.created_config),
        args.name,
        said(outcome.created_application)
    );
    let mut values = outcome.values;
    if env.var("AUTH_SECRET").is_none() {
        match random_secret() {
            Some(secret) => values.push(("AUTH_SECRET", secret)),
            None => eprintln!("AUTH_SECRET was not written: no random bytes; set it yourself"),
        }
    }
    if let Err(error) = dotenv::write(&args.env_file, &values) {
        eprintln!("{error}");
        return ExitCode::FAILURE;
    }
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    println!(
        "wrote {} to {}\n",
        names.join(", "),
        args.env_file.display()
    );
    check(args).await
}

/// `sessions list` and `sessions revoke`, on the table of the .env.
async fn sessions(args: &Args) -> ExitCode {
    let env = match dotenv::load(&args.env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args.env_file.display());
            return ExitCode::FAILURE;
        }
    };
    let config = match OperatorConfig::load(&env) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let aws = match passkey_auth::aws::config().await {
        Ok(aws) => aws,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let store = DynamoSessionStore::new(client(&aws), config.sessions.table.clone());
    let sessions = Sessions::new(store, config.sessions);
    let user = operator::user(&config.issuer, args.user.as_deref().unwrap_or_default());
    let now = passkey_auth::now();
    let done = match &args.target {
        Some(target) => operator::revoke(&sessions, &user, target, now)
            .await
            .map_err(|e| e.to_string()),
        None => operator::list(&sessions, &user, now)
            .await
            .map_err(|e| e.to_string()),
    };
    match done {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("passkey-auth: {message}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("passkey-auth: {message}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        Command::TenantCheck => check(&args).await,
        Command::TenantSetup => setup(&args).await,
        Command::SessionsList | Command::SessionsRevoke => sessions(&args).await,
    }
}
