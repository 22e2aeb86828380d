// Home, the account page: this session, where the user is signed in, their passkeys at
// Beyond Identity; signed out: sign in and registration. It runs no SDK, so it keeps the
// strict policy: the passkeys this browser holds are on /device, which runs it.
import './style.css';
import {
  ApiError,
  endSession,
  listPasskeys,
  listSessions,
  register,
  revokePasskey,
  session,
  signOut,
  signOutEverywhere,
  type AccountPasskey,
  type ListedSession,
  type Session,
} from './api';
import { devicePasskeys } from './device-passkeys';
import { apiMessage, explain } from './errors';
import { reauthenticate, remember, takePending, type Pending } from './pending';
import { announce, busy, byId, el } from './ui';

const sections = {
  loading: byId('loading'),
  signedIn: byId('signed-in'),
  signedOut: byId('signed-out'),
};

function show(current: Session | null): void {
  sections.loading.hidden = true;
  sections.signedIn.hidden = !current;
  sections.signedOut.hidden = !!current;
  if (current) byId('who').textContent = current.user.name ?? current.user.email ?? current.user.id;
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

async function revoke(passkey: AccountPasskey, confirmed: boolean): Promise<void> {
  try {
    await revokePasskey(passkey.id, confirmed);
  } catch (error) {
    if (reauthenticate(error, { action: 'revoke-passkey', id: passkey.id, confirm: confirmed }, '/')) return;
    if (error instanceof ApiError && error.code === 'confirmation_required') {
      const sure = window.confirm(
        'This is your last passkey. After revoking it you cannot sign in until you register again with your email address and set up a new passkey from the email. Revoke it?',
      );
      if (sure) await revoke(passkey, true);
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    return;
  }
  // This browser's copy can no longer sign in: /device forgets it (it runs the SDK).
  const here = devicePasskeys().has(passkey.id) ? [el('p', {}, el('a', { href: '/device' }, 'Remove it from this device'))] : [];
  announce('The passkey was revoked: it can no longer sign in.', 'success', ...here);
  await refreshAccountPasskeys();
}

function passkeyItem(passkey: AccountPasskey, onThisDevice: boolean): HTMLLIElement {
  const active = passkey.state === 'ACTIVE';
  const name = `Passkey ${passkey.id.slice(0, 8)}`;
  const badges = [
    ...(onThisDevice ? [el('span', { class: 'badge' }, 'On this device')] : []),
    ...(active ? [] : [el('span', { class: 'badge revoked' }, 'Revoked')]),
  ];
  const what = el('span', { class: 'what' }, el('strong', {}, name, ...badges), el('span', { class: 'hint' }, `Added ${when(passkey.created_at)}`));
  if (!active) return el('li', {}, what);
  const button = el('button', { type: 'button', class: 'secondary', 'aria-label': `Revoke ${name}${onThisDevice ? ' (on this device)' : ''}` }, 'Revoke');
  button.addEventListener('click', async () => {
    const done = busy(button, 'Revoking…');
    await revoke(passkey, false);
    done();
  });
  return el('li', {}, what, button);
}

async function refreshAccountPasskeys(): Promise<void> {
  try {
    const { passkeys } = await listPasskeys();
    const local = devicePasskeys();
    byId('account-passkeys').replaceChildren(...passkeys.map((p) => passkeyItem(p, local.has(p.id))));
    sectionProblem('account-passkeys-error', '');
  } catch (error) {
    if (!signedOutMeanwhile(error)) sectionProblem('account-passkeys-error', `Your passkeys cannot be shown. ${apiMessage(error)}`);
  }
}

async function everywhere(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, 'Signing out everywhere…') : () => {};
  try {
    const { ended } = await signOutEverywhere();
    show(null);
    announce(`You are signed out everywhere (${ended} session${ended === 1 ? '' : 's'} ended).`, 'success');
  } catch (error) {
    if (reauthenticate(error, { action: 'sign-out-everywhere' }, '/')) return;
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  } finally {
    done();
  }
}

/** Carries out the action that waited for a fresh sign-in (adding a passkey is /device's). */
async function resume(pending: Pending): Promise<void> {
  switch (pending.action) {
    case 'sign-out-everywhere':
      return everywhere();
    case 'revoke-passkey':
      return revoke({ id: pending.id, state: 'ACTIVE', created_at: null, updated_at: null }, pending.confirm);
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
  if (!current) return;
  const pending = takePending(['sign-out-everywhere', 'revoke-passkey']);
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

// Adding a passkey needs the SDK: /device does it (and asks for a fresh sign-in if needed).
byId<HTMLButtonElement>('add-passkey').addEventListener('click', () => {
  remember({ action: 'add-passkey' });
  location.assign('/device');
});

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
