//! Every JSON answer of the site's API, one type each: what the routes send and what the
//! pages read. The site's TypeScript types (`static-site/src/generated/answers.ts`) are
//! generated from these by ts-rs in a unit test here, which fails while that file differs
//! from what these types make (`UPDATE_ANSWERS=1 cargo test -p passkey-auth --lib answers`
//! writes it). ts-rs is a dev-dependency: no function ships it.

use serde::Serialize;

#[cfg(test)]
use ts_rs::TS;

/// A refusal or a failure: a stable code to match on, and a sentence for people.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct ErrorAnswer {
    pub error: String,
    pub message: String,
}

/// `GET /api/auth/session` when signed in: NextAuth's session object.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SessionAnswer {
    pub user: SessionUser,
    /// When the session ends if nothing happens (RFC 3339).
    pub expires: String,
}

/// The signed-in user, as NextAuth's session names it: `id` is the provider's subject.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SessionUser {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Always `null`: NextAuth's shape, without a picture.
    pub image: (),
}

/// `GET /api/auth/session` when signed out: `false`. It is the one JSON value that
/// next-auth's clients of both versions read as "no session" without an error: version
/// 4 turns an answer without keys into `null` (`{}` from its own server, and `false`),
/// but logs `CLIENT_FETCH_ERROR` and posts it to `/_log` for `null`, which it cannot read
/// keys of; version 5 takes the answer as it is and counts anything truthy, `{}`
/// included, as signed in (its own server answers `null`). docs/migrate-from-nextauth.md
/// has the measurements.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SignedOut(#[cfg_attr(test, ts(type = "false"))] bool);

impl SignedOut {
    pub const ANSWER: Self = Self(false);
}

/// `GET /api/auth/csrf`: next-auth's CSRF token, for the body of the forms its clients
/// post (`crate::http::csrf_token`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "camelCase")]
pub struct CsrfAnswer {
    pub csrf_token: String,
}

/// `GET /api/auth/providers`: the one provider, as next-auth's clients list them.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct ProvidersAnswer {
    pub beyondidentity: ProviderAnswer,
}

/// A provider as next-auth's `getProviders()` describes it.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "camelCase")]
pub struct ProviderAnswer {
    pub id: String,
    pub name: String,
    /// `oidc`: an OpenID Connect provider (next-auth 5's word; 4 calls it `oauth`).
    #[serde(rename = "type")]
    pub kind: String,
    pub signin_url: String,
    pub callback_url: String,
}

/// A sign-in or sign-out posted by next-auth's clients (`json=true` or
/// `X-Auth-Return-Redirect: 1`): where the browser goes next, an absolute URL.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct UrlAnswer {
    pub url: String,
}

/// Such a request refused: the error answer, and the error page that explains it as
/// `url`, which next-auth's clients navigate to (or read `?error=` from).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct UrlRefusal {
    pub error: String,
    pub message: String,
    pub url: String,
}

/// A state change that was done: `{"ok": true}`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct Done {
    pub ok: bool,
}

impl Done {
    pub const fn ok() -> Self {
        Self { ok: true }
    }
}

/// `POST /api/auth/signout`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SignedOutAnswer {
    pub ok: bool,
    /// Where the browser goes next when the provider's session must end too
    /// (RP-initiated logout).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub redirect: Option<String>,
}

/// Sessions ended: `POST /api/auth/signout-everywhere` and a back-channel logout.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct Ended {
    pub ok: bool,
    #[cfg_attr(test, ts(type = "number"))]
    pub ended: usize,
}

/// `GET /api/auth/sessions`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SessionList {
    pub sessions: Vec<ListedSession>,
}

/// One of the user's sessions: never its token or key.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct ListedSession {
    /// The session's public id, which `POST /api/auth/sessions/revoke` takes.
    pub id: String,
    /// "Chrome on Mac OSX".
    pub device: String,
    /// The network it signed in from (`203.0.113.0/24`), never a whole address.
    pub network: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    /// Whether this is the session the request came with.
    pub current: bool,
}

/// `POST /api/auth/register`: accepted, whether or not the address was known.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct Registered {
    pub ok: bool,
    pub message: String,
}

/// `POST /api/auth/account/address`: accepted, whether or not the address can be used.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct AddressRequested {
    pub ok: bool,
    pub message: String,
}

