//! The flow cookie: what `signin` must remember for `callback`, sealed in the browser.
//!
//! It holds the `state`, `nonce` and PKCE verifier of one sign-in, where to go after it,
//! and the issuer, client and redirect URI it was made for. It is encrypted and
//! authenticated with AES-256-GCM under a key derived for this purpose alone, bound to
//! its cookie name, good for ten minutes, and cleared by the callback that reads it.

use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::config::secret::{AuthSecret, KeyPurpose};
use crate::oidc::authorization_params::AuthorizationParams;

pub const FLOW_COOKIE: &str = "__Host-auth-flow";
/// How long a sign-in may take from `signin` to `callback`.
pub const FLOW_TTL: Duration = Duration::from_secs(600);
/// How far apart two clocks may be (seconds): ours when the flow was made and ours, or
/// the provider's, later.
pub const CLOCK_SKEW: i64 = 60;
/// Sealed values longer than this are refused unread.
const MAX_SEALED_LEN: usize = 2048;
/// The version byte and purpose bound into every seal as associated data.
const AAD: &[u8] = b"__Host-auth-flow\x00v1";

/// One sign-in in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A same-origin path to return to.
    pub callback_url: String,
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// When `signin` made it (Unix seconds).
    pub created_at: i64,
    /// Why the sign-in was started (absent in cookies sealed before it existed).
    #[serde(default)]
    pub intent: Intent,
    /// What the client asked to pass to the provider (absent when nothing).
    #[serde(default, skip_serializing_if = "AuthorizationParams::is_empty")]
    pub params: AuthorizationParams,
}

/// Why a sign-in was started: a plain one, or a fresh one that a sensitive action asked
/// for (`GET /api/auth/signin?intent=…`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intent {
    #[default]
    SignIn,
    /// A step-up: the provider is asked for a new ceremony (`max_age=0`), and the
    /// `auth_time` it reports, when it reports one, must not be older than the flow.
    Reauthenticate,
    /// A step-up that also ends every other session of the user, inside the callback and
    /// before the new session exists: "sign out everywhere" that a thief holding a copied
    /// cookie cannot race, since nothing they do can reach a session made after theirs
    /// ended.
    EndOtherSessions,
}

impl Intent {
    /// The `intent` query parameter: absent for a plain sign-in.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None => Some(Self::SignIn),
            Some("reauthenticate") => Some(Self::Reauthenticate),
            Some("end-other-sessions") => Some(Self::EndOtherSessions),
            Some(_) => None,
        }
    }

    /// Whether the provider must run a new ceremony for it.
    pub fn is_step_up(self) -> bool {
        self != Self::SignIn
    }
}

impl Flow {
    /// The `max_age` the provider is asked for: 0 for a step-up, else the client's, if any.
    pub fn max_age(&self) -> Option<u32> {
        if self.intent.is_step_up() {
            Some(0)
        } else {
            self.params.max_age
        }
    }

    /// Whether the provider's `auth_time` (when it sends one) fits this sign-in: any
    /// without a `max_age`; with one, not more than `max_age` seconds before the flow
    /// began (less [`CLOCK_SKEW`]), so for a step-up not before the flow began.
    pub fn fresh_enough(&self, auth_time: Option<i64>) -> bool {
        match (self.max_age(), auth_time) {
            (Some(max_age), Some(at)) => at >= self.created_at - i64::from(max_age) - CLOCK_SKEW,
            _ => true,
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("the flow cookie is not one this app sealed")]
    Invalid,
    #[error("the sign-in took longer than ten minutes")]
    Expired,
    #[error("could not seal the flow cookie")]
    Seal,
    #[error("the flow cookie would be too large")]
    TooLarge,
}

/// Seals and opens flow cookies.
pub struct FlowSealer {
    key: RandomizedNonceKey,
}

impl FlowSealer {
    pub fn new(secret: &AuthSecret) -> Result<Self, FlowError> {
        let key = RandomizedNonceKey::new(&AES_256_GCM, secret.key(KeyPurpose::FlowCookie))
            .map_err(|_| FlowError::Seal)?;
        Ok(Self { key })
    }

