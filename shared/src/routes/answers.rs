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

/// `GET /api/auth/session` when signed out: `{}`, as NextAuth answers.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct SignedOut {}

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
            declaration::<Done>(&config),
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
        assert_eq!(json(&SignedOut {}), "{}");
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
