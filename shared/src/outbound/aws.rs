//! The AWS configuration, loaded once per cold start and shared by everything that
//! calls AWS: the DynamoDB client ([`crate::store::dynamo::client`]) and the Parameter Store
//! read ([`crate::config::parameter_store::resolve`]). Loading it resolves the region and builds the
//! credential chain; doing that once is cheaper than once per client (`make bench`).
//!
//! The HTTPS client trusts the roots of Amazon Trust Services only, the CA of every AWS
//! service endpoint, plus the PEM bundle named by `AWS_CA_BUNDLE` (the AWS SDKs' setting
//! for a proxy's or a local server's CA). The SDK's default instead reads the whole
//! system store at start (on Debian, a bundle and ~290 files in `/etc/ssl/certs`):
//! measured by `make bench`, that was ~20 ms of every cold start, more than the rest of
//! init together, to trust ~140 CAs a DynamoDB connection must never need.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};

use crate::config::ConfigError;

/// Amazon Root CA 1–4 and Starfield Services Root CA G2 (AWS's published roots).
const AMAZON_TRUST_SERVICES: &str = include_str!("aws-roots.pem");

/// The file `AWS_CA_BUNDLE` names; set but empty is no bundle, as for the AWS CLI.
fn ca_bundle(value: Option<String>) -> Option<String> {
    value.filter(|path| !path.is_empty())
}

/// The trust store of AWS calls: Amazon Trust Services, and `AWS_CA_BUNDLE` if set.
fn trust_store(ca_bundle: Option<&str>) -> Result<TrustStore, ConfigError> {
    let mut trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_SERVICES);
    if let Some(path) = ca_bundle {
        let pem = std::fs::read(path).map_err(|error| {
            ConfigError(vec![format!(
                "AWS_CA_BUNDLE ({path}) cannot be read: {error}"
            )])
        })?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(ConfigError(vec![format!(
                "AWS_CA_BUNDLE ({path}) holds no PEM certificate"
            )]));
        }
        trust = trust.with_pem_certificate(pem);
    }
    Ok(trust)
}

/// The configuration from the environment (on Lambda: the region and the role's
/// credentials), with clients that give up quickly: a session check must answer (503)
/// well inside the function's timeout rather than hang on an unreachable table.
pub async fn config() -> Result<SdkConfig, ConfigError> {
    let ca_bundle = ca_bundle(std::env::var("AWS_CA_BUNDLE").ok());
    let tls = TlsContext::builder()
        .with_trust_store(trust_store(ca_bundle.as_deref())?)
        .build()
        .map_err(|error| ConfigError(vec![format!("the TLS settings: {error}")]))?;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https();
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(4))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_amazon_roots_are_five_certificates() {
        assert_eq!(
            AMAZON_TRUST_SERVICES
                .matches("-----BEGIN CERTIFICATE-----")
                .count(),
            5
        );
    }

    #[test]
    fn a_ca_bundle_that_cannot_be_used_is_a_configuration_error() {
        let missing = trust_store(Some("/nonexistent/ca.pem")).expect_err("an error");
        assert!(missing.0[0].contains("cannot be read"), "{missing:?}");
        let not_pem = trust_store(Some("/proc/self/status")).expect_err("an error");
        assert!(not_pem.0[0].contains("no PEM certificate"), "{not_pem:?}");
        assert!(trust_store(None).is_ok());
    }

    #[test]
    fn an_empty_ca_bundle_setting_is_no_bundle() {
        assert_eq!(ca_bundle(Some(String::new())), None);
        assert_eq!(ca_bundle(None), None);
        assert_eq!(ca_bundle(Some("/ca.pem".into())), Some("/ca.pem".into()));
    }
}
