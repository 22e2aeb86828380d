// Home, the account page: this session, where the user is signed in, their passkeys at
// Beyond Identity; signed out: sign in and registration. Passkeys on this device always.
import './style.css';
import {
  ApiError,
  bindJob,
  endSession,
  listPasskeys,
  listSessions,
  register,
  revokePasskey,
  session,
  signInUrl,
  signOut,
  signOutEverywhere,
  type AccountPasskey,
  type ListedSession,
  type Session,
} from './api';
import { explain } from './errors';
import { LIMITS, describe, limit, retryable, sdk } from './sdk';
import { announce, busy, byId, el, reloadButton } from './ui';

const sections = {
  loading: byId('loading'),
  signedIn: byId('signed-in'),
  signedOut: byId('signed-out'),
  passkeys: byId('passkeys-section'),
};

function show(current: Session | null): void {
  sections.loading.hidden = true;
  sections.signedIn.hidden = !current;
  sections.signedOut.hidden = !!current;
  if (current) byId('who').textContent = current.user.name ?? current.user.email ?? current.user.id;
}

/** A sensitive action waiting for a fresh sign-in (kept in this tab only). */
type Pending = { action: 'add-passkey' } | { action: 'sign-out-everywhere' } | { action: 'revoke-passkey'; id: string; confirm: boolean };
const PENDING = 'pending-action';
const PENDING_FOR_MS = 10 * 60 * 1000;

/**
 * The action needs a sign-in within the last few minutes: remember it, sign in again,
 * and carry it out on the way back. Any other error is the caller's to show.
 */
function reauthenticate(error: unknown, pending: Pending): boolean {
  if (!(error instanceof ApiError) || error.code !== 'reauthentication_required') return false;
  sessionStorage.setItem(PENDING, JSON.stringify({ ...pending, at: Date.now() }));
  announce('For your security, confirm it is you: signing in again with your passkey…', 'info');
  location.assign(signInUrl('/'));
  return true;
}

function takePending(): Pending | null {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!raw) return null;
  try {
    const pending = JSON.parse(raw) as Pending & { at: number };
    return Date.now() - pending.at < PENDING_FOR_MS ? pending : null;
  } catch {
    return null;
  }
}

/** The session ended elsewhere (revoked, signed out everywhere): show the signed-out page. */
function signedOutMeanwhile(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.code !== 'unauthenticated') return false;
  show(null);
  announce('This session has ended. Please sign in again.', 'info');
  return true;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'unknown');

function sectionProblem(id: string, message: string): void {
  const problem = byId(id);
  problem.replaceChildren(el('p', {}, message));
  problem.hidden = !message;
}

function sessionItem(listed: ListedSession): HTMLLIElement {
  const label = `${listed.device}${listed.network ? `, from ${listed.network}` : ''}`;
  const what = el(
    'span',
    { class: 'what' },
    el('strong', {}, label, ...(listed.current ? [el('span', { class: 'badge' }, 'This browser')] : [])),
    el('span', { class: 'hint' }, `Signed in ${when(listed.created_at)} · last active ${when(listed.last_seen_at)}`),
  );
  const end = el('button', { type: 'button', class: 'secondary', 'aria-label': `End the session on ${label}${listed.current ? ' (this browser)' : ''}` }, 'End');
  end.addEventListener('click', async () => {
    const done = busy(end, 'Ending…');
    try {
      await endSession(listed.id);
      if (listed.current) {
        show(null);
        announce('You are signed out.', 'success');
        return;
      }
      await refreshSessions();
      announce(`The session on ${label} was ended.`, 'success');
    } catch (error) {
      done();
      if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    }
  });
  return el('li', {}, what, end);
}

async function refreshSessions(): Promise<void> {
  try {
    const { sessions } = await listSessions();
    // This browser first, then the others as listed (most recently used first).
    const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
    byId('sessions').replaceChildren(...ordered.map(sessionItem));
    sectionProblem('sessions-error', '');
  } catch (error) {
    if (!signedOutMeanwhile(error)) sectionProblem('sessions-error', `Your sessions cannot be shown. ${apiMessage(error)}`);
  }
}

