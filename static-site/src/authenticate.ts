// /bi-authenticate: where Beyond Identity sends the browser to sign in. Uses the only
// passkey, or lets the user choose one; then follows the redirect back to the app.
import './style.css';
import type { Passkey } from '@beyondidentity/bi-sdk-js';
import { ACCOUNT_PAGE, signInUrl } from './api';
import { noteDevicePasskeys } from './device-passkeys';
import { localize, t, tn } from './i18n';
import { describe, JUST_BOUND, LIMITS, limit, retryable, sdk } from './sdk';
import { announce, byId, el, reloadButton } from './ui';

localize();

const startAgain = () => el('p', {}, el('a', { class: 'button', href: signInUrl() }, t('authenticate.startAgain')));

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
      const button = el('button', { type: 'button' }, t('authenticate.signInAs', { name: passkey.identity.username }));
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
    announce(tn('authenticate.holds', passkeys.length));
    form.hidden = false;
    buttons[0]?.focus();
  });
}

async function authenticate(): Promise<void> {
  const url = location.href;
  try {
    const embedded = await sdk();
    if (!embedded.isAuthenticateUrl(url)) {
      announce(t('authenticate.invalidLink'), 'error', startAgain());
      return;
    }
    const held = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
    noteDevicePasskeys(held.map((p) => p.passkeyId));
    const passkeys = held.filter(isActive);
    if (passkeys.length === 0) {
      announce(
        t('authenticate.noPasskey'),
        'error',
        el('p', {}, el('a', { class: 'button', href: `${ACCOUNT_PAGE}#register-heading` }, t('authenticate.setUp'))),
      );
      return;
    }
    const justBound = sessionStorage.getItem(JUST_BOUND);
    sessionStorage.removeItem(JUST_BOUND);
    const preferred = passkeys.find((p) => p.id === justBound);
    const chosen = preferred ?? (passkeys.length === 1 ? passkeys[0] : await choose(passkeys));
    if (!chosen) {
      announce(t('authenticate.cancelled'), 'info', startAgain());
      return;
    }
    announce(t('authenticate.signingIn', { name: chosen.identity.username }));
    const { redirectUrl } = await limit(embedded.authenticate(url, chosen.id), LIMITS.remote, 'Signing in');
    location.replace(redirectUrl);
  } catch (error) {
    announce(describe(error), 'error', ...(retryable(error) ? [reloadButton()] : []), startAgain());
  }
}

void authenticate();
