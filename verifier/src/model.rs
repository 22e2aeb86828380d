//! A user and a session, as the table holds them.

use std::net::IpAddr;

/// The signed-in user, identified by `(issuer, sub)` and never by email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl User {
    /// A user known by issuer and subject alone (no name or email yet).
    pub fn new(issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            subject: subject.into(),
            name: None,
            email: None,
        }
    }

    /// The key of the user index: the issuer (which has no space) and the subject.
    pub fn key(&self) -> String {
        format!("{} {}", self.issuer, self.subject)
    }
}

/// A session as stored. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    /// When the user last proved possession of a passkey: the sign-in that made this
    /// session (every sign-in makes a new one). Sensitive actions need it recent.
    pub authenticated_at: i64,
    /// The browser and network that signed in, for the user's list of sessions.
    pub client: ClientInfo,
    /// The provider's session (the ID token's `sid`), when it names one: a back-channel
    /// logout for it ends this session.
    pub provider_sid: Option<String>,
    /// Where the browser ends the provider's session at sign-out (RP-Initiated Logout),
    /// when the provider has an `end_session_endpoint`. It carries the ID token as
    /// `id_token_hint`: it stays on the server until the user signs out.
    pub provider_logout_url: Option<String>,
}

impl Session {
    /// When it ends if nothing happens: the earlier of the two limits.
    pub fn expires_at(&self) -> i64 {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at()
    }

    /// Whether the user authenticated within `window` of `now` (a sensitive action may
    /// proceed without a new sign-in).
    pub fn is_recent(&self, window: std::time::Duration, now: i64) -> bool {
        now - self.authenticated_at <= window.as_secs() as i64
    }
}

/// What a session remembers of the browser that signed in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The `User-Agent`, cut to [`ClientInfo::USER_AGENT_LIMIT`] bytes.
    pub user_agent: Option<String>,
    /// The client's network: IPv4 to /24, IPv6 to /48 (`203.0.113.0/24`).
    pub network: Option<String>,
}

impl ClientInfo {
    pub const USER_AGENT_LIMIT: usize = 256;

    /// From the request's `User-Agent` and the client address the front door reported.
    pub fn new(user_agent: Option<&str>, address: &str) -> Self {
        Self {
            user_agent: user_agent
                .map(|agent| truncate(agent.trim(), Self::USER_AGENT_LIMIT))
                .filter(|agent| !agent.is_empty()),
            network: network_of(address),
        }
    }
}

/// The longest prefix of `text` within `limit` bytes that ends on a character boundary.
fn truncate(text: &str, limit: usize) -> String {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The network of an address: enough to tell "home" from "another country", never the
/// host. `None` for anything that is not an IP address ("unknown").
pub fn network_of(address: &str) -> Option<String> {
    match address.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{a}.{b}.{c}.0/24"))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(&v4.to_string()),
            None => {
                let [a, b, c, ..] = v6.segments();
                Some(format!("{a:x}:{b:x}:{c:x}::/48"))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(
            network_of("203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            network_of("2001:db8:85a3:8d3:1319:8a2e:370:7348").as_deref(),
            Some("2001:db8:85a3::/48")
        );
        assert_eq!(
            network_of("::ffff:198.51.100.9").as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(network_of("unknown"), None);
        assert_eq!(network_of(""), None);
    }

    #[test]
    fn user_agents_are_bounded_on_a_character_boundary() {
        let limit = ClientInfo::USER_AGENT_LIMIT;
        // 2-byte characters: the limit falls between two of them, then inside one.
        for (long, kept_len) in [
            ("é".repeat(200), limit),
            (format!("a{}", "é".repeat(200)), limit - 1),
        ] {
            let kept = ClientInfo::new(Some(&long), "unknown")
                .user_agent
                .expect("kept");
            assert_eq!(kept.len(), kept_len);
            assert!(long.starts_with(&kept));
        }
        assert_eq!(ClientInfo::new(Some("  "), "unknown").user_agent, None);
    }

    #[test]
    fn a_sign_in_is_recent_for_the_whole_window_and_not_a_second_more() {
        let session = Session {
            user: User::new("https://issuer", "sub"),
            created_at: 1000,
            last_seen_at: 1000,
            idle_expires_at: 9000,
            absolute_expires_at: 9000,
            authenticated_at: 1000,
            client: ClientInfo::default(),
            provider_sid: None,
            provider_logout_url: None,
        };
        let window = std::time::Duration::from_secs(300);
        assert!(session.is_recent(window, 1000));
        assert!(session.is_recent(window, 1300));
        assert!(!session.is_recent(window, 1301));
    }
}
