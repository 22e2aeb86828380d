//! OpenID Connect Back-Channel Logout 1.0: the logout token a provider posts when a user's
//! session there ends.
//!
//! Validated as §2.6 asks, and as strictly as an ID token: a compact JWS signed by one of
//! the provider's keys with an asymmetric algorithm it advertises (never `none`, never
//! the client secret), `typ` absent or `logout+jwt`; `iss` exactly the issuer; `aud` naming
//! this client (and `azp` this client when present); `iat` present and at most
//! [`CLOCK_SKEW`] in the future; `exp` present and not passed (with the same skew); a
//! `jti`; `events` holding the back-channel logout event as a JSON object; `sub` or `sid`
//! (or both); and no `nonce` (which an ID token has, so one cannot pass for the other).
//! Single use of `jti` is the route's ([`crate::routes::backchannel`]).

use serde_json::Value;

use crate::oidc::jws::{self, CLOCK_SKEW, Jws, Malformed};

/// The event member that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// A logout token is a small JWT; anything larger is refused before it is parsed.
pub const MAX_LOGOUT_TOKEN: usize = 8192;

/// What a valid logout token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutClaims {
    pub subject: Option<String>,
    pub sid: Option<String>,
    pub jti: String,
    /// Until when the token could be replayed (its `exp`): how long its `jti` is kept.
    pub expires_at: i64,
}

/// Splits a logout token, refusing anything too large or that is not a compact JWS.
pub fn split(token: &str) -> Result<Jws, &'static str> {
    if token.len() > MAX_LOGOUT_TOKEN {
        return Err("the logout token is too large");
    }
    jws::split(token).map_err(|malformed| match malformed {
        Malformed::NotThreeParts => "the logout token is not a signed JWT",
        Malformed::NotBase64 => "the logout token is not base64url",
        Malformed::NotJson => "the logout token is not JSON",
        Malformed::SignatureNotBase64 => "the logout token's signature is not base64url",
    })
}

/// The header's `typ`, if any, must say this is a logout token (§2.4's explicit typing).
pub fn check_type(header: &Value) -> Result<(), &'static str> {
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(typ)) => {
            let typ = typ.to_ascii_lowercase();
            let typ = typ.strip_prefix("application/").unwrap_or(&typ);
            if typ == "logout+jwt" {
                Ok(())
            } else {
                Err("the token's typ is not logout+jwt")
            }
        }
        Some(_) => Err("the token's typ is not a string"),
    }
}

