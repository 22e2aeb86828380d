//! Logging for the functions, as Lambda's advanced logging controls ask: JSON lines when
//! `AWS_LAMBDA_LOG_FORMAT` is `JSON`, plain text otherwise; the level from
//! `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `INFO`. Only a level name is read, not
//! per-module directives: those need tracing-subscriber's `env-filter` and its regex
//! engine, which `make bench` found to be a large part of each zip. The settings are the
//! runtime's own subscriber's (`lambda_runtime::tracing`): no time (CloudWatch stamps
//! each line), no target. Nothing secret is ever passed to a log call.

pub mod audit;

use std::str::FromStr as _;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The level `AWS_LAMBDA_LOG_LEVEL` or else `RUST_LOG` names; `INFO` when neither names
/// one.
pub fn level(lambda_log_level: Option<&str>, rust_log: Option<&str>) -> LevelFilter {
    [lambda_log_level, rust_log]
        .into_iter()
        .flatten()
        .find_map(|value| LevelFilter::from_str(value.trim()).ok())
        .unwrap_or(LevelFilter::INFO)
}

/// The functions' subscriber, writing to `writer`.
pub fn subscriber<W>(
    json: bool,
    level: LevelFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level)
        .with_writer(writer);
    if json {
        Box::new(builder.json().finish())
    } else {
        Box::new(builder.finish())
    }
}

/// Installs the subscriber once, at cold start, writing to stdout (Lambda sends it to
/// CloudWatch).
pub fn init() {
    let var = |name| std::env::var(name).ok();
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    let level = level(
        var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
        var("RUST_LOG").as_deref(),
    );
    let _ = tracing::subscriber::set_global_default(subscriber(json, level, std::io::stdout));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lambda_level_wins_then_rust_log_then_info() {
        assert_eq!(level(Some("DEBUG"), Some("error")), LevelFilter::DEBUG);
        assert_eq!(level(None, Some("warn")), LevelFilter::WARN);
        assert_eq!(level(Some("nonsense"), Some("error")), LevelFilter::ERROR);
        assert_eq!(level(None, Some("passkey_auth=debug")), LevelFilter::INFO);
        assert_eq!(level(None, None), LevelFilter::INFO);
    }
}
