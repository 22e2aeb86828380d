// Home, the account page: this session, where the user is signed in, their passkeys at
// Beyond Identity; signed out: sign in and registration. It runs no SDK, so it keeps the
// strict policy: the passkeys this browser holds are on /device, which runs it. In hosted
// mode (a build with no SDK at all) Beyond Identity's hosted page adds a passkey.
import './style.css';
import {
  type AccountPasskey,
  ApiError,
  askForAddress,
  bindJob,
  CONFIRM_ADDRESS,
  confirmAddress,
  deleteAccount,
  endSession,
  type ListedSession,
  listPasskeys,
  listSessions,
  register,
  reportBinding,
  revokePasskey,
  type SessionAnswer,
  session,
  signInUrl,
  signOut,
  signOutEverywhere,
} from './api';
import { devicePasskeys, noteDeletedPasskeys } from './device-passkeys';
import { apiMessage, explain } from './errors';
import { localize, t, tn, when } from './i18n';
import { type Pending, reauthenticate, remember, takePending } from './pending';
import { announce, busy, byId, el, reloadButton } from './ui';

localize();

/** Beyond Identity's hosted pages make passkeys (BEYOND_IDENTITY_AUTHENTICATOR=hosted). */
const HOSTED = import.meta.env.MODE === 'hosted';
/** This page's own path, `/` or `/account` (docs/front-door.md): sign-ins come back to it. */
const HOME = location.pathname;

const sections = {
  loading: byId('loading'),
  signedIn: byId('signed-in'),
  signedOut: byId('signed-out'),
};

/** The signed-in user's id, for the actions that wait for a fresh sign-in. */
let me = '';
/** The signed-in account as its user knows it (address, else name, else id): deletion names it. */
let account = '';
/** The account's passkeys that this browser holds (the SDK pages' record of them). */
let heldHere: string[] = [];

function show(current: SessionAnswer | null): void {
  me = current?.user.id ?? '';
  account = current ? (current.user.email ?? current.user.name ?? current.user.id) : '';
  closeDeletion(false);
  sections.loading.hidden = true;
  sections.signedIn.hidden = !current;
  sections.signedOut.hidden = !!current;
  byId<HTMLAnchorElement>('sign-in').href = signInUrl(HOME);
  if (current) {
    byId('who-heading').textContent = t('home.signedInAs', {
      name: current.user.name ?? current.user.email ?? current.user.id,
    });
    // Without an address from the provider there is none to change.
    byId('address').hidden = !current.user.email;
    byId('address-current').textContent = t('home.addressCurrent', { address: current.user.email ?? '' });
  }
}

/** The session ended elsewhere (revoked, signed out everywhere): show the signed-out page. */
function signedOutMeanwhile(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.code !== 'unauthenticated') return false;
  show(null);
  announce(t('home.sessionEnded'), 'info');
  return true;
}

function sectionProblem(id: string, message: string): void {
  const problem = byId(id);
  problem.replaceChildren(el('p', {}, message));
  problem.hidden = !message;
}

function sessionItem(listed: ListedSession): HTMLLIElement {
  const label = listed.network
    ? t('home.sessionFrom', { device: listed.device, network: listed.network })
    : listed.device;
  const what = el(
    'span',
    { class: 'what' },
    el('strong', {}, label, ...(listed.current ? [el('span', { class: 'badge' }, t('home.thisBrowser'))] : [])),
    el(
      'span',
      { class: 'hint' },
      t('home.sessionTimes', { created: when(listed.created_at), seen: when(listed.last_seen_at) }),
    ),
  );
  const end = el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': t(listed.current ? 'home.endLabelThisBrowser' : 'home.endLabel', { label }),
    },
    t('home.end'),
  );
  end.addEventListener('click', async () => {
    const done = busy(end, t('home.ending'));
    try {
      await endSession(listed.id);
      if (listed.current) {
        show(null);
        announce(t('home.signedOut'), 'success');
        return;
      }
      await refreshSessions();
      announce(t('home.ended', { label }), 'success');
    } catch (error) {
      done();
      if (reauthenticate(error, { action: 'end-session', id: listed.id }, HOME, me)) return;
      if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    }
  });
  return el('li', {}, what, end);
}

/** Ends another session, after the fresh sign-in it needed. */
async function endOther(id: string): Promise<void> {
  try {
    await endSession(id);
    announce(t('home.endedAfterSignIn'), 'success');
  } catch (error) {
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  }
}

