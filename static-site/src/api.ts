// The functions' routes, as the pages call them. The shapes of their answers are the
// functions' own types (shared/src/routes/answers.rs), generated into ./generated.

import type {
  AccountPasskey,
  AddressConfirmed,
  AddressRequested,
  BindingLink,
  BindingOwner,
  Done,
  Ended,
  ErrorAnswer,
  ListedSession,
  PasskeyList,
  PasskeyRevoked,
  Registered,
  SessionAnswer,
  SessionList,
  SignedOut,
  SignedOutAnswer,
} from './generated/answers';

export type { AccountPasskey, BindingOwner, ListedSession, SessionAnswer };

/** An error answer from a function: `{error, message}` and the status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The service cannot be reached. Check your connection and try again.');
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = Number(response.headers.get('retry-after')) || undefined;
    const { error, message } = answer as Partial<ErrorAnswer>;
    throw new ApiError(response.status, error ?? 'error', message ?? `Error ${response.status}`, retry);
  }
  return answer as T;
}

export async function session(): Promise<SessionAnswer | null> {
  const answer = await call<SessionAnswer | SignedOut>('GET', '/api/auth/session');
  return answer === false ? null : answer;
}

export const register = (email: string) => call<Registered>('POST', '/api/auth/register', { email });

/** Whose passkey an enrolment link makes (`/bind` asks before it binds). */
export const bindingOwner = (link: string) => call<BindingOwner>('POST', '/api/auth/binding-owner', { link });

/**
 * Says that this link's passkey is bound: the functions check it with Beyond Identity and
 * tell the team's app (`passkey.added`, docs/events.md). Kept alive through the navigation
 * that follows; nothing waits for it, and its failure changes nothing here.
 */
export function reportBinding(link: string): void {
  fetch('/api/auth/binding-complete', {
    method: 'POST',
    credentials: 'same-origin',
    keepalive: true,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link }),
  }).catch(() => {});
}

export const bindJob = () => call<BindingLink>('POST', '/api/auth/bind-job', {});

/** Sign-out; `redirect` is where the browser goes next when the provider's session must end too (RP-initiated logout). */
export const signOut = () => call<SignedOutAnswer>('POST', '/api/auth/signout', {});

export const listSessions = () => call<SessionList>('GET', '/api/auth/sessions');

export const endSession = (id: string) => call<Done>('POST', '/api/auth/sessions/revoke', { id });

export const signOutEverywhere = () => call<Ended>('POST', '/api/auth/signout-everywhere', {});

export const listPasskeys = () => call<PasskeyList>('GET', '/api/auth/passkeys');

export const revokePasskey = (id: string, confirm: boolean) =>
  call<PasskeyRevoked>('POST', '/api/auth/passkeys/revoke', { id, confirm });

/** Asks for a change of the account's address: a link to confirm it goes to the new one. */
export const askForAddress = (email: string) => call<AddressRequested>('POST', '/api/auth/account/address', { email });

/** Confirms a change of address with its link's token (signed in as the account). */
export const confirmAddress = (token: string) =>
  call<AddressConfirmed>('POST', '/api/auth/account/address/confirm', { token });

/** The query of the account page that carries a confirmation link's token. */
export const CONFIRM_ADDRESS = 'confirm-address';

/** Deletes the signed-in user's account: its identity and passkeys, every session (docs/account.md). */
export const deleteAccount = () => call<Done>('POST', '/api/auth/account/delete', {});

/**
 * The account page. Every deployment serves it here; the standalone site (no team's app
 * in front) serves it at `/` as well (docs/front-door.md).
 */
export const ACCOUNT_PAGE = '/account';

/**
 * Where sign-in starts; `then` is a same-origin path to come back to, and without one the
 * sign-in lands on the deployment's landing page (`AUTH_LANDING_PAGE`: `/`, the site's
 * home or the team's app). A step-up asks the provider for a new ceremony;
 * `end-other-sessions` also ends every other session of the user before the new one exists.
 */
export function signInUrl(then?: string, intent?: 'reauthenticate' | 'end-other-sessions'): string {
  const query = new URLSearchParams();
  if (then !== undefined) query.set('callbackUrl', then);
  if (intent) query.set('intent', intent);
  const search = query.toString();
  return search ? `/api/auth/signin?${search}` : '/api/auth/signin';
}
