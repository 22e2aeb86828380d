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
 * `GET /api/auth/session` when signed out: `{}`, as NextAuth answers.
 */
export type SignedOut = Record<symbol, never>;

/**
 * A state change that was done: `{"ok": true}`.
 */
export type Done = { ok: boolean, };

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
