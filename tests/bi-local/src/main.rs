//! `bi-local [--auth-addr 127.0.0.1:8021] [--api-addr 127.0.0.1:8023] [--state FILE]
//! [--app-origin http://localhost:3000] [--invocation automatic|manual]
//! [--authenticator embedded|hosted] [--empty-realm]
//! [--id-token-claims] [--cloud-addr 127.0.0.1:8443]`
//!
//! Prints the app's `BEYOND_IDENTITY_*` settings as `.env` lines on standard output,
//! logs to standard error, and serves until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use bi_local::{Authenticator, BiLocal, Invocation, Options};

const USAGE: &str = "usage: bi-local [--auth-addr ADDR] [--api-addr ADDR] [--state FILE] \
[--app-origin ORIGIN] [--invocation automatic|manual] [--authenticator embedded|hosted] \
[--empty-realm] [--id-token-claims] [--cloud-addr ADDR]

  --auth-addr ADDR     the OIDC / auth host (default 127.0.0.1:8021; port 0 picks one)
  --api-addr ADDR      the management API host (default 127.0.0.1:8023)
  --state FILE         keep the tenant, keys, users and passkeys in FILE across restarts
  --app-origin ORIGIN  the app's origin: invoke URL, trusted origin, redirect URI host
                       (default http://localhost:3000)
  --invocation TYPE    the authenticator config's invocation type (default automatic)
  --authenticator KIND the authenticator config's kind: embedded (the SDK in the app's
                       pages, the default) or hosted (Beyond Identity's hosted pages,
                       which bi-local stands in for)
  --empty-realm        a new tenant's realm has no application or authenticator config
                       yet (for `passkey-auth tenant setup`)
  --id-token-claims    put name and email in the ID token too, as many OpenID providers
                       do (Beyond Identity puts them on userinfo only)
  --cloud-addr ADDR    also serve, over HTTPS, the cloud protocol of Beyond Identity's real
                       SDK as auth-us/api-us.beyondidentity.com (a certificate made for this
                       run; prints the Chromium switches that reach and trust it)";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        auth_addr: SocketAddr::from(([127, 0, 0, 1], 8021)),
        api_addr: SocketAddr::from(([127, 0, 0, 1], 8023)),
        ..Options::default()
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--empty-realm" => {
                options.empty_realm = true;
                continue;
            }
            "--id-token-claims" => {
                options.id_token_claims = true;
                continue;
            }
            _ => {}
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        let addr = |v: &str| {
            v.parse::<SocketAddr>()
                .map_err(|_| format!("{name}: {v:?} is not an address such as 127.0.0.1:8021"))
        };
        match name.as_str() {
            "--auth-addr" => options.auth_addr = addr(&value)?,
            "--api-addr" => options.api_addr = addr(&value)?,
            "--state" => options.state_file = Some(value.into()),
            "--app-origin" => options.app_origin = Some(value),
            "--cloud-addr" => options.cloud_addr = Some(addr(&value)?),
            "--invocation" => {
                options.invocation = Some(match value.as_str() {
                    "automatic" => Invocation::Automatic,
                    "manual" => Invocation::Manual,
                    other => {
                        return Err(format!(
                            "--invocation: {other:?} is not automatic or manual"
                        ));
                    }
                })
            }
            "--authenticator" => {
                options.authenticator = Some(match value.as_str() {
                    "embedded" => Authenticator::Embedded,
                    "hosted" => Authenticator::Hosted,
                    other => {
                        return Err(format!(
                            "--authenticator: {other:?} is not embedded or hosted"
                        ));
                    }
                })
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bi-local: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let bi = match BiLocal::start(options).await {
        Ok(bi) => bi,
        Err(error) => {
            eprintln!("bi-local: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Some(cloud) = bi.cloud() {
        // Before the settings: their last line is what scripts wait for.
        let _ = writeln!(
            stdout,
            "# The real SDK's cloud: run Chromium with {}\nBI_LOCAL_CLOUD_ADDR={}\nBI_LOCAL_CLOUD_SPKI={}",
            cloud.chromium_args().join(" "),
            cloud.addr,
            cloud.spki_sha256
        );
    }
    let _ = write!(stdout, "{}", bi.settings().env_lines());
    let _ = stdout.flush();
    drop(stdout);
    tracing::info!(
        auth = bi.auth_url(),
        api = bi.api_url(),
        "bi-local is serving; outbox at {}/_emulator/",
        bi.auth_url()
    );
    bi.run_until_signal().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags_parse_in_both_spellings() {
        let o = parse_args(args(&[
            "--auth-addr",
            "127.0.0.1:0",
            "--api-addr=127.0.0.1:9",
            "--invocation",
            "manual",
            "--cloud-addr",
            "127.0.0.1:8443",
            "--authenticator=hosted",
        ]))
        .expect("valid");
        assert_eq!(o.authenticator, Some(Authenticator::Hosted));
        assert!(parse_args(args(&["--authenticator", "hosted_web"])).is_err());
        assert_eq!(o.auth_addr.port(), 0);
        assert_eq!(o.api_addr.port(), 9);
        assert_eq!(o.invocation, Some(Invocation::Manual));
        assert_eq!(o.cloud_addr.map(|a| a.port()), Some(8443));
        assert!(!o.empty_realm && !o.id_token_claims);
        let o = parse_args(args(&[
            "--empty-realm",
            "--id-token-claims",
            "--state",
            "f",
        ]))
        .expect("valid");
        assert!(o.empty_realm && o.id_token_claims);
        assert!(parse_args(args(&["--auth-addr"])).is_err());
        assert!(parse_args(args(&["--auth-addr", "nope"])).is_err());
        assert!(parse_args(args(&["--bogus", "1"])).is_err());
        assert_eq!(parse_args(args(&["--help"])).err(), Some(String::new()));
    }
}