/** The SDK's passkeys in this browser, by their cloud id (`passkeyId`). */
async function localPasskeys(): Promise<Map<string, string>> {
  try {
    const embedded = await sdk();
    const local = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
    return new Map(local.map((p) => [p.passkeyId, p.id]));
  } catch {
    return new Map();
  }
}

async function revoke(passkey: AccountPasskey, confirmed: boolean, localId?: string): Promise<void> {
  try {
    await revokePasskey(passkey.id, confirmed);
  } catch (error) {
    if (reauthenticate(error, { action: 'revoke-passkey', id: passkey.id, confirm: confirmed })) return;
    if (error instanceof ApiError && error.code === 'confirmation_required') {
      const sure = window.confirm(
        'This is your last passkey. After revoking it you cannot sign in until you register again with your email address and set up a new passkey from the email. Revoke it?',
      );
      if (sure) await revoke(passkey, true, localId);
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    return;
  }
  if (localId) {
    // The key in this browser can no longer sign in: forget it here too.
    try {
      const embedded = await sdk();
      await limit(embedded.deletePasskey(localId), LIMITS.local, 'Deleting the passkey');
    } catch (error) {
      announce(`The passkey was revoked, but this browser still lists it. ${describe(error)}`, 'error');
      return;
    }
  }
  announce('The passkey was revoked: it can no longer sign in.', 'success');
  await Promise.all([refreshAccountPasskeys(), refreshPasskeys()]);
}

function passkeyItem(passkey: AccountPasskey, localId: string | undefined): HTMLLIElement {
  const active = passkey.state === 'ACTIVE';
  const name = `Passkey ${passkey.id.slice(0, 8)}`;
  const badges = [
    ...(localId ? [el('span', { class: 'badge' }, 'On this device')] : []),
    ...(active ? [] : [el('span', { class: 'badge revoked' }, 'Revoked')]),
  ];
  const what = el('span', { class: 'what' }, el('strong', {}, name, ...badges), el('span', { class: 'hint' }, `Added ${when(passkey.created_at)}`));
  if (!active) return el('li', {}, what);
  const button = el('button', { type: 'button', class: 'secondary', 'aria-label': `Revoke ${name}${localId ? ' (on this device)' : ''}` }, 'Revoke');
  button.addEventListener('click', async () => {
    const done = busy(button, 'Revoking…');
    await revoke(passkey, false, localId);
    done();
  });
  return el('li', {}, what, button);
}

async function refreshAccountPasskeys(): Promise<void> {
  try {
    const [{ passkeys }, local] = await Promise.all([listPasskeys(), localPasskeys()]);
    byId('account-passkeys').replaceChildren(...passkeys.map((p) => passkeyItem(p, local.get(p.id))));
    sectionProblem('account-passkeys-error', '');
  } catch (error) {
    if (!signedOutMeanwhile(error)) sectionProblem('account-passkeys-error', `Your passkeys cannot be shown. ${apiMessage(error)}`);
  }
}

async function addPasskey(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, 'Adding…') : () => {};
  try {
    const { credential_binding_link: link } = await bindJob();
    const embedded = await sdk();
    await limit(embedded.bindPasskey(link), LIMITS.remote, 'Setting up the passkey');
    announce('A passkey was added to this device.', 'success');
    await Promise.all([refreshPasskeys(), refreshAccountPasskeys()]);
  } catch (error) {
    if (reauthenticate(error, { action: 'add-passkey' })) return;
    const retry = !(error instanceof ApiError) && retryable(error) ? [reloadButton()] : [];
    announce(error instanceof ApiError ? apiMessage(error) : describe(error), 'error', ...retry);
  } finally {
    done();
  }
}

async function everywhere(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, 'Signing out everywhere…') : () => {};
  try {
    const { ended } = await signOutEverywhere();
    show(null);
    announce(`You are signed out everywhere (${ended} session${ended === 1 ? '' : 's'} ended).`, 'success');
  } catch (error) {
    if (reauthenticate(error, { action: 'sign-out-everywhere' })) return;
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  } finally {
    done();
  }
}

