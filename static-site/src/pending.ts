// A sensitive action waiting for a fresh sign-in, kept in this tab only: the page that
// met `reauthentication_required` remembers it with the user who asked, signs in again
// (a step-up: the provider is asked for a new ceremony), and the page that the sign-in
// comes back to carries it out for that user alone: a sign-in as someone else in this tab
// drops it. Each page takes only the actions it knows.
import { ApiError, signInUrl } from './api';
import { t } from './i18n';
import { announce } from './ui';

export type Pending =
  | { action: 'add-passkey' }
  | { action: 'delete-account' }
  | { action: 'change-address'; email: string }
  | { action: 'end-session'; id: string }
  | { action: 'revoke-passkey'; id: string; confirm: boolean };

const KEY = 'pending-action';
const PENDING_FOR_MS = 10 * 60 * 1000;

/** Keeps an action of `user` (their id) for the next page of this tab that takes it. */
export function remember(pending: Pending, user: string): void {
  sessionStorage.setItem(KEY, JSON.stringify({ ...pending, user, at: Date.now() }));
}

/**
 * If the error asks for a fresh sign-in: remember the action of `user`, sign in again
 * and come back to `path`. Any other error is the caller's to show.
 */
export function reauthenticate(error: unknown, pending: Pending, path: string, user: string): boolean {
  if (!(error instanceof ApiError) || error.code !== 'reauthentication_required') return false;
  remember(pending, user);
  announce(t('common.confirmItIsYou'), 'info');
  location.assign(signInUrl(path, 'reauthenticate'));
  return true;
}

/**
 * The action of `user` waiting for this page (one of `actions`), if any and not stale;
 * taken once. Another user's action is dropped, never run.
 */
export function takePending(actions: Pending['action'][], user: string): Pending | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const pending = JSON.parse(raw) as Pending & { user: string; at: number };
    if (pending.user !== user) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    if (!actions.includes(pending.action)) return null;
    sessionStorage.removeItem(KEY);
    return Date.now() - pending.at < PENDING_FOR_MS ? pending : null;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}
