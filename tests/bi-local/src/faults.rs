//! Fault injection: make the next answers of an endpoint slow, failing or hostile.
//!
//! `POST /_emulator/faults {"faults":[...]}` adds rules, `GET` lists what is left,
//! `DELETE` clears them. Each rule applies to the next `times` matching requests (or
//! until cleared when `times` is absent), in the order they were added.

use serde::{Deserialize, Serialize};

/// Where a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Discovery,
    Jwks,
    Authorize,
    Token,
    Userinfo,
    /// Every request to the management API host.
    Api,
    /// The ID token in the next successful authorization-code token response.
    IdToken,
}

/// What is wrong with a hostile ID token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flaw {
    /// `iss` names another issuer.
    WrongIss,
    /// `aud` names another client.
    WrongAud,
    /// No `aud` claim at all.
    MissingAud,
    /// No `sub` claim.
    MissingSub,
    /// The signature does not match the content.
    BadSignature,
    /// `alg: none` and no signature.
    AlgNone,
    /// `nonce` differs from the one sent to `/authorize`.
    NonceMismatch,
    /// `exp` is an hour in the past.
    Expired,
    /// `iat` is an hour in the future.
    FutureIat,
    /// Not a flaw: the provider's clock is off by less than the client's allowed skew
    /// (two minutes): `exp` passed 30 s ago and `iat` is 30 s ahead (accepted).
    WithinSkew,
    /// Not a flaw: with [`crate::Options::id_token_claims`], the ID token's profile claims
    /// are `email` only, no `name` nor `preferred_username` (a provider that leaves the
    /// name to userinfo): the client asks userinfo for the rest.
    EmailOnly,
    /// The header has no `kid`.
    MissingKid,
    /// `azp` names another client (OpenID Connect Core §3.1.3.7 step 5: refuse).
    ForeignAzp,
    /// `aud` is `[client_id, "https://api.example.com"]` with `azp` = client_id: an
    /// audience the client does not trust (step 3: refuse).
    ExtraAud,
    /// `aud` is `[client_id, "https://api.example.com"]` without `azp` (step 4: refuse).
    ExtraAudNoAzp,
    /// Not a flaw: `azp` = client_id beside a single `aud` (valid; accepted).
    OwnAzp,
    /// Not a flaw: `azp` = `tenants/{t}/realms/{r}/applications/{app}`, the form of
    /// Beyond Identity's access tokens (accepted: it names this application).
    ApplicationAzp,
    /// Signed with a key taken out of the JWKS by an earlier rotation (kid kept): a
    /// provider key that was removed, or stolen. Needs a rotation first.
    RetiredKey,
    /// `auth_time` is an hour before the token: a provider that reused an earlier sign-in
    /// where a new one was asked for (`max_age=0`).
    StaleAuthTime,
    /// For `target: "userinfo"`: the answer's `sub` is another identity's.
    WrongSub,
}