    /// `base64url(nonce ‖ ciphertext ‖ tag)`.
    /// Seals a flow; [`FlowError::TooLarge`] if the result would be refused by
    /// [`FlowSealer::open`] (a cookie that could never come back).
    pub fn seal(&self, flow: &Flow) -> Result<String, FlowError> {
        let sealed = self.seal_any_size(flow)?;
        if sealed.len() > MAX_SEALED_LEN {
            return Err(FlowError::TooLarge);
        }
        Ok(sealed)
    }

    fn seal_any_size(&self, flow: &Flow) -> Result<String, FlowError> {
        let mut data = serde_json::to_vec(flow).map_err(|_| FlowError::Seal)?;
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(AAD), &mut data)
            .map_err(|_| FlowError::Seal)?;
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&data);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a sealed flow and checks its age against `now` (Unix seconds).
    pub fn open(&self, sealed: &str, now: i64) -> Result<Flow, FlowError> {
        if sealed.len() > MAX_SEALED_LEN {
            return Err(FlowError::Invalid);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| FlowError::Invalid)?;
        if bytes.len() < NONCE_LEN {
            return Err(FlowError::Invalid);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| FlowError::Invalid)?;
        let mut data = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(AAD), &mut data)
            .map_err(|_| FlowError::Invalid)?;
        let flow: Flow = serde_json::from_slice(plain).map_err(|_| FlowError::Invalid)?;
        let age = now - flow.created_at;
        // A flow from the future means a clock far off or a forgery; both fail closed.
        if age < -CLOCK_SKEW || age > FLOW_TTL.as_secs() as i64 {
            return Err(FlowError::Expired);
        }
        Ok(flow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(hex_byte: &str) -> FlowSealer {
        FlowSealer::new(&AuthSecret::parse(&hex_byte.repeat(32)).expect("secret")).expect("sealer")
    }

    fn flow(now: i64) -> Flow {
        Flow {
            state: "s".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            callback_url: "/account".into(),
            issuer: "https://issuer".into(),
            client_id: "c".into(),
            redirect_uri: "http://localhost:3000/api/auth/callback/beyondidentity".into(),
            created_at: now,
            intent: Intent::EndOtherSessions,
            params: AuthorizationParams::default(),
        }
    }

    #[test]
    fn a_step_up_needs_an_auth_time_no_older_than_its_flow_less_the_skew() {
        let step_up = flow(1_000);
        assert!(step_up.fresh_enough(None), "a provider that does not say");
        assert!(step_up.fresh_enough(Some(940)));
        assert!(!step_up.fresh_enough(Some(939)));
        let reauthenticate = Flow {
            intent: Intent::Reauthenticate,
            ..flow(1_000)
        };
        assert!(!reauthenticate.fresh_enough(Some(939)));
        let plain = Flow {
            intent: Intent::SignIn,
            ..flow(1_000)
        };
        assert!(plain.fresh_enough(Some(0)));
        assert_eq!(plain.max_age(), None);
        assert_eq!(step_up.max_age(), Some(0));
    }

    #[test]
    fn a_clients_max_age_bounds_the_auth_time_and_a_step_up_still_asks_for_zero() {
        let params = AuthorizationParams {
            max_age: Some(300),
            ..AuthorizationParams::default()
        };
        let asked = Flow {
            intent: Intent::SignIn,
            params: params.clone(),
            ..flow(1_000)
        };
        assert_eq!(asked.max_age(), Some(300));
        assert!(asked.fresh_enough(Some(640)));
        assert!(!asked.fresh_enough(Some(639)));
        assert!(asked.fresh_enough(None), "a provider that does not say");
        let step_up = Flow {
            params,
            ..flow(1_000)
        };
        assert_eq!(step_up.max_age(), Some(0));
        assert!(!step_up.fresh_enough(Some(939)));
    }

    #[test]
    fn intents_are_read_from_the_query_and_old_cookies_are_plain_sign_ins() {
        assert_eq!(Intent::parse(None), Some(Intent::SignIn));
        assert_eq!(
            Intent::parse(Some("reauthenticate")),
            Some(Intent::Reauthenticate)
        );
        assert_eq!(
            Intent::parse(Some("end-other-sessions")),
            Some(Intent::EndOtherSessions)
        );
        for other in ["", "sign-in", "Reauthenticate", "end_other_sessions"] {
            assert_eq!(Intent::parse(Some(other)), None, "{other}");
        }
        assert!(!Intent::SignIn.is_step_up());
        assert!(Intent::Reauthenticate.is_step_up());
        assert!(Intent::EndOtherSessions.is_step_up());
        let mut old = serde_json::to_value(flow(1)).expect("json");
        old.as_object_mut().expect("an object").remove("intent");
        let read: Flow = serde_json::from_value(old).expect("a flow");
        assert_eq!(read.intent, Intent::SignIn);
        assert!(read.params.is_empty());
        assert!(
            !serde_json::to_string(&flow(1))
                .expect("json")
                .contains("params"),
            "a flow without parameters seals none"
        );
    }

    #[test]
    fn a_sealed_flow_opens_within_ten_minutes_only() {
        let s = sealer("01");
        let sealed = s.seal(&flow(1_000)).expect("seal");
        assert_eq!(s.open(&sealed, 1_000), Ok(flow(1_000)));
        assert_eq!(s.open(&sealed, 1_600), Ok(flow(1_000)));
        assert_eq!(s.open(&sealed, 1_601), Err(FlowError::Expired));
        assert_eq!(s.open(&sealed, 900), Err(FlowError::Expired));
        assert_ne!(
            sealed,
            s.seal(&flow(1_000)).expect("seal"),
            "nonces are random"
        );
    }

    #[test]
    fn tampered_foreign_or_garbage_values_are_refused() {
        let s = sealer("01");
        let sealed = s.seal(&flow(1_000)).expect("seal");
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            s.open(&URL_SAFE_NO_PAD.encode(&bytes), 1_000),
            Err(FlowError::Invalid)
        );
        assert_eq!(sealer("02").open(&sealed, 1_000), Err(FlowError::Invalid));
        for garbage in ["", "x", "!!!", &"A".repeat(5000), "AAAAAAAAAAAAAAAAAAAA"] {
            assert_eq!(s.open(garbage, 1_000), Err(FlowError::Invalid), "{garbage}");
        }
    }

