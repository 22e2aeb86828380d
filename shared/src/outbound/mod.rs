//! The HTTPS client of the calls this crate makes itself: the OpenID provider, Beyond
//! Identity's management API, and AWS's JSON APIs (Parameter Store, EventBridge).
//!
//! It is reqwest on rustls with AWS-LC, the crypto library the AWS SDK already links, so
//! each binary holds one TLS stack. reqwest's default (`rustls-tls`) brings *ring* as a
//! second one, which `make bench` showed in every zip; without it reqwest takes the
//! process's default rustls provider, which the first call here installs.

pub mod aws;
pub mod aws_json;

/// A client builder with AWS-LC as the TLS provider; callers set their own limits.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Err only when a provider is installed already: then that one is used.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_can_be_built_and_aws_lc_is_the_provider() {
        assert!(super::client_builder().build().is_ok());
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        assert!(
            provider
                .cipher_suites
                .iter()
                .any(|s| s.suite() == rustls::CipherSuite::TLS13_AES_256_GCM_SHA384)
        );
        let keys = format!("{:?}", provider.key_provider);
        assert!(keys.contains("AwsLc"), "{keys}");
    }
}
