//! Property tests of the parsers that stand between the internet and the sessions: the
//! Cookie header, the return path, email addresses and the flow cookie. Each holds for
//! any input proptest can make, not only for the cases someone thought of.

use lambda_http::http::{HeaderMap, HeaderValue, header};
use passkey_auth::config::secret::AuthSecret;
use passkey_auth::email::{mailbox_key, normalize};
use passkey_auth::http::{CookieValue, cookie, cookie_values, safe_callback_url};
use passkey_auth::oidc::flow::{Flow, FlowSealer, Intent};
use proptest::prelude::*;
use url::Url;

fn headers(values: &[String]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for value in values {
        if let Ok(v) = HeaderValue::from_str(value) {
            map.append(header::COOKIE, v);
        }
    }
    map
}

/// A cookie name and value as browsers send them (no `;`, `=` in names, or spaces).
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.~-]{1,20}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the headers hold, the one value a route trusts is the one value there is:
    /// found once, it is that value (with no `;` in it); found twice or more, it is none.
    #[test]
    fn any_cookie_header_gives_one_value_only_when_there_is_exactly_one(
        values in prop::collection::vec(
            prop_oneof![".{0,200}", "[ ;]{0,2}(__Host-session ?= ?[^;]{0,20};)?.{0,40}"],
            0..4,
        )
    ) {
        let headers = headers(&values);
        let every = cookie_values(&headers, "__Host-session");
        match cookie(&headers, "__Host-session") {
            CookieValue::Absent => prop_assert!(every.is_empty()),
            CookieValue::One(value) => {
                prop_assert_eq!(&every, &vec![value.clone()]);
                prop_assert!(!value.contains(';'));
            }
            CookieValue::Several => prop_assert!(every.len() > 1),
        }
    }

    #[test]
    fn our_cookie_is_found_once_among_any_others(
        others in prop::collection::vec((token(), token()), 0..6),
        value in token(),
        at in 0usize..7,
        split in any::<bool>(),
    ) {
        let mut pairs: Vec<String> = others
            .iter()
            .filter(|(k, _)| k != "s")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.insert(at.min(pairs.len()), format!("s={value}"));
        // One Cookie header, or (as some front doors pass them) one header per cookie.
        let sent = if split { pairs.clone() } else { vec![pairs.join("; ")] };
        prop_assert_eq!(cookie(&headers(&sent), "s"), CookieValue::One(value.clone()));
        pairs.push(format!("s={value}x"));
        prop_assert_eq!(cookie(&headers(&[pairs.join("; ")]), "s"), CookieValue::Several);
    }

    #[test]
    fn a_return_path_never_leaves_the_origin(raw in prop_oneof![".{0,300}", "/[ -~]{0,300}", "//?[a-z.@:%/\\\\]{0,40}"]) {
        let origin = Url::parse("https://app.example.com").expect("origin");
        let path = safe_callback_url(Some(&raw), &origin, "/account");
        prop_assert!(path.starts_with('/'), "{path}");
        prop_assert!(!path.starts_with("//") && !path.starts_with("/\\"), "{path}");
        prop_assert!(!path.chars().any(|c| c.is_control()), "{path:?}");
        let resolved = origin.join(&path).expect("a relative path");
        prop_assert_eq!(resolved.origin(), origin.origin(), "{} escaped", path);
    }

    #[test]
    fn a_normalised_address_is_stable_and_within_the_rules(raw in prop_oneof![".{0,80}", "[a-zA-Z0-9._+'&-]{1,30}@[a-z0-9-]{1,20}\\.[a-z]{2,6}"]) {
        if let Ok(address) = normalize(&raw) {
            prop_assert_eq!(normalize(&address), Ok(address.clone()), "normalising twice changes nothing");
            prop_assert!(address.chars().count() <= 64);
            prop_assert_eq!(address.matches('@').count(), 1);
            prop_assert!(!address.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == ','));
            prop_assert_eq!(address.to_lowercase(), address.clone());
            let key = mailbox_key(&address);
            let domain = address.split_once('@').map(|(_, d)| d).unwrap_or_default();
            let key_domain = key.split_once('@').map(|(_, d)| d).unwrap_or_default();
            prop_assert!(key.len() <= address.len(), "{key} is longer than {address}");
            prop_assert!(key_domain == domain || (key_domain == "gmail.com" && domain == "googlemail.com"));
        }
    }

    #[test]
    fn a_flow_opens_as_sealed_and_any_change_is_refused(
        state in "[A-Za-z0-9_-]{43}",
        path in "/[ -~]{0,200}",
        issuer in "https://[a-z]{1,20}\\.example\\.com(/[a-z]{1,10}){0,3}",
        created_at in 1_000_000_000i64..2_000_000_000,
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let sealer = FlowSealer::new(&AuthSecret::parse(&"ab".repeat(32)).expect("secret")).expect("sealer");
        let flow = Flow {
            state: state.clone(),
            nonce: state.clone(),
            pkce_verifier: state,
            callback_url: path,
            issuer,
            client_id: "client".into(),
            redirect_uri: "https://app.example.com/api/auth/callback/beyondidentity".into(),
            created_at,
            intent: Intent::Reauthenticate,
            params: Default::default(),
        };
        let sealed = sealer.seal(&flow).expect("seal");
        prop_assert_eq!(sealer.open(&sealed, created_at + 1), Ok(flow));
        let mut bytes = sealed.into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(changed) = String::from_utf8(bytes) {
            prop_assert!(sealer.open(&changed, created_at + 1).is_err(), "a changed flow cookie opened");
        }
    }

    #[test]
    fn any_string_is_refused_as_a_flow_cookie_without_panic(value in ".{0,3000}") {
        let sealer = FlowSealer::new(&AuthSecret::parse(&"ab".repeat(32)).expect("secret")).expect("sealer");
        prop_assert!(sealer.open(&value, 1_800_000_000).is_err());
    }
}
