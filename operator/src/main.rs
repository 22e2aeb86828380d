//! `passkey-auth`: the operator's command.
//!
//! ```text
//! passkey-auth tenant check [--env FILE]              check a real tenant against the .env
//! passkey-auth tenant setup [--env FILE] [--name N]   create what the app needs, write the .env
//! passkey-auth sessions list --user SUB [--env FILE]  a user's live sessions
//! passkey-auth sessions revoke --user SUB (--all | --id ID) [--env FILE]
//! passkey-auth account delete --user SUB --yes [--env FILE]
//! ```
//!
//! The `.env` (default `./.env`) is read as `make dev` reads it; the process environment
//! wins over it. `passkey-auth --help`, and each command's `--help`, say the rest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Parser, Subcommand};
use passkey_auth::management::{BiManagementClient, RetryPolicy};
use passkey_auth::store::dynamo::{DynamoSessionStore, client};
use passkey_auth::{AccountOperatorConfig, OperatorConfig, Sessions};
use passkey_auth_operator::account;
use passkey_auth_operator::sessions::{self, Target};
use passkey_auth_operator::tenant::{self, dotenv};

/// The operator's command: the tenant, and the sessions and account of a user.
#[derive(Parser)]
#[command(name = "passkey-auth", version)]
struct Cli {
    /// The settings, read as `make dev` reads them; the process environment wins.
    #[arg(
        long = "env",
        value_name = "FILE",
        default_value = ".env",
        global = true
    )]
    env_file: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The Beyond Identity tenant the .env describes.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// A user's sessions, in SESSION_TABLE.
    ///
    /// AWS credentials and region come from the environment
    /// (AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 for make dev's table).
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// A user's account: in SESSION_TABLE and at Beyond Identity.
    ///
    /// AWS credentials as for `sessions`; the management API's settings as the functions
    /// read them.
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Deletes an account, as its user can on the account page.
    ///
    /// Every session ends and the sign-ins under way are void, the user's items leave the
    /// table, then the identity and its passkeys are deleted at Beyond Identity. It cannot
    /// be undone; the same address can register again as a new account. Run it again to
    /// complete a deletion that failed half-way.
    Delete {
        /// The user's subject (Beyond Identity identity id) at the issuer of the .env.
        #[arg(long, value_name = "SUB")]
        user: String,
        /// Yes, delete it: nothing is deleted without this.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Checks the tenant and prints a checklist with the fix for each problem.
    ///
    /// Discovery, keys, the client's credentials, the management token and its scopes,
    /// the application and its authenticator config.
    Check,
    /// Creates what the app needs in the realm, writes the .env, then checks the tenant.
    ///
    /// Creates (or puts right) the Embedded SDK authenticator config and the OIDC
    /// application in BEYOND_IDENTITY_REALM_ID for the app at AUTH_URL and writes their
    /// values into the .env. Needs the region (or base URLs), the tenant and realm ids and
    /// a management credential with the applications:* and authenticator-configs:* scopes.
    Setup {
        /// The name of the application and of its authenticator config.
        #[arg(long, default_value = "Passkey Auth")]
        name: String,
    },
}

#[derive(Subcommand)]
enum SessionsCommand {
    /// The live sessions of a user: id, when signed in and last seen, network, device.
    List {
        /// The user's subject (Beyond Identity identity id) at the issuer of the .env.
        #[arg(long, value_name = "SUB")]
        user: String,
    },
    /// Ends one session or all of them.
    ///
    /// Each is refused on its next request, and with --all a sign-in of the user already
    /// under way cannot complete.
    Revoke {
        /// The user's subject (Beyond Identity identity id) at the issuer of the .env.
        #[arg(long, value_name = "SUB")]
        user: String,
        #[command(flatten)]
        which: Which,
    },
}

/// Which sessions to end: all, or one.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct Which {
    /// Every session of the user.
    #[arg(long)]
    all: bool,
    /// One session, by the id `sessions list` shows.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
}

impl Which {
    fn target(self) -> Target {
        match self.id {
            Some(id) => Target::Id(id),
            None => Target::All,
        }
    }
}

/// 32 random bytes, base64: a new AUTH_SECRET.
fn random_secret() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(STANDARD.encode(bytes))
}

async fn check(env_file: &Path) -> ExitCode {
    let env = match dotenv::load(env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", env_file.display());
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

async fn setup(env_file: &Path, name: &str) -> ExitCode {
    let env = match dotenv::load(env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", env_file.display());
            return ExitCode::FAILURE;
        }
    };
    let outcome = match tenant::setup(&env, name).await {
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
        name,
        said(outcome.created_config),
        name,
        said(outcome.created_application)
    );
    let mut values = outcome.values;
    if env.var("AUTH_SECRET").is_none() {
        match random_secret() {
            Some(secret) => values.push(("AUTH_SECRET", secret)),
            None => eprintln!("AUTH_SECRET was not written: no random bytes; set it yourself"),
        }
    }
    if let Err(error) = dotenv::write(env_file, &values) {
        eprintln!("{error}");
        return ExitCode::FAILURE;
    }
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    println!("wrote {} to {}\n", names.join(", "), env_file.display());
    check(env_file).await
}

/// `sessions list` (no target) and `sessions revoke`, on the table of the .env.
async fn sessions(env_file: &Path, user: &str, target: Option<Target>) -> ExitCode {
    let env = match dotenv::load(env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", env_file.display());
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
    let aws = match passkey_auth::outbound::aws::config().await {
        Ok(aws) => aws,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let table = DynamoSessionStore::new(client(&aws), config.sessions.table.clone());
    let store = Sessions::new(table, config.sessions);
    let user = sessions::user(&config.issuer, user);
    let now = passkey_auth::now();
    let done = match &target {
        Some(target) => sessions::revoke(&store, &user, target, now)
            .await
            .map_err(|e| e.to_string()),
        None => sessions::list(&store, &user, now)
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

/// `account delete`, on the table and the realm of the .env.
async fn delete_account(env_file: &Path, user: &str, yes: bool) -> ExitCode {
    if !yes {
        eprintln!(
            "passkey-auth: this deletes the account of {user}, its sessions and its passkeys, \
             and cannot be undone; run it again with --yes"
        );
        return ExitCode::FAILURE;
    }
    let env = match dotenv::load(env_file) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot read {}: {e}", env_file.display());
            return ExitCode::FAILURE;
        }
    };
    let config = match AccountOperatorConfig::load(&env) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let (aws, api) = match (
        passkey_auth::outbound::aws::config().await,
        BiManagementClient::new(config.management, RetryPolicy::default()),
    ) {
        (Ok(aws), Ok(api)) => (aws, api),
        (Err(e), _) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
        (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let operator = config.operator;
    let table = DynamoSessionStore::new(client(&aws), operator.sessions.table.clone());
    let store = Sessions::new(table, operator.sessions);
    let user = sessions::user(&operator.issuer, user);
    match account::delete(&api, &store, &user, passkey_auth::now()).await {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("passkey-auth: {error}; run it again to complete the deletion");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let env_file = cli.env_file.as_path();
    match cli.command {
        Command::Tenant(TenantCommand::Check) => check(env_file).await,
        Command::Tenant(TenantCommand::Setup { name }) => setup(env_file, &name).await,
        Command::Sessions(SessionsCommand::List { user }) => sessions(env_file, &user, None).await,
        Command::Sessions(SessionsCommand::Revoke { user, which }) => {
            sessions(env_file, &user, Some(which.target())).await
        }
        Command::Account(AccountCommand::Delete { user, yes }) => {
            delete_account(env_file, &user, yes).await
        }
    }
}
