// The SDK stand-in for development against bi-local. It has the surface of
// @beyondidentity/bi-sdk-js's `Embedded` that the pages use, and keeps each passkey as a
// non-extractable WebCrypto P-256 key in IndexedDB that proves possession to bi-local's
// /_emulator/bind and /_emulator/authenticate. Vite puts it in place of the real SDK in
// mode `bilocal` only; a production build never contains it (a test checks).
import type { AuthenticateResponse, BindPasskeyResponse, Config, Passkey } from '@beyondidentity/bi-sdk-js';

const AUTH = import.meta.env.VITE_BI_LOCAL_AUTH_URL as string;
const DB = 'bi-local-standin';
const STORE = 'passkeys';

interface Stored {
  passkey: Passkey;
  key: CryptoKey;
}

/**
 * The real SDK's typed error ("FlattenedError", its CHANGELOG 2.0.1): a plain object with
 * a `type` and an optional `data`, not an `Error`. The pages must read it as they read the
 * real one, so the stand-in throws the same shape.
 */
export interface FlattenedError {
  type: string;
  data?: { message: string };
}

const flattened = (type: string, message: string): FlattenedError => ({ type, data: { message } });

/**
 * bi-local names the typed error the real SDK throws in each case (an `SdkError` detail of
 * its answer, after the changelog's mapping: `BindCredential(…Service(…))` →
 * `V1ServiceError`, `MissingCredentialInRealm` → `CredentialNotFound`, `Deny` →
 * `PolicyDenied`); an answer without one is a request the SDK would not have made.
 */
function sdkError(answer: { details?: { type?: string; sdk_error?: string }[] }): string {
  return answer.details?.find((d) => d.type === 'SdkError')?.sdk_error ?? 'InvalidUrl';
}

type Call = 'bind' | 'authenticate';

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'passkey.id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = run(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function sign(key: CryptoKey, message: string): Promise<string> {
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    new TextEncoder().encode(message),
  );
  return base64url(signature);
}

async function post<T>(call: Call, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${AUTH}/_emulator/${call}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    // The real SDK's untyped error when the cloud cannot be reached (measured offline).
    throw new Error(`HandleUrl(AnyhowWrapper(While calling ${AUTH}\n\nCaused by:\n    Failed to send a request.))`);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw flattened(sdkError(answer), answer.message ?? `bi-local answered ${response.status}`);
  }
  return answer as T;
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export class Embedded {
  private constructor() {}

  static initialize = async (_config?: Config): Promise<Embedded> => new Embedded();

  isBindPasskeyUrl = (url: string): boolean => {
    const u = parse(url);
    if (!u) return false;
    if (/\/credential-binding-jobs\/[^/]+:invokeAuthenticator$/.test(u.pathname)) return u.searchParams.has('token');
    return (
      u.pathname.endsWith('/bind') &&
      ['api_base_url', 'tenant_id', 'realm_id', 'identity_id', 'job_id', 'token'].every((p) => u.searchParams.get(p))
    );
  };

  isAuthenticateUrl = (url: string): boolean => {
    const u = parse(url);
    return !!u && u.pathname.endsWith('/bi-authenticate') && !!u.searchParams.get('request');
  };

  bindPasskey = async (url: string): Promise<BindPasskeyResponse> => {
    if (!this.isBindPasskeyUrl(url)) throw new Error('HandleUrl(UnknownUrl)');
    const api = new URL(url).searchParams.get('api_base_url');
    if (api !== null && !parse(api)) throw new Error('HandleUrl(Verify(Domain(InvalidUrl)))');
    const token = new URL(url).searchParams.get('token') ?? '';
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const answer = await post<{ passkey: Passkey; postBindingRedirectUri?: string }>('bind', {
      url,
      public_key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
      signature: await sign(pair.privateKey, `bi-local-bind:${token}`),
    });
    const passkey: Passkey = { ...answer.passkey, id: crypto.randomUUID(), passkeyId: answer.passkey.id };
    // As the real SDK 3.0.6 does (measured, tests/e2e/real-sdk.test.mjs): one passkey per
    // identity in a browser; a new binding replaces the one it held.
    const replaced = (await this.getPasskeys()).filter((p) => p.identity.id === passkey.identity.id);
    for (const old of replaced) await this.deletePasskey(old.id);
    await transact('readwrite', (store) => store.put({ passkey, key: pair.privateKey } satisfies Stored));
    return { passkey, postBindingRedirectUri: answer.postBindingRedirectUri };
  };

  getPasskeys = async (): Promise<Passkey[]> => {
    const all = await transact<Stored[]>('readonly', (store) => store.getAll());
    return all.map((s) => s.passkey).sort((a, b) => a.created.localeCompare(b.created));
  };

  deletePasskey = async (id: string): Promise<void> => {
    await transact('readwrite', (store) => store.delete(id));
  };

  authenticate = async (url: string, passkeyId: string): Promise<AuthenticateResponse> => {
    if (!this.isAuthenticateUrl(url)) throw new Error('HandleUrl(UnknownUrl)');
    const stored = await transact<Stored | undefined>('readonly', (store) => store.get(passkeyId));
    if (!stored) throw flattened('CredentialNotFound', 'this passkey is not on this device');
    const request = new URL(url).searchParams.get('request') ?? '';
    const answer = await post<{ redirectUrl: string }>('authenticate', {
      url,
      credential_id: stored.passkey.passkeyId,
      signature: await sign(stored.key, `bi-local-authenticate:${request}`),
    });
    return { redirectUrl: answer.redirectUrl, passkey: stored.passkey };
  };
}
