//! Where a sign-in came from, as the account page shows it: a readable device ("Chrome on
//! Mac OSX") and the client's network, truncated so that no session list ever holds a
//! whole address.

use std::net::IpAddr;

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

    /// From the request's `User-Agent` and the client address the front door reported
    /// ([`crate::http::client_address`]).
    pub fn new(user_agent: Option<&str>, address: &str) -> Self {
        Self {
            user_agent: user_agent
                .map(|agent| truncate(agent.trim(), Self::USER_AGENT_LIMIT))
                .filter(|agent| !agent.is_empty()),
            network: network_of(address),
        }
    }

    /// "Chrome on Mac OSX", "Firefox", or "Unknown browser".
    pub fn device(&self) -> String {
        describe(self.user_agent.as_deref().unwrap_or_default())
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

/// A person's name for a `User-Agent`. Woothee's dataset is from 2021; since then
/// browsers freeze their `User-Agent` (Chrome's "UA reduction", 2022, and the others
/// alike), so its names stay right for current browsers.
pub fn describe(user_agent: &str) -> String {
    const UNKNOWN: &str = "UNKNOWN";
    let Some(result) = woothee::parser::Parser::new().parse(user_agent) else {
        return "Unknown browser".into();
    };
    let browser = if result.name == UNKNOWN {
        "Unknown browser"
    } else {
        result.name
    };
    if result.os == UNKNOWN {
        browser.to_owned()
    } else {
        format!("{browser} on {}", result.os)
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
    fn browsers_have_readable_names() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome_mac), "Chrome on Mac OSX");
        let firefox_linux =
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox_linux), "Firefox on Linux");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
                             AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 \
                             Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari_iphone), "Safari on iPhone");
        assert_eq!(describe(""), "Unknown browser");
        assert_eq!(describe("function-test"), "Unknown browser");
    }

    #[test]
    fn user_agents_are_bounded_on_a_character_boundary() {
        let long = "é".repeat(200);
        let info = ClientInfo::new(Some(&long), "unknown");
        let kept = info.user_agent.expect("kept");
        assert_eq!(kept.len(), ClientInfo::USER_AGENT_LIMIT);
        assert!(long.starts_with(&kept));
        assert_eq!(ClientInfo::new(Some("  "), "unknown").user_agent, None);
        assert_eq!(ClientInfo::new(None, "unknown").device(), "Unknown browser");
    }
}
