// /bi-authenticate: where Beyond Identity sends the browser to sign in. Uses the only
// passkey, or lets the user choose one; then follows the redirect back to the app.
import './style.css';
import type { Passkey } from '@beyondidentity/bi-sdk-js';
import { signInUrl } from './api';
import { noteDevicePasskeys } from './device-passkeys';
import { JUST_BOUND, LIMITS, describe, limit, retryable, sdk } from './sdk';
import { announce, byId, el, reloadButton } from './ui';

const startAgain = () => el('p', {}, el('a', { class: 'button', href: signInUrl('/') }, 'Start again'));

/** A passkey that can sign in. The real SDK 3.0.6 reports `state: "active"` (measured in
 * tests/e2e/real-sdk.test.mjs), though its type file spells the states `Active`, ….
 */
function isActive(passkey: Passkey): boolean {
  return String(passkey.state).toLowerCase() === 'active';
}

function choose(passkeys: Passkey[]): Promise<Passkey | null> {
  return new Promise((resolve) => {
    const form = byId<HTMLFormElement>('chooser');
    const buttons = passkeys.map((passkey) => {
      const button = el('button', { type: 'button' }, `Sign in as ${passkey.identity.username}`);
      button.addEventListener('click', () => {
        form.hidden = true;
        resolve(passkey);
      });
      return button;
    });
    byId('choices').replaceChildren(...buttons.map((b) => el('li', {}, b)));
    byId('cancel').addEventListener('click', () => {
      form.hidden = true;
      resolve(null);
    });
    announce(`This device holds ${passkeys.length} passkeys.`);
    form.hidden = false;
    buttons[0]?.focus();
  });
}

async function authenticate(): Promise<void> {
  const url = location.href;
  try {
    const embedded = await sdk();
    if (!embedded.isAuthenticateUrl(url)) {
      announce('This sign-in link is not valid.', 'error', startAgain());
      return;
    }
    const held = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
    noteDevicePasskeys(held.map((p) => p.passkeyId));
    const passkeys = held.filter(isActive);
    if (passkeys.length === 0) {
      announce(
        'There is no passkey on this device yet. Register, or ask for a link to set one up here.',
        'error',
        el('p', {}, el('a', { class: 'button', href: '/#register-heading' }, 'Set up a passkey')),
      );
      return;
    }
    const justBound = sessionStorage.getItem(JUST_BOUND);
    sessionStorage.removeItem(JUST_BOUND);
    const preferred = passkeys.find((p) => p.id === justBound);
    const chosen = preferred ?? (passkeys.length === 1 ? passkeys[0] : await choose(passkeys));
    if (!chosen) {
      announce('Sign-in cancelled.', 'info', startAgain());
      return;
    }
    announce(`Signing you in as ${chosen.identity.username}…`);
    const { redirectUrl } = await limit(embedded.authenticate(url, chosen.id), LIMITS.remote, 'Signing in');
    location.replace(redirectUrl);
  } catch (error) {
    announce(describe(error), 'error', ...(retryable(error) ? [reloadButton()] : []), startAgain());
  }
}

void authenticate();