impl Flaw {
    /// The target a flaw belongs to.
    pub fn target(self) -> Target {
        match self {
            Flaw::WrongSub => Target::Userinfo,
            _ => Target::IdToken,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub target: Target,
    /// Answer with this status instead (with the endpoint's usual error body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Wait this long before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// For `target: "id_token"`: the defect to put in the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaw: Option<Flaw>,
    /// How many requests this applies to; absent means until the faults are cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl Fault {
    /// Checks that the rule says something coherent.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(flaw) = self.flaw {
            if flaw.target() != self.target {
                return Err(format!("this flaw belongs to target {:?}", flaw.target()));
            }
            if self.status.is_some() || self.delay_ms.is_some() || self.retry_after.is_some() {
                return Err("a fault with a flaw takes only the flaw and times".into());
            }
        } else if self.target == Target::IdToken {
            return Err("an id_token fault needs a flaw".into());
        } else {
            if self.status.is_none() && self.delay_ms.is_none() {
                return Err("a fault needs a status, a delay_ms or both".into());
            }
            if let Some(status) = self.status
                && !(400..=599).contains(&status)
            {
                return Err("status must be between 400 and 599".into());
            }
            if self.retry_after.is_some() && self.status.is_none() {
                return Err("retry_after needs a status".into());
            }
        }
        if self.delay_ms.is_some_and(|ms| ms > 120_000) {
            return Err("delay_ms is at most 120000".into());
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        Ok(())
    }
}

/// Takes the first status or delay rule for `target` and counts one use of it.
pub fn take(faults: &mut Vec<Fault>, target: Target) -> Option<Fault> {
    let index = faults
        .iter()
        .position(|f| f.target == target && f.flaw.is_none())?;
    Some(consume(faults, index))
}

/// Takes every flaw of `target` that applies to its next answer, each kind once.
pub fn take_flaws(faults: &mut Vec<Fault>, target: Target) -> Vec<Flaw> {
    let mut flaws: Vec<Flaw> = Vec::new();
    while let Some(index) = faults
        .iter()
        .position(|f| f.target == target && f.flaw.is_some_and(|flaw| !flaws.contains(&flaw)))
    {
        flaws.extend(consume(faults, index).flaw);
    }
    flaws
}

fn consume(faults: &mut Vec<Fault>, index: usize) -> Fault {
    let fault = faults[index].clone();
    match fault.times {
        Some(1) => {
            faults.remove(index);
        }
        Some(n) => faults[index].times = Some(n - 1),
        None => {}
    }
    fault
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(target: Target, times: Option<u32>) -> Fault {
        Fault {
            target,
            status: Some(503),
            retry_after: None,
            delay_ms: None,
            flaw: None,
            times,
        }
    }

    #[test]
    fn counted_rules_run_out_and_open_rules_stay() {
        let mut faults = vec![fault(Target::Api, Some(2)), fault(Target::Token, None)];
        assert!(take(&mut faults, Target::Api).is_some());
        assert!(take(&mut faults, Target::Api).is_some());
        assert!(take(&mut faults, Target::Api).is_none());
        for _ in 0..5 {
            assert!(take(&mut faults, Target::Token).is_some());
        }
        assert!(take(&mut faults, Target::Jwks).is_none());
    }

    #[test]
    fn a_flaw_belongs_to_its_target_only() {
        let rule = |target, flaw| Fault {
            target,
            status: None,
            retry_after: None,
            delay_ms: None,
            flaw: Some(flaw),
            times: None,
        };
        assert!(rule(Target::Userinfo, Flaw::WrongSub).validate().is_ok());
        assert!(rule(Target::IdToken, Flaw::ForeignAzp).validate().is_ok());
        assert!(rule(Target::IdToken, Flaw::WrongSub).validate().is_err());
        assert!(rule(Target::Userinfo, Flaw::WrongIss).validate().is_err());
        let mut faults = vec![
            rule(Target::Userinfo, Flaw::WrongSub),
            Fault {
                status: Some(503),
                flaw: None,
                ..rule(Target::Userinfo, Flaw::WrongSub)
            },
        ];
        assert_eq!(
            take(&mut faults, Target::Userinfo).and_then(|f| f.status),
            Some(503)
        );
        assert_eq!(take_flaws(&mut faults, Target::IdToken), vec![]);
        assert_eq!(
            take_flaws(&mut faults, Target::Userinfo),
            vec![Flaw::WrongSub]
        );
    }

    #[test]
    fn several_flaws_apply_to_one_token() {
        let flaw = |f, times| Fault {
            target: Target::IdToken,
            status: None,
            retry_after: None,
            delay_ms: None,
            flaw: Some(f),
            times,
        };
        let mut faults = vec![
            flaw(Flaw::MissingKid, Some(1)),
            flaw(Flaw::WrongIss, None),
            flaw(Flaw::MissingKid, Some(1)),
        ];
        assert_eq!(
            take_flaws(&mut faults, Target::IdToken),
            vec![Flaw::MissingKid, Flaw::WrongIss]
        );
        assert_eq!(
            take_flaws(&mut faults, Target::IdToken),
            vec![Flaw::WrongIss, Flaw::MissingKid]
        );
        assert_eq!(
            take_flaws(&mut faults, Target::IdToken),
            vec![Flaw::WrongIss]
        );
    }

    #[test]
    fn incoherent_rules_are_refused() {
        let mut f = fault(Target::Api, None);
        f.status = Some(200);
        assert!(f.validate().is_err());
        f.status = None;
        assert!(f.validate().is_err());
        f.delay_ms = Some(10);
        assert!(f.validate().is_ok());
        f.flaw = Some(Flaw::AlgNone);
        assert!(f.validate().is_err());
        let mut g = fault(Target::IdToken, Some(0));
        g.status = None;
        assert!(g.validate().is_err());
    }
}