async function refreshSessions(): Promise<void> {
  try {
    const { sessions } = await listSessions();
    // This browser first, then the others as listed (most recently used first).
    const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
    byId('sessions').replaceChildren(...ordered.map(sessionItem));
    sectionProblem('sessions-error', '');
  } catch (error) {
    if (!signedOutMeanwhile(error))
      sectionProblem('sessions-error', t('home.sessionsProblem', { reason: apiMessage(error) }));
  }
}

async function revoke(passkey: AccountPasskey, confirmed: boolean): Promise<void> {
  try {
    await revokePasskey(passkey.id, confirmed);
  } catch (error) {
    if (reauthenticate(error, { action: 'revoke-passkey', id: passkey.id, confirm: confirmed }, HOME, me)) return;
    if (error instanceof ApiError && error.code === 'confirmation_required') {
      const sure = window.confirm(t('home.lastPasskey'));
      if (sure) await revoke(passkey, true);
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    return;
  }
  // This browser's copy can no longer sign in: /device forgets it (it runs the SDK).
  const here = devicePasskeys().has(passkey.id)
    ? [el('p', {}, el('a', { href: '/device' }, t('home.removeFromDevice')))]
    : [];
  announce(t('home.revoked'), 'success', ...here);
  await refreshAccountPasskeys();
}

function passkeyItem(passkey: AccountPasskey, onThisDevice: boolean): HTMLLIElement {
  const active = passkey.state === 'ACTIVE';
  const name = t('home.passkeyName', { id: passkey.id.slice(0, 8) });
  const badges = [
    ...(onThisDevice ? [el('span', { class: 'badge' }, t('home.onThisDevice'))] : []),
    ...(active ? [] : [el('span', { class: 'badge revoked' }, t('home.revokedBadge'))]),
  ];
  const what = el(
    'span',
    { class: 'what' },
    el('strong', {}, name, ...badges),
    el('span', { class: 'hint' }, t('home.added', { when: when(passkey.created_at) })),
  );
  if (!active) return el('li', {}, what);
  const button = el(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': t(onThisDevice ? 'home.revokeLabelOnThisDevice' : 'home.revokeLabel', { name }),
    },
    t('home.revoke'),
  );
  button.addEventListener('click', async () => {
    const done = busy(button, t('home.revoking'));
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
    // The SDK keeps one passkey per account in a browser: where this one already holds
    // an active one, adding replaces it (/device revokes the old one), and the button
    // says so. In hosted mode Beyond Identity's page keeps them, out of the site's sight.
    heldHere = HOSTED ? [] : passkeys.filter((p) => local.has(p.id)).map((p) => p.id);
    const held = !HOSTED && passkeys.some((p) => p.state === 'ACTIVE' && local.has(p.id));
    byId('add-passkey').textContent = t(held ? 'home.renewPasskey' : 'home.addPasskey');
    sectionProblem('account-passkeys-error', '');
  } catch (error) {
    if (!signedOutMeanwhile(error))
      sectionProblem('account-passkeys-error', t('home.passkeysProblem', { reason: apiMessage(error) }));
  }
}

async function everywhere(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, t('home.signingOutEverywhere')) : () => {};
  try {
    const { ended } = await signOutEverywhere();
    show(null);
    announce(tn('home.signedOutEverywhere', ended), 'success');
  } catch (error) {
    if (error instanceof ApiError && error.code === 'reauthentication_required') {
      // A fresh sign-in that ends every other session before its own exists: the way
      // that always wins, even against someone ending this user's sessions with a
      // copied cookie. It comes back signed in here alone.
      announce(t('common.confirmItIsYou'), 'info');
      location.assign(signInUrl(`${HOME}?${ENDED_OTHERS}`, 'end-other-sessions'));
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  } finally {
    done();
  }
}

/** The query a sign-in that ended the other sessions comes back to home with. */
const ENDED_OTHERS = 'ended-others';
/** The query Beyond Identity's hosted bind page comes back with (hosted mode). */
const ENROLLED = 'enrolled';

/** The link this tab sent to Beyond Identity's hosted page (hosted mode), until it comes back. */
const HOSTED_LINK = 'hosted-binding-link';

/** Set when this page has sent the browser elsewhere: nothing more to load. */
let leaving = false;

/**
 * Hosted mode: a binding link for this user, which Beyond Identity's hosted page follows
 * to make a passkey in this browser and then sends the browser back here.
 */
async function addPasskeyHosted(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, t('device.adding')) : () => {};
  try {
    const { credential_binding_link: link } = await bindJob();
    // Beyond Identity's page comes back with `?enrolled`: this tab then reports the link.
    sessionStorage.setItem(HOSTED_LINK, link);
    leaving = true;
    location.assign(link);
  } catch (error) {
    done();
    if (reauthenticate(error, { action: 'add-passkey' }, HOME, me)) {
      leaving = true;
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  }
}

const deletion = {
  open: byId<HTMLButtonElement>('delete-account'),
  confirm: byId('delete-confirm'),
  question: byId('delete-question'),
  yes: byId<HTMLButtonElement>('delete-confirmed'),
  no: byId<HTMLButtonElement>('delete-cancel'),
};

/** Shows the confirmation, which names the account; the safe answer has the focus. */
function openDeletion(): void {
  deletion.question.textContent = t('home.deleteQuestion', { account });
  deletion.yes.textContent = t('home.deleteConfirm', { account });
  deletion.confirm.hidden = false;
  deletion.open.setAttribute('aria-expanded', 'true');
  deletion.no.focus();
}

function closeDeletion(refocus: boolean): void {
  deletion.confirm.hidden = true;
  deletion.open.setAttribute('aria-expanded', 'false');
  if (refocus) deletion.open.focus();
}

/** Deletes the account (confirmed); after a fresh sign-in when it needed one. */
async function deleteMyAccount(button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, t('home.deleting')) : () => {};
  try {
    await deleteAccount();
  } catch (error) {
    done();
    if (reauthenticate(error, { action: 'delete-account' }, HOME, me)) {
      leaving = true;
      return;
    }
    if (error instanceof ApiError && UPSTREAM_ERRORS.includes(error.code)) {
      // Every session has ended (the cookie is cleared); the identity may remain.
      show(null);
      announce(t('home.deleteIncomplete', { reason: apiMessage(error) }), 'error');
      return;
    }
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
    return;
  }
  done();
  // The copy in this browser can sign in no more: /device (which runs the SDK) forgets it.
  noteDeletedPasskeys(heldHere);
  const here =
    heldHere.length > 0 ? [el('p', {}, el('a', { href: '/device' }, t('home.deletedRemoveFromDevice')))] : [];
  show(null);
  announce(t('home.deleted'), 'success', ...here);
}

