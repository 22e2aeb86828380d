//! The provider's signing keys, cached per container.
//!
//! Two rules keep the cache right without a cold start:
//! - **an unknown `kid` is fetched for at once** (a rotation, or a key rolled back), and
//!   the same unknown `kid` at most once per [`JwksPolicy::unknown_kid_cooldown`], so a
//!   provider that keeps signing with a key it does not publish is not asked again and
//!   again;
//! - **the set is fetched again once it is older than [`JwksPolicy::max_age`]**, before
//!   a token is verified, so a key the provider removed stops being trusted. If that
//!   fetch fails, the keys already held stay in use (the provider's outage must not
//!   stop sign-in) and a warning is logged.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKeySetUrl;
use openidconnect::core::CoreJsonWebKeySet;

/// How the key cache behaves; [`JwksPolicy::default`] in production.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksPolicy {
    /// The same unknown `kid` is fetched for at most this often (jose uses 30 s).
    pub unknown_kid_cooldown: Duration,
    /// The set is fetched again before use once it is this old.
    pub max_age: Duration,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        Self {
            unknown_kid_cooldown: Duration::from_secs(30),
            max_age: Duration::from_secs(600),
        }
    }
}

pub(crate) struct KeyCache {
    uri: JsonWebKeySetUrl,
    policy: JwksPolicy,
    keys: RwLock<CoreJsonWebKeySet>,
    fetched_at: Mutex<Instant>,
    /// Unknown `kid`s fetched for, and when.
    tried: Mutex<HashMap<String, Instant>>,
}

/// The `kid` of a compact JWS, read from its header without verifying anything ("" if
/// there is none).
pub(crate) fn kid_of(compact: &str) -> String {
    compact
        .split('.')
        .next()
        .and_then(|header| URL_SAFE_NO_PAD.decode(header).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|header| header.get("kid")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl KeyCache {
    /// The keys discovery fetched, fresh now.
    pub(crate) fn new(uri: JsonWebKeySetUrl, keys: CoreJsonWebKeySet, policy: JwksPolicy) -> Self {
        Self {
            uri,
            policy,
            keys: RwLock::new(keys),
            fetched_at: Mutex::new(Instant::now()),
            tried: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn keys(&self) -> CoreJsonWebKeySet {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Fetches the set again if it is older than the policy's `max_age`.
    pub(crate) async fn refresh_if_stale(&self, http: &reqwest::Client) {
        let stale = self
            .fetched_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
            >= self.policy.max_age;
        if stale && !self.fetch(http).await {
            tracing::warn!(
                "the provider's JWKS is stale and could not be fetched; using the keys held"
            );
        }
    }

    /// For a token that names a key the cache does not hold: fetches the set again unless
    /// this `kid` was already fetched for within the cool-down. Whether it fetched.
    pub(crate) async fn fetch_for_unknown(&self, kid: &str, http: &reqwest::Client) -> bool {
        {
            let mut tried = self.tried.lock().unwrap_or_else(PoisonError::into_inner);
            let cooldown = self.policy.unknown_kid_cooldown;
            tried.retain(|_, at| at.elapsed() < cooldown);
            if tried.contains_key(kid) {
                return false;
            }
            tried.insert(kid.to_owned(), Instant::now());
        }
        self.fetch(http).await
    }

    async fn fetch(&self, http: &reqwest::Client) -> bool {
        match CoreJsonWebKeySet::fetch_async(&self.uri, http).await {
            Ok(keys) => {
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
                *self
                    .fetched_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Instant::now();
                tracing::info!("fetched the provider's JWKS");
                true
            }
            Err(error) => {
                tracing::warn!(error = %error, "could not fetch the provider's JWKS");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kid_is_read_from_the_header_only() {
        // {"alg":"RS256","kid":"k1"} . {"kid":"payload"} . sig
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJraWQiOiJwYXlsb2FkIn0.c2ln";
        assert_eq!(kid_of(token), "k1");
        assert_eq!(kid_of("eyJhbGciOiJub25lIn0.e30."), "");
        assert_eq!(kid_of("garbage"), "");
        assert_eq!(kid_of(""), "");
    }
}