/// `POST /api/auth/account/address/confirm`: the account's address now.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct AddressConfirmed {
    pub ok: bool,
    pub email: String,
}

/// `POST /api/auth/binding-owner`: whose passkey an enrolment link makes.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct BindingOwner {
    pub email: String,
    pub name: Option<String>,
}

/// `POST /api/auth/bind-job`: a link that adds a passkey on this device.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct BindingLink {
    pub credential_binding_link: String,
}

/// `GET /api/auth/passkeys`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct PasskeyList {
    pub passkeys: Vec<AccountPasskey>,
}

/// `POST /api/auth/passkeys/revoke`: the passkey as it now is.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct PasskeyRevoked {
    pub ok: bool,
    pub passkey: AccountPasskey,
}

/// One of the user's credentials at Beyond Identity.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct AccountPasskey {
    pub id: String,
    /// `ACTIVE` or `REVOKED`.
    pub state: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../static-site/src/generated/answers.ts"
    );

    /// Each type's declaration, exported, with its documentation.
    fn declaration<T: TS>(config: &ts_rs::Config) -> String {
        format!(
            "{}export {}\n",
            T::docs().unwrap_or_default(),
            T::decl(config)
        )
    }

    fn typescript() -> String {
        let config = ts_rs::Config::new();
        let declarations = [
            declaration::<ErrorAnswer>(&config),
            declaration::<SessionAnswer>(&config),
            declaration::<SessionUser>(&config),
            declaration::<SignedOut>(&config),
            declaration::<CsrfAnswer>(&config),
            declaration::<ProvidersAnswer>(&config),
            declaration::<ProviderAnswer>(&config),
            declaration::<UrlAnswer>(&config),
            declaration::<UrlRefusal>(&config),
            declaration::<Done>(&config),
            declaration::<AddressRequested>(&config),
            declaration::<AddressConfirmed>(&config),
            declaration::<SignedOutAnswer>(&config),
            declaration::<Ended>(&config),
            declaration::<SessionList>(&config),
            declaration::<ListedSession>(&config),
            declaration::<Registered>(&config),
            declaration::<BindingOwner>(&config),
            declaration::<BindingLink>(&config),
            declaration::<PasskeyList>(&config),
            declaration::<PasskeyRevoked>(&config),
            declaration::<AccountPasskey>(&config),
        ];
        format!(
            "// Generated from shared/src/routes/answers.rs by its unit test: do not edit.\n\
             // UPDATE_ANSWERS=1 cargo test -p passkey-auth --lib answers writes it again.\n\n{}",
            declarations.join("\n")
        )
    }

    #[test]
    fn the_site_s_types_are_the_answers_types() {
        let wanted = typescript();
        if std::env::var_os("UPDATE_ANSWERS").is_some() {
            std::fs::write(GENERATED, &wanted).expect("write the generated types");
        }
        let found = std::fs::read_to_string(GENERATED).unwrap_or_default();
        assert!(
            found == wanted,
            "static-site/src/generated/answers.ts is stale: run \
             UPDATE_ANSWERS=1 cargo test -p passkey-auth --lib answers"
        );
    }

    fn json<T: Serialize>(answer: &T) -> String {
        serde_json::to_string(answer).expect("serialises")
    }

    #[test]
    fn answers_serialise_as_the_site_reads_them() {
        assert_eq!(json(&SignedOut::ANSWER), "false");
        assert_eq!(
            json(&CsrfAnswer {
                csrf_token: "t".into()
            }),
            r#"{"csrfToken":"t"}"#
        );
        assert_eq!(
            json(&ProviderAnswer {
                id: "i".into(),
                name: "n".into(),
                kind: "oidc".into(),
                signin_url: "s".into(),
                callback_url: "c".into(),
            }),
            r#"{"id":"i","name":"n","type":"oidc","signinUrl":"s","callbackUrl":"c"}"#
        );
        assert_eq!(json(&Done::ok()), r#"{"ok":true}"#);
        assert_eq!(
            json(&SignedOutAnswer {
                ok: true,
                redirect: None
            }),
            r#"{"ok":true}"#,
            "no redirect: no key"
        );
        assert_eq!(
            json(&SessionUser {
                id: "s".into(),
                name: None,
                email: Some("e".into()),
                image: ()
            }),
            r#"{"id":"s","name":null,"email":"e","image":null}"#
        );
    }
}
