//! Where a sign-in came from, as the account page shows it: a readable device ("Chrome on
//! Mac OSX"). The network, truncated so that no session list ever holds a whole address,
//! is recorded by [`ClientInfo::new`] (the verifier's, as sessions are).

pub use passkey_verifier::ClientInfo;

/// "Chrome on Mac OSX", "Firefox", or "Unknown browser": the device of a session.
pub fn device_of(client: &ClientInfo) -> String {
    describe(client.user_agent.as_deref().unwrap_or_default())
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
        assert_eq!(
            device_of(&ClientInfo::new(None, "unknown")),
            "Unknown browser"
        );
        assert_eq!(
            device_of(&ClientInfo::new(Some(firefox_linux), "unknown")),
            "Firefox on Linux"
        );
    }
}