/** Asks for a change of address (after the fresh sign-in it needed, when it did). */
async function askForNewAddress(email: string, button?: HTMLButtonElement): Promise<void> {
  const done = button ? busy(button, t('home.sending')) : () => {};
  try {
    await askForAddress(email);
    announce(t('home.newAddressSent'), 'success');
    byId<HTMLInputElement>('new-email').value = '';
  } catch (error) {
    if (reauthenticate(error, { action: 'change-address', email }, HOME, me)) {
      leaving = true;
      return;
    }
    if (error instanceof ApiError && error.code === 'not_found') {
      byId('address-form').replaceWith(el('p', { class: 'hint' }, t('home.addressUnavailable')));
      return;
    }
    if (!signedOutMeanwhile(error)) {
      announce(apiMessage(error), 'error');
      byId<HTMLInputElement>('new-email').focus();
    }
  } finally {
    done();
  }
}

/**
 * A confirmation link came back here (`?confirm-address=`): signed in, it is confirmed;
 * signed out, a sign-in comes back with it. The token leaves the address bar at once.
 */
async function confirmNewAddress(token: string, current: SessionAnswer | null): Promise<void> {
  if (!current) {
    const signIn = el(
      'a',
      { class: 'button', href: signInUrl(`${HOME}?${CONFIRM_ADDRESS}=${token}`) },
      t('home.signIn'),
    );
    announce(t('home.addressConfirmSignIn'), 'info', el('p', {}, signIn));
    return;
  }
  try {
    const { email } = await confirmAddress(token);
    show(await session());
    announce(t('home.addressChanged', { address: email }), 'success');
  } catch (error) {
    if (!signedOutMeanwhile(error)) announce(apiMessage(error), 'error');
  }
}

/** The answers of a deletion that Beyond Identity did not complete. */
const UPSTREAM_ERRORS = ['upstream_unavailable', 'upstream_busy', 'upstream_timeout'];

