// Generated from shared/src/routes/answers.rs by its unit test: do not edit.
// UPDATE_ANSWERS=1 cargo test -p passkey-auth --lib answers writes it again.

/**
 * A refusal or a failure: a stable code to match on, and a sentence for people.
 */
export type ErrorAnswer = { error: string, message: string, };

/**
 * `GET /api/auth/session` when signed in: NextAuth's session object.
 */
export type SessionAnswer = { user: SessionUser, 
/**
 * When the session ends if nothing happens (RFC 3339).
 */
expires: string, };

/**
 * The signed-in user, as NextAuth's session names it: `id` is the provider's subject.
 */
export type SessionUser = { id: string, name: string | null, email: string | null, 
/**
 * Always `null`: NextAuth's shape, without a picture.
 */
image: null, };

/**
 * `GET /api/auth/session` when signed out: `false`. It is the one JSON value that
 * next-auth's clients of both versions read as "no session" without an error: version
 * 4 turns an answer without keys into `null` (`{}` from its own server, and `false`),
 * but logs `CLIENT_FETCH_ERROR` and posts it to `/_log` for `null`, which it cannot read
 * keys of; version 5 takes the answer as it is and counts anything truthy, `{}`
 * included, as signed in (its own server answers `null`). docs/migrate-from-nextauth.md
 * has the measurements.
 */
export type SignedOut = false;

/**
 * `GET /api/auth/csrf`: next-auth's CSRF token, for the body of the forms its clients
 * post (`crate::http::csrf_token`).
 */
export type CsrfAnswer = { csrfToken: string, };

/**
 * `GET /api/auth/providers`: the one provider, as next-auth's clients list them.
 */
export type ProvidersAnswer = { beyondidentity: ProviderAnswer, };

/**
 * A provider as next-auth's `getProviders()` describes it.
 */
export type ProviderAnswer = { id: string, name: string, 
/**
 * `oidc`: an OpenID Connect provider (next-auth 5's word; 4 calls it `oauth`).
 */
type: string, signinUrl: string, callbackUrl: string, };

/**
 * A sign-in or sign-out posted by next-auth's clients (`json=true` or
 * `X-Auth-Return-Redirect: 1`): where the browser goes next, an absolute URL.
 */
export type UrlAnswer = { url: string, };

/**
 * Such a request refused: the error answer, and the error page that explains it as
 * `url`, which next-auth's clients navigate to (or read `?error=` from).
 */
export type UrlRefusal = { error: string, message: string, url: string, };

/**
 * A state change that was done: `{"ok": true}`.
 */
export type Done = { ok: boolean, };

/**
 * `POST /api/auth/account/address`: accepted, whether or not the address can be used.
 */
export type AddressRequested = { ok: boolean, message: string, };

/**
 * `POST /api/auth/account/address/confirm`: the account's address now.
 */
export type AddressConfirmed = { ok: boolean, email: string, };

/**
 * `POST /api/auth/signout`.
 */
export type SignedOutAnswer = { ok: boolean, 
/**
 * Where the browser goes next when the provider's session must end too
 * (RP-initiated logout).
 */
redirect?: string, };

/**
 * Sessions ended: `POST /api/auth/signout-everywhere` and a back-channel logout.
 */
export type Ended = { ok: boolean, ended: number, };

/**
 * `GET /api/auth/sessions`.
 */
export type SessionList = { sessions: Array<ListedSession>, };

/**
 * One of the user's sessions: never its token or key.
 */
export type ListedSession = { 
/**
 * The session's public id, which `POST /api/auth/sessions/revoke` takes.
 */
id: string, 
/**
 * "Chrome on Mac OSX".
 */
device: string, 
/**
 * The network it signed in from (`203.0.113.0/24`), never a whole address.
 */
network: string | null, created_at: string, last_seen_at: string, 
/**
 * Whether this is the session the request came with.
 */
current: boolean, };

/**
 * `POST /api/auth/register`: accepted, whether or not the address was known.
 */
export type Registered = { ok: boolean, message: string, };

/**
 * `POST /api/auth/binding-owner`: whose passkey an enrolment link makes.
 */
export type BindingOwner = { email: string, name: string | null, };

/**
 * `POST /api/auth/bind-job`: a link that adds a passkey on this device.
 */
export type BindingLink = { credential_binding_link: string, };

/**
 * `GET /api/auth/passkeys`.
 */
export type PasskeyList = { passkeys: Array<AccountPasskey>, };

/**
 * `POST /api/auth/passkeys/revoke`: the passkey as it now is.
 */
export type PasskeyRevoked = { ok: boolean, passkey: AccountPasskey, };

/**
 * One of the user's credentials at Beyond Identity.
 */
export type AccountPasskey = { id: string, 
/**
 * `ACTIVE` or `REVOKED`.
 */
state: string, created_at: string | null, updated_at: string | null, };
