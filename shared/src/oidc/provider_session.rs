//! The provider's session: its `sid`, and where the browser ends it (RP-Initiated Logout).

use url::Url;

/// An http URL is accepted only on a loopback host (development and tests).
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An advertised `end_session_endpoint` this client sends browsers to: https, or http on a
/// loopback host (development and tests).
pub(super) fn end_session_endpoint(advertised: &str) -> Option<Url> {
    Url::parse(advertised)
        .ok()
        .filter(|url| url.scheme() == "https" || is_loopback(url))
}

/// The RP-Initiated Logout 1.0 request: the ID token as `id_token_hint`, our client, and
/// the app's home page to come back to (it must be registered with the provider as a
/// post-logout redirect URI).
pub(super) fn logout_url(
    end_session: &Url,
    id_token: &str,
    client_id: &str,
    post_logout: &str,
) -> String {
    let mut url = end_session.clone();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("client_id", client_id)
        .append_pair("post_logout_redirect_uri", post_logout);
    url.into()
}

/// A claim of an ID token whose signature and claims were already verified, read from its
/// payload (`openidconnect`'s standard claims do not model `sid`).
pub(super) fn verified_claim(id_token: &str, name: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(name)?.as_str().map(str::to_owned)
}

/// A `sid` worth keeping with the session: present and of a size a provider session id
/// has (it is stored in the session item and matched by back-channel logout).
pub(super) fn usable_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= 255
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logout_request_carries_the_hint_the_client_and_the_way_back() {
        let end = Url::parse("https://idp.example/logout?ui_locales=en").expect("url");
        let url = logout_url(&end, "a.b.c", "client", "https://app.example/");
        let url = Url::parse(&url).expect("url");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("ui_locales".into(), "en".into()),
                ("id_token_hint".into(), "a.b.c".into()),
                ("client_id".into(), "client".into()),
                (
                    "post_logout_redirect_uri".into(),
                    "https://app.example/".into()
                ),
            ]
        );
        for (url, allowed) in [
            ("http://localhost:8021/logout", true),
            ("http://127.0.0.1:8021/logout", true),
            ("http://[::1]:8021/logout", true),
            ("http://idp.example/logout", false),
            ("http://localhost.evil.example/logout", false),
        ] {
            assert_eq!(
                is_loopback(&Url::parse(url).expect("url")),
                allowed,
                "{url}"
            );
        }
    }

    #[test]
    fn only_an_https_or_loopback_end_session_endpoint_is_used() {
        for (advertised, used) in [
            ("https://idp.example/logout", true),
            ("http://localhost:8021/logout", true),
            ("http://idp.example/logout", false),
            ("javascript:alert(1)", false),
            ("/logout", false),
        ] {
            assert_eq!(
                end_session_endpoint(advertised).is_some(),
                used,
                "{advertised}"
            );
        }
    }

    #[test]
    fn a_verified_token_gives_up_its_sid() {
        use base64::Engine as _;
        let encode = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let token = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"RS256"}"#),
            encode(r#"{"sub":"u","sid":"s-1"}"#)
        );
        assert_eq!(verified_claim(&token, "sid").as_deref(), Some("s-1"));
        assert_eq!(verified_claim(&token, "nonce"), None);
        assert_eq!(verified_claim("garbage", "sid"), None);
        for (sid, kept) in [
            ("", false),
            ("s", true),
            (&"s".repeat(255), true),
            (&"s".repeat(256), false),
        ] {
            assert_eq!(usable_sid(sid), kept, "{} bytes", sid.len());
        }
    }
}
