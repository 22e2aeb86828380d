//! `make bench`: the functions' release binaries, run the way Lambda runs them (behind a
//! local Runtime API, one event at a time per instance), measured in one run beside the
//! floor they are built on (a raw consistent `GetItem` with the same SDK client) and
//! beside NextAuth v4 with the DynamoDB adapter, on the same DynamoDB server.
//!
//! `scripts/bench.sh` builds everything, starts the servers and passes them here:
//! `BENCH_BIN_DIR`, `AWS_ENDPOINT_URL_DYNAMODB` (moto over http), `BENCH_DYNAMODB_TLS` and
//! `BENCH_CA_BUNDLE` (moto behind a TLS terminator, and the CA that signed its
//! certificate, given to the functions as `AWS_CA_BUNDLE`),
//! `BENCH_NEXTAUTH_URL` and `BENCH_NEXTAUTH_TOKEN`, `BENCH_ZIP_DIR` and `BENCH_ZIP_ARCH`,
//! `BENCH_CRITERION_DIR`, `BENCH_OUT` (the Markdown file to write) and `BENCH_HEADER`
//! (the machine, date and command). `BENCH_QUICK=1` takes smaller samples.

mod functions;
mod measure;
mod report;
mod runtime;
mod stats;

use std::path::PathBuf;

use report::Report;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn path(name: &str) -> Option<PathBuf> {
    var(name).map(PathBuf::from)
}

#[tokio::main]
async fn main() {
    let quick = var("BENCH_QUICK").is_some();
    let bin_dir = path("BENCH_BIN_DIR").expect("BENCH_BIN_DIR: the release binaries");
    let dynamodb = var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB");
    let log_dir = std::env::temp_dir().join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&log_dir).expect("a log directory");

    let mut report = Report::default();
    let setup = measure::Setup::start(&bin_dir, &log_dir, &dynamodb, quick).await;
    setup.sign_in_time(&mut report).await;
    setup.sign_in_under_flood(&mut report).await;
    setup.registration_timing(&mut report).await;
    let session_cookie = setup.signed_in().await;
    setup.warm_session(&mut report, &session_cookie).await;
    setup.concurrency(&mut report, &session_cookie).await;
    setup.cold_starts(&mut report, &session_cookie).await;
    setup.tls(&mut report, &session_cookie).await;
    setup.stop().await;
    measure::sizes(&mut report);
    measure::micro(&mut report);

    let table = report.markdown();
    println!("{table}");
    if let Some(out) = path("BENCH_OUT") {
        let header = var("BENCH_HEADER").unwrap_or_default();
        let intro = include_str!("intro.md");
        std::fs::write(&out, format!("{intro}\n{header}\n{table}"))
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        eprintln!("written to {}", out.display());
    }
    eprintln!(
        "{} targets missed; the logs of the functions are in {}",
        report.misses(),
        log_dir.display()
    );
}