/** Carries out the action that waited for a fresh sign-in (adding a passkey is /device's, but for hosted mode). */
async function resume(pending: Pending): Promise<void> {
  switch (pending.action) {
    case 'add-passkey':
      return addPasskeyHosted();
    case 'delete-account':
      return deleteMyAccount();
    case 'change-address':
      return askForNewAddress(pending.email);
    case 'end-session':
      return endOther(pending.id);
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
  } else if (params.has(ENDED_OTHERS)) {
    announce(t('home.endedOthers'), 'success');
    history.replaceState(null, '', location.pathname);
  }
  // Hosted mode: Beyond Identity's page made a passkey from an enrolment link and came
  // back here. Whose it is, this site cannot tell, so the sign-in waits for the user to
  // say the link was theirs: someone else's link must not sign this browser in as them.
  const enrolled = params.has(ENROLLED);
  if (enrolled) history.replaceState(null, '', location.pathname);
  const confirmation = params.get(CONFIRM_ADDRESS);
  if (confirmation) history.replaceState(null, '', location.pathname);
  let current: SessionAnswer | null;
  try {
    current = await session();
  } catch (error) {
    sections.loading.hidden = true;
    announce(apiMessage(error), 'error', reloadButton());
    return;
  }
  show(current);
  if (confirmation) await confirmNewAddress(confirmation, current);
  const hostedLink = sessionStorage.getItem(HOSTED_LINK);
  if (enrolled && hostedLink && current) reportBinding(hostedLink);
  sessionStorage.removeItem(HOSTED_LINK);
  if (!current) {
    if (enrolled) {
      announce(
        t('home.enrolled'),
        'info',
        el('p', {}, el('a', { class: 'button', href: signInUrl(HOME) }, t('home.enrolledSignIn'))),
      );
    }
    return;
  }
  const pending = takePending(
    HOSTED
      ? ['end-session', 'revoke-passkey', 'delete-account', 'change-address', 'add-passkey']
      : ['end-session', 'revoke-passkey', 'delete-account', 'change-address'],
    current.user.id,
  );
  if (pending && !code) {
    await resume(pending);
    // Adding a passkey leaves for Beyond Identity's page: nothing more to show.
    if (sections.signedIn.hidden || leaving) return;
  }
  await Promise.all([refreshSessions(), refreshAccountPasskeys()]);
}

byId<HTMLFormElement>('register').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('email');
  const email = input.value.trim();
  if (!email) {
    announce(t('home.emailMissing'), 'error');
    input.focus();
    return;
  }
  const done = busy((event.target as HTMLFormElement).querySelector('button') as HTMLButtonElement, t('home.sending'));
  try {
    await register(email);
    announce(t('home.sent'), 'success');
    input.value = '';
  } catch (error) {
    announce(apiMessage(error), 'error');
    input.focus();
  } finally {
    done();
  }
});

// Adding a passkey needs the SDK: /device does it (and asks for a fresh sign-in if
// needed); in hosted mode, Beyond Identity's hosted page.
byId<HTMLButtonElement>('add-passkey').addEventListener('click', (event) => {
  if (HOSTED) {
    void addPasskeyHosted(event.currentTarget as HTMLButtonElement);
    return;
  }
  remember({ action: 'add-passkey' }, me);
  location.assign('/device');
});

byId<HTMLFormElement>('address-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('new-email');
  const email = input.value.trim();
  if (!email) {
    announce(t('home.emailMissing'), 'error');
    input.focus();
    return;
  }
  void askForNewAddress(email, (event.target as HTMLFormElement).querySelector('button') as HTMLButtonElement);
});

deletion.open.addEventListener('click', () => {
  if (deletion.confirm.hidden) openDeletion();
  else closeDeletion(true);
});
deletion.no.addEventListener('click', () => closeDeletion(true));
deletion.confirm.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeDeletion(true);
});
deletion.yes.addEventListener('click', () => deleteMyAccount(deletion.yes));

byId<HTMLButtonElement>('sign-out-everywhere').addEventListener('click', (event) =>
  everywhere(event.currentTarget as HTMLButtonElement),
);

byId<HTMLButtonElement>('sign-out').addEventListener('click', async (event) => {
  const done = busy(event.currentTarget as HTMLButtonElement, t('home.signingOut'));
  try {
    const { redirect } = await signOut();
    show(null);
    if (redirect) {
      // The provider ends its session too, then sends the browser back here.
      announce(t('home.signingOutOfProvider'), 'info');
      location.assign(redirect);
      return;
    }
    announce(t('home.signedOut'), 'success');
  } catch (error) {
    announce(apiMessage(error), 'error');
  } finally {
    done();
  }
});

void load();
