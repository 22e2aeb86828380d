// A sensitive action waiting for a fresh sign-in, kept in this tab only: the page that
// met `reauthentication_required` remembers it, signs in again, and the page that the
// sign-in comes back to carries it out (each page takes only the actions it knows).
import { ApiError, signInUrl } from './api';
import { t } from './i18n';
import { announce } from './ui';

export type Pending = { action: 'add-passkey' } | { action: 'sign-out-everywhere' } | { action: 'revoke-passkey'; id: string; confirm: boolean };

const KEY = 'pending-action';
const PENDING_FOR_MS = 10 * 60 * 1000;

/** Keeps an action for the next page of this tab that takes it. */
export function remember(pending: Pending): void {
  sessionStorage.setItem(KEY, JSON.stringify({ ...pending, at: Date.now() }));
}

/**
 * If the error asks for a fresh sign-in: remember the action, sign in again and come back
 * to `path`. Any other error is the caller's to show.
 */
export function reauthenticate(error: unknown, pending: Pending, path: string): boolean {
  if (!(error instanceof ApiError) || error.code !== 'reauthentication_required') return false;
  remember(pending);
  announce(t('common.confirmItIsYou'), 'info');
  location.assign(signInUrl(path));
  return true;
}

/** The action waiting for this page (one of `actions`), if any and not stale; taken once. */
export function takePending(actions: Pending['action'][]): Pending | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const pending = JSON.parse(raw) as Pending & { at: number };
    if (!actions.includes(pending.action)) return null;
    sessionStorage.removeItem(KEY);
    return Date.now() - pending.at < PENDING_FOR_MS ? pending : null;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}