fn string(claims: &Value, name: &str) -> Option<String> {
    claims
        .get(name)?
        .as_str()
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// §2.6 steps 3 to 6 (after the signature, step 2): the claims of a logout token.
pub fn check_claims(
    claims: &Value,
    issuer: &str,
    client_id: &str,
    now: i64,
) -> Result<LogoutClaims, &'static str> {
    let skew = CLOCK_SKEW.as_secs() as i64;
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("iss is not the provider's issuer");
    }
    let audience_names_us = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_names_us {
        return Err("aud does not name this client");
    }
    if claims
        .get("azp")
        .is_some_and(|azp| azp.as_str() != Some(client_id))
    {
        return Err("azp names another client");
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("iat is missing")?;
    if iat > now + skew {
        return Err("iat is in the future");
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("exp is missing")?;
    if exp + skew <= now {
        return Err("the logout token has expired");
    }
    let jti = string(claims, "jti").ok_or("jti is missing")?;
    let is_logout_event = claims
        .get("events")
        .and_then(|events| events.get(BACKCHANNEL_LOGOUT_EVENT))
        .is_some_and(Value::is_object);
    if !is_logout_event {
        return Err("events does not hold the back-channel logout event");
    }
    if claims.get("nonce").is_some() {
        return Err("a logout token must not have a nonce");
    }
    let subject = string(claims, "sub");
    let sid = string(claims, "sid");
    if subject.is_none() && sid.is_none() {
        return Err("the logout token names neither sub nor sid");
    }
    Ok(LogoutClaims {
        subject,
        sid,
        jti,
        expires_at: exp + skew,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    const ISSUER: &str = "https://idp.example";
    const NOW: i64 = 1_800_000_000;

    fn valid() -> Value {
        json!({
            "iss": ISSUER,
            "aud": ["client", "other"],
            "iat": NOW,
            "exp": NOW + 120,
            "jti": "j-1",
            "sub": "u-1",
            "sid": "s-1",
            "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        })
    }

    fn with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
        let mut claims = valid();
        change(claims.as_object_mut().expect("object"));
        claims
    }

    #[test]
    fn a_valid_logout_token_names_its_user_and_session() {
        assert_eq!(
            check_claims(&valid(), ISSUER, "client", NOW),
            Ok(LogoutClaims {
                subject: Some("u-1".into()),
                sid: Some("s-1".into()),
                jti: "j-1".into(),
                expires_at: NOW + 120 + 120,
            })
        );
        let sid_only = with(|c| {
            c.remove("sub");
            c.insert("aud".into(), "client".into());
        });
        assert!(check_claims(&sid_only, ISSUER, "client", NOW).is_ok());
        let at_the_skew = with(|c| {
            c.insert("iat".into(), (NOW + 120).into());
        });
        assert!(check_claims(&at_the_skew, ISSUER, "client", NOW).is_ok());
        assert!(check_claims(&valid(), ISSUER, "client", NOW + 239).is_ok());
    }

    #[test]
    fn every_rule_of_section_2_6_refuses_on_its_own() {
        let cases: Vec<(Value, i64, &str)> = vec![
            (
                with(|c| {
                    c.insert("iss".into(), "https://idp.example/".into());
                }),
                NOW,
                "iss",
            ),
            (
                with(|c| {
                    c.remove("iss");
                }),
                NOW,
                "iss",
            ),
            (
                with(|c| {
                    c.insert("aud".into(), json!(["other"]));
                }),
                NOW,
                "aud",
            ),
            (
                with(|c| {
                    c.insert("aud".into(), "other".into());
                }),
                NOW,
                "aud",
            ),
            (
                with(|c| {
                    c.remove("aud");
                }),
                NOW,
                "aud",
            ),
            (
                with(|c| {
                    c.insert("azp".into(), "other".into());
                }),
                NOW,
                "azp",
            ),
            (
                with(|c| {
                    c.remove("iat");
                }),
                NOW,
                "iat",
            ),
            (
                with(|c| {
                    c.insert("iat".into(), (NOW + 121).into());
                }),
                NOW,
                "future",
            ),
            (
                with(|c| {
                    c.remove("exp");
                }),
                NOW,
                "exp",
            ),
            (valid(), NOW + 240, "expired"),
            (
                with(|c| {
                    c.remove("jti");
                }),
                NOW,
                "jti",
            ),
            (
                with(|c| {
                    c.insert("jti".into(), "".into());
                }),
                NOW,
                "jti",
            ),
            (
                with(|c| {
                    c.remove("events");
                }),
                NOW,
                "events",
            ),
            (
                with(|c| {
                    c.insert("events".into(), json!({BACKCHANNEL_LOGOUT_EVENT: "yes"}));
                }),
                NOW,
                "events",
            ),
            (
                with(|c| {
                    c.insert("events".into(), json!({"http://other/event": {}}));
                }),
                NOW,
                "events",
            ),
            (
                with(|c| {
                    c.insert("nonce".into(), "n".into());
                }),
                NOW,
                "nonce",
            ),
            (
                with(|c| {
                    c.remove("sub");
                    c.remove("sid");
                }),
                NOW,
                "neither",
            ),
        ];
        for (claims, now, why) in cases {
            match check_claims(&claims, ISSUER, "client", now) {
                Err(reason) => assert!(reason.contains(why), "{reason} !~ {why}: {claims}"),
                Ok(_) => panic!("accepted ({why}): {claims}"),
            }
        }
        // An azp of this client is fine.
        let azp = with(|c| {
            c.insert("azp".into(), "client".into());
        });
        assert!(check_claims(&azp, ISSUER, "client", NOW).is_ok());
    }

    #[test]
    fn only_logout_tokens_are_typed_as_one() {
        for typ in ["logout+jwt", "LOGOUT+JWT", "application/logout+jwt"] {
            assert!(check_type(&json!({"typ": typ})).is_ok(), "{typ}");
        }
        assert!(check_type(&json!({})).is_ok());
        for typ in [json!("JWT"), json!("at+jwt"), json!(7)] {
            assert!(check_type(&json!({"typ": typ})).is_err(), "{typ}");
        }
    }

    #[test]
    fn only_compact_signed_jwts_split() {
        let part = |v: &str| URL_SAFE_NO_PAD.encode(v);
        let token = format!("{}.{}.{}", part("{}"), part(r#"{"a":1}"#), part("sig"));
        let jws = split(&token).expect("split");
        assert_eq!(jws.claims, json!({"a": 1}));
        assert_eq!(jws.signature, b"sig");
        assert!(jws.signing_input.ends_with(&part(r#"{"a":1}"#)));
        for bad in [
            "a.b".to_owned(),
            format!("{token}.x"),
            format!("{}.{}.", part("{}"), part("not json")),
        ] {
            assert!(split(&bad).is_err(), "{bad:.40}");
        }
        // The size cap's boundary: the largest token is read, one byte more is not.
        assert_eq!(
            split(&"x".repeat(MAX_LOGOUT_TOKEN)).err(),
            Some("the logout token is not a signed JWT")
        );
        assert_eq!(
            split(&"x".repeat(MAX_LOGOUT_TOKEN + 1)).err(),
            Some("the logout token is too large")
        );
    }
}