    /// Boundaries: a sealed value of exactly the cap opens, one character more is refused
    /// unread; a flow up to 60 s in the future (clock skew) opens, 61 s does not.
    #[test]
    fn the_size_cap_and_the_clock_skew_are_exact() {
        let s = sealer("01");
        // Base64 grows by 4 characters per 3 bytes: lengthen the path until it fits.
        let sized = |len: usize| {
            let mut f = flow(1_000);
            for extra in 0..len {
                f.callback_url = format!("/{}", "a".repeat(extra));
                let sealed = s.seal_any_size(&f).expect("seal");
                if sealed.len() >= len {
                    return (sealed, f);
                }
            }
            unreachable!("a path of {len} characters seals longer than {len}")
        };
        let (at_cap, f) = sized(MAX_SEALED_LEN);
        assert_eq!(at_cap.len(), MAX_SEALED_LEN, "a value of exactly the cap");
        assert_eq!(s.open(&at_cap, 1_000), Ok(f.clone()));
        assert_eq!(s.seal(&f).map(|v| v.len()), Ok(MAX_SEALED_LEN));
        let (over, f) = sized(MAX_SEALED_LEN + 1);
        assert!(over.len() > MAX_SEALED_LEN);
        assert_eq!(s.open(&over, 1_000), Err(FlowError::Invalid));
        assert_eq!(
            s.seal(&f),
            Err(FlowError::TooLarge),
            "never a cookie that cannot come back"
        );

        let sealed = s.seal(&flow(1_000)).expect("seal");
        assert_eq!(s.open(&sealed, 940), Ok(flow(1_000)));
        assert_eq!(s.open(&sealed, 939), Err(FlowError::Expired));
    }
}
