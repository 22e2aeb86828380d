// The functions' routes, as the pages call them.

export interface User {
  id: string;
  name: string | null;
  email: string | null;
  image: null;
}

export interface Session {
  user: User;
  expires: string;
}

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
    throw new ApiError(response.status, answer.error ?? 'error', answer.message ?? `Error ${response.status}`, retry);
  }
  return answer as T;
}

export async function session(): Promise<Session | null> {
  const answer = await call<Partial<Session>>('GET', '/api/auth/session');
  return answer.user ? (answer as Session) : null;
}

export const register = (email: string) =>
  call<{ ok: boolean; message: string }>('POST', '/api/auth/register', { email });

/** Whose passkey an enrolment link makes (`/bind` asks before it binds). */
export interface BindingOwner {
  email: string;
  name: string | null;
}

export const bindingOwner = (link: string) => call<BindingOwner>('POST', '/api/auth/binding-owner', { link });

export const bindJob = () => call<{ credential_binding_link: string }>('POST', '/api/auth/bind-job', {});

/** Sign-out; `redirect` is where the browser goes next when the provider's session must end too (RP-initiated logout). */
export const signOut = () => call<{ ok: boolean; redirect?: string }>('POST', '/api/auth/signout', {});

/** One of the user's sessions, as `GET /api/auth/sessions` lists it. */
export interface ListedSession {
  id: string;
  device: string;
  network: string | null;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

export const listSessions = () => call<{ sessions: ListedSession[] }>('GET', '/api/auth/sessions');

export const endSession = (id: string) => call<{ ok: boolean }>('POST', '/api/auth/sessions/revoke', { id });

export const signOutEverywhere = () => call<{ ok: boolean; ended: number }>('POST', '/api/auth/signout-everywhere', {});

/** One of the user's credentials at Beyond Identity. */
export interface AccountPasskey {
  id: string;
  state: 'ACTIVE' | 'REVOKED' | string;
  created_at: string | null;
  updated_at: string | null;
}

export const listPasskeys = () => call<{ passkeys: AccountPasskey[] }>('GET', '/api/auth/passkeys');

export const revokePasskey = (id: string, confirm: boolean) =>
  call<{ ok: boolean; passkey: AccountPasskey }>('POST', '/api/auth/passkeys/revoke', { id, confirm });

/**
 * Where sign-in starts; `then` is a same-origin path to come back to. A step-up asks the
 * provider for a new ceremony; `end-other-sessions` also ends every other session of the
 * user before the new one exists.
 */
export function signInUrl(then = '/', intent?: 'reauthenticate' | 'end-other-sessions'): string {
  const url = `/api/auth/signin?callbackUrl=${encodeURIComponent(then)}`;
  return intent ? `${url}&intent=${intent}` : url;
}
