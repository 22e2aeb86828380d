//! Fixed-window rate limits, counted in the session table (items expire with its TTL).
//!
//! A counter item is keyed by the limit's name, the SHA-256 of what is limited (an
//! address, a client IP, a user: never stored in the clear) and the window, and counted
//! with an atomic `ADD`, so concurrent functions never lose a hit.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use passkey_verifier::hex;

use crate::error::AuthError;
use crate::store::StoreError;

/// Where counters live.
pub trait CounterStore: Send + Sync {
    /// Adds one to `key` (created at 0, kept until `expires_at`) and returns the new count.
    fn increment(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

impl<T: CounterStore> CounterStore for std::sync::Arc<T> {
    fn increment(
        &self,
        key: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        (**self).increment(key, expires_at)
    }
}

/// At most `limit` hits per `window` for one subject.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub limit: u64,
    pub window: Duration,
}

/// Registrations per address: enough for a lost email or two, not for mail-bombing.
pub const REGISTER_PER_ADDRESS: Limit = Limit {
    name: "register-address",
    limit: 5,
    window: Duration::from_secs(3600),
};
/// Registrations per client address (behind a NAT many people share one).
pub const REGISTER_PER_CLIENT: Limit = Limit {
    name: "register-client",
    limit: 30,
    window: Duration::from_secs(3600),
};
/// Sign-ins started per client address: a whole office behind one NAT signing in at
/// nine, not one script starting flows in a loop (each one a redirect to the provider).
pub const SIGN_IN_PER_CLIENT: Limit = Limit {
    name: "sign-in-client",
    limit: 60,
    window: Duration::from_secs(60),
};
/// Sign-ins finished per client address, counted once the flow cookie and `state` are
/// found good and before anything reaches the provider's token endpoint or the table.
pub const CALLBACK_PER_CLIENT: Limit = Limit {
    name: "callback-client",
    limit: 60,
    window: Duration::from_secs(60),
};
/// Enrolment links looked up per client address (`/bind` asks once per link opened).
pub const BINDING_OWNER_PER_CLIENT: Limit = Limit {
    name: "binding-owner-client",
    limit: 60,
    window: Duration::from_secs(3600),
};
/// New-device links per signed-in user.
pub const BIND_JOBS_PER_USER: Limit = Limit {
    name: "bind-job-user",
    limit: 10,
    window: Duration::from_secs(3600),
};
/// Address changes asked for per signed-in user.
pub const ADDRESS_CHANGES_PER_USER: Limit = Limit {
    name: "address-change-user",
    limit: 5,
    window: Duration::from_secs(3600),
};
/// Confirmation links sent per mailbox (however the address is written), whoever asks:
/// no one fills someone's inbox through this site.
pub const ADDRESS_CHANGES_PER_ADDRESS: Limit = Limit {
    name: "address-change-address",
    limit: 3,
    window: Duration::from_secs(3600),
};

/// What a per-client limit counts for a client address: an IPv4 address as it is, an
/// IPv6 address by its /64 (a subscriber is given a whole /64 and may use any address in
/// it, so counting single addresses would give one client 2^64 allowances). An address
/// that does not parse is counted as it was given.
pub fn client_subject(address: &str) -> String {
    match address.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(ip)) => {
            let [a, b, c, d, ..] = ip.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        Ok(IpAddr::V4(ip)) => ip.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit; the window ends in this many seconds.
    Limited {
        retry_after: u64,
    },
}

pub struct RateLimiter<S> {
    store: S,
}

impl<S: CounterStore> RateLimiter<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Counts one hit of `subject` against `limit` at `now` (Unix seconds).
    pub async fn hit(&self, limit: &Limit, subject: &str, now: i64) -> Result<Verdict, StoreError> {
        let window = limit.window.as_secs().max(1) as i64;
        let index = now.div_euclid(window);
        let window_end = (index + 1) * window;
        let key = format!("rate#{}#{}#{index}", limit.name, hex::sha256(subject));
        let count = self.store.increment(&key, window_end).await?;
        if count > limit.limit {
            Ok(Verdict::Limited {
                retry_after: (window_end - now).max(1) as u64,
            })
        } else {
            Ok(Verdict::Allowed)
        }
    }
}

impl<S: CounterStore> RateLimiter<S> {
    /// [`RateLimiter::hit`] as a route needs it: `429` with `Retry-After` when over the
    /// limit, `503` when the counter cannot be reached (never a silent pass).
    pub async fn enforce(&self, limit: &Limit, subject: &str, now: i64) -> Result<(), AuthError> {
        match self.hit(limit, subject, now).await? {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after } => {
                tracing::info!(limit = limit.name, "rate limit reached");
                Err(AuthError::RateLimited { retry_after })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemorySessionStore;

    #[test]
    fn a_client_is_an_ipv4_address_or_an_ipv6_slash_64() {
        assert_eq!(client_subject("203.0.113.7"), "203.0.113.7");
        assert_eq!(
            client_subject("2001:db8:1:2:aaaa::1"),
            client_subject("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"),
        );
        assert_eq!(client_subject("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(
            client_subject("2001:db8:1:2::1"),
            client_subject("2001:db8:1:3::1")
        );
        assert_eq!(client_subject("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(client_subject("unknown"), "unknown");
    }

    #[tokio::test]
    async fn limits_trip_and_reset_with_the_window() {
        let limiter = RateLimiter::new(MemorySessionStore::default());
        let limit = Limit {
            name: "t",
            limit: 2,
            window: Duration::from_secs(60),
        };
        assert_eq!(
            limiter.hit(&limit, "a", 120).await.expect("hit"),
            Verdict::Allowed
        );
        assert_eq!(
            limiter.hit(&limit, "a", 130).await.expect("hit"),
            Verdict::Allowed
        );
        assert_eq!(
            limiter.hit(&limit, "a", 150).await.expect("hit"),
            Verdict::Limited { retry_after: 30 }
        );
        assert_eq!(
            limiter.hit(&limit, "b", 150).await.expect("hit"),
            Verdict::Allowed,
            "per subject"
        );
        assert_eq!(
            limiter.hit(&limit, "a", 180).await.expect("hit"),
            Verdict::Allowed,
            "a new window"
        );
    }
}
