// /bind: the landing page of an enrolment email's link. Binds a passkey, then signs in.
import './style.css';
import { signInUrl } from './api';
import { JUST_BOUND, LIMITS, describe, limit, retryable, sdk } from './sdk';
import { announce, el, reloadButton } from './ui';

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
    announce(`Your passkey for ${passkey.identity.username} is ready. Signing you in…`, 'success');
    location.assign(signInUrl('/'));
  } catch (error) {
    if (retryable(error)) {
      // The link may still be good: keep it, so that a reload tries again.
      announce(describe(error), 'error', reloadButton());
      return;
    }
    history.replaceState(null, '', '/bind');
    announce(
      `${describe(error)} You can ask for a new link.`,
      'error',
      el('p', {}, el('a', { class: 'button', href: '/#register-heading' }, 'Get a new link')),
    );
  }
}

void bind();
