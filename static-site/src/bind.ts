// /bind: the landing page of an enrolment email's link. Binds a passkey, then signs in.
import './style.css';
import { signInUrl } from './api';
import { localize, t } from './i18n';
import { JUST_BOUND, LIMITS, describe, limit, retryable, sdk } from './sdk';
import { announce, el, reloadButton } from './ui';

localize();

async function bind(): Promise<void> {
  const url = location.href;
  try {
    const embedded = await sdk();
    if (!embedded.isBindPasskeyUrl(url)) {
      throw Object.assign(new Error('This link is not a passkey link.'), { type: 'InvalidUrl' });
    }
    const { passkey } = await limit(embedded.bindPasskey(url), LIMITS.remote, 'Setting up the passkey');
    // Sign in with the passkey just made, even if this device holds others.
    sessionStorage.setItem(JUST_BOUND, passkey.id);
    // The link's token is spent; keep it out of the history.
    history.replaceState(null, '', '/bind');
    announce(t('bind.ready', { name: passkey.identity.username }), 'success');
    location.assign(signInUrl('/'));
  } catch (error) {
    if (retryable(error)) {
      // The link may still be good: keep it, so that a reload tries again.
      announce(describe(error), 'error', reloadButton());
      return;
    }
    history.replaceState(null, '', '/bind');
    announce(
      t('bind.askForNewLink', { reason: describe(error) }),
      'error',
      el('p', {}, el('a', { class: 'button', href: '/#register-heading' }, t('bind.getNewLink'))),
    );
  }
}

void bind();
