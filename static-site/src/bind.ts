// /bind: the landing page of an enrolment email's link. It shows whose passkey the link
// makes and waits for the user to confirm that the address is theirs: opening someone
// else's link must not bind their passkey here and sign in as them (login CSRF). Then it
// binds the passkey and signs in with it.
import './style.css';
import { ACCOUNT_PAGE, ApiError, type BindingOwner, bindingOwner, reportBinding, signInUrl } from './api';
import { apiMessage } from './errors';
import { localize, t } from './i18n';
import { describe, JUST_BOUND, LIMITS, limit, retryable, sdk } from './sdk';
import { announce, byId, el, reloadButton } from './ui';

localize();

/** The link cannot be used: keep it out of the history, and offer a new one. */
function askForNewLink(reason: string): void {
  history.replaceState(null, '', '/bind');
  byId('confirm').hidden = true;
  announce(
    t('bind.askForNewLink', { reason }),
    'error',
    el('p', {}, el('a', { class: 'button', href: `${ACCOUNT_PAGE}#register-heading` }, t('bind.getNewLink'))),
  );
}

/** Shows whose passkey the link makes; resolves when the user confirms it is theirs. */
function confirmed(owner: BindingOwner): Promise<void> {
  const who = owner.name ? `${owner.name} (${owner.email})` : owner.email;
  byId('confirm-heading').textContent = t('bind.confirmWho', { who });
  byId('status').hidden = true;
  byId('confirm').hidden = false;
  byId('confirm-heading').focus();
  return new Promise((resolve) => {
    byId('confirm-bind').addEventListener('click', () => resolve(), { once: true });
  });
}

async function bind(): Promise<void> {
  const url = location.href;
  let owner: BindingOwner;
  try {
    owner = await bindingOwner(url);
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'not_found' || error.code === 'bad_request')) {
      askForNewLink(t('bind.linkNotValid'));
    } else {
      // The service may be back in a moment: keep the link, so that a reload tries again.
      announce(apiMessage(error), 'error', reloadButton());
    }
    return;
  }
  // The SDK loads while the user reads.
  const embedded = sdk();
  await confirmed(owner);
  byId('confirm').hidden = true;
  announce(t('bind.working'));
  try {
    const ready = await embedded;
    if (!ready.isBindPasskeyUrl(url)) {
      throw Object.assign(new Error('This link is not a passkey link.'), { type: 'InvalidUrl' });
    }
    const { passkey } = await limit(ready.bindPasskey(url), LIMITS.remote, 'Setting up the passkey');
    reportBinding(url);
    // Sign in with the passkey just made, even if this device holds others.
    sessionStorage.setItem(JUST_BOUND, passkey.id);
    // The link's token is spent; keep it out of the history.
    history.replaceState(null, '', '/bind');
    announce(t('bind.ready', { name: passkey.identity.username }), 'success');
    location.assign(signInUrl());
  } catch (error) {
    if (retryable(error)) {
      // The link may still be good: keep it, so that a reload tries again.
      announce(describe(error), 'error', reloadButton());
      return;
    }
    askForNewLink(describe(error));
  }
}

void bind();
