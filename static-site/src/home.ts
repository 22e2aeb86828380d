// Home: who is signed in, sign in and out, registration, passkeys on this device.
import './style.css';
import { ApiError, bindJob, register, session, signOut, type Session } from './api';
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
        const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': `Delete the passkey of ${passkey.identity.username}` }, 'Delete');
        remove.addEventListener('click', async () => {
          const done = busy(remove, 'Deleting…');
          try {
            await limit(embedded.deletePasskey(passkey.id), LIMITS.local, 'Deleting the passkey');
            announce(`The passkey of ${passkey.identity.username} was deleted from this device.`, 'success');
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
  try {
    show(await session());
  } catch (error) {
    sections.loading.hidden = true;
    const retry = el('button', { type: 'button' }, 'Try again');
    retry.addEventListener('click', () => location.reload());
    announce(apiMessage(error), 'error', retry);
    return;
  }
  void refreshPasskeys();
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

byId<HTMLButtonElement>('add-passkey').addEventListener('click', async (event) => {
  const done = busy(event.currentTarget as HTMLButtonElement, 'Adding…');
  try {
    const { credential_binding_link: link } = await bindJob();
    const embedded = await sdk();
    await limit(embedded.bindPasskey(link), LIMITS.remote, 'Setting up the passkey');
    announce('A passkey was added to this device.', 'success');
    await refreshPasskeys();
  } catch (error) {
    const retry = !(error instanceof ApiError) && retryable(error) ? [reloadButton()] : [];
    announce(error instanceof ApiError ? apiMessage(error) : describe(error), 'error', ...retry);
  } finally {
    done();
  }
});

byId<HTMLButtonElement>('sign-out').addEventListener('click', async (event) => {
  const done = busy(event.currentTarget as HTMLButtonElement, 'Signing out…');
  try {
    await signOut();
    show(null);
    announce('You are signed out.', 'success');
  } catch (error) {
    announce(apiMessage(error), 'error');
  } finally {
    done();
  }
});

void load();