/** Carries out the action that waited for a fresh sign-in. */
async function resume(pending: Pending): Promise<void> {
  switch (pending.action) {
    case 'add-passkey':
      return addPasskey();
    case 'sign-out-everywhere':
      return everywhere();
    case 'revoke-passkey': {
      const local = await localPasskeys();
      return revoke({ id: pending.id, state: 'ACTIVE', created_at: null, updated_at: null }, pending.confirm, local.get(pending.id));
    }
  }
}

function apiMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.code === 'rate_limited' && error.retryAfter) {
    const minutes = Math.ceil(error.retryAfter / 60);
    return `Too many attempts. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  return error.message;
}

async function refreshPasskeys(): Promise<void> {
  try {
    const embedded = await sdk();
    const passkeys = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
    const list = byId('passkeys');
    list.replaceChildren(
      ...passkeys.map((passkey) => {
        const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': `Forget the passkey of ${passkey.identity.username} on this device` }, 'Forget');
        remove.addEventListener('click', async () => {
          const done = busy(remove, 'Forgetting…');
          try {
            await limit(embedded.deletePasskey(passkey.id), LIMITS.local, 'Deleting the passkey');
            announce(`The passkey of ${passkey.identity.username} was forgotten on this device.`, 'success');
            await refreshPasskeys();
          } catch (error) {
            done();
            announce(describe(error), 'error');
          }
        });
        return el('li', {}, el('span', {}, passkey.identity.username), remove);
      }),
    );
    byId('passkeys-empty').hidden = passkeys.length > 0;
    sections.passkeys.hidden = false;
    byId('passkeys-error').hidden = true;
  } catch (error) {
    // Said in the passkeys section itself: a sign-in or registration message in the
    // status region must not be replaced by this one.
    const problem = byId('passkeys-error');
    problem.replaceChildren(el('p', {}, `The passkeys on this device cannot be shown. ${describe(error)}`), ...(retryable(error) ? [reloadButton()] : []));
    problem.hidden = false;
    byId('passkeys-empty').hidden = true;
    sections.passkeys.hidden = false;
  }
}

async function load(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const code = params.get('error');
  if (code) {
    announce(explain(code), 'error');
    history.replaceState(null, '', location.pathname);
  }
  let current: Session | null;
  try {
    current = await session();
  } catch (error) {
    sections.loading.hidden = true;
    const retry = el('button', { type: 'button' }, 'Try again');
    retry.addEventListener('click', () => location.reload());
    announce(apiMessage(error), 'error', retry);
    return;
  }
  show(current);
  void refreshPasskeys();
  if (!current) return;
  const pending = takePending();
  if (pending && !code) {
    await resume(pending);
    // Signing out everywhere ends this session too: nothing more to show.
    if (sections.signedIn.hidden) return;
  }
  await Promise.all([refreshSessions(), refreshAccountPasskeys()]);
}

byId<HTMLFormElement>('register').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('email');
  const email = input.value.trim();
  if (!email) {
    announce('Enter your email address.', 'error');
    input.focus();
    return;
  }
  const done = busy((event.target as HTMLFormElement).querySelector('button') as HTMLButtonElement, 'Sending…');
  try {
    const answer = await register(email);
    announce(`${answer.message} Open it on this device.`, 'success');
    input.value = '';
  } catch (error) {
    announce(apiMessage(error), 'error');
    input.focus();
  } finally {
    done();
  }
});

byId<HTMLButtonElement>('add-passkey').addEventListener('click', (event) => addPasskey(event.currentTarget as HTMLButtonElement));

byId<HTMLButtonElement>('sign-out-everywhere').addEventListener('click', (event) => everywhere(event.currentTarget as HTMLButtonElement));

byId<HTMLButtonElement>('sign-out').addEventListener('click', async (event) => {
  const done = busy(event.currentTarget as HTMLButtonElement, 'Signing out…');
  try {
    const { redirect } = await signOut();
    show(null);
    if (redirect) {
      // The provider ends its session too, then sends the browser back here.
      announce('You are signed out here; signing you out of the identity provider…', 'info');
      location.assign(redirect);
      return;
    }
    announce('You are signed out.', 'success');
  } catch (error) {
    announce(apiMessage(error), 'error');
  } finally {
    done();
  }
});

void load();
