// /device: the passkeys this browser holds (Beyond Identity's SDK keeps them in
// IndexedDB): forget one, and for a signed-in user add one. With /bind and
// /bi-authenticate, the only pages that run the SDK, so that every other page keeps the
// strict policy (static-site/security-headers.json).
import './style.css';
import type { Embedded, Passkey } from '@beyondidentity/bi-sdk-js';
import { ApiError, bindJob, listPasskeys, reportBinding, revokePasskey, session } from './api';
import { noteDevicePasskeys, takeDeletedPasskeys } from './device-passkeys';
import { apiMessage } from './errors';
import { localize, t } from './i18n';
import { reauthenticate, takePending } from './pending';
import { describe, LIMITS, limit, retryable, sdk } from './sdk';
import { announce, busy, byId, el, reloadButton } from './ui';

localize();

const HERE = '/device';

/** The signed-in user's id, for an addition that waits for a fresh sign-in. */
let me = '';

/** The account's passkeys that Beyond Identity has revoked (signed in only). */
async function revokedAtBeyondIdentity(): Promise<Set<string>> {
  try {
    const { passkeys } = await listPasskeys();
    return new Set(passkeys.filter((p) => p.state !== 'ACTIVE').map((p) => p.id));
  } catch {
    return new Set();
  }
}

/**
 * Forgets the passkeys of this browser that can no longer sign in anywhere: revoked at
 * Beyond Identity, or of an account the home page has just deleted.
 */
async function forgetUnusable(
  embedded: Embedded,
  passkeys: Passkey[],
  revoked: Set<string>,
  deleted: Set<string>,
): Promise<Passkey[]> {
  const kept: Passkey[] = [];
  for (const passkey of passkeys) {
    const why = deleted.has(passkey.passkeyId)
      ? 'device.deletedForgotten'
      : revoked.has(passkey.passkeyId)
        ? 'device.revokedForgotten'
        : null;
    if (!why) {
      kept.push(passkey);
      continue;
    }
    try {
      await limit(embedded.deletePasskey(passkey.id), LIMITS.local, 'Deleting the passkey');
      announce(t(why, { name: passkey.identity.username }), 'success');
    } catch (error) {
      kept.push(passkey);
      announce(t('device.revokedNotForgotten', { reason: describe(error) }), 'error');
    }
  }
  return kept;
}

function passkeyItem(embedded: Embedded, passkey: Passkey): HTMLLIElement {
  const forget = el(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': t('device.forgetLabel', { name: passkey.identity.username }) },
    t('device.forget'),
  );
  forget.addEventListener('click', async () => {
    const done = busy(forget, t('device.forgetting'));
    try {
      await limit(embedded.deletePasskey(passkey.id), LIMITS.local, 'Deleting the passkey');
      announce(t('device.forgotten', { name: passkey.identity.username }), 'success');
      await show(embedded);
    } catch (error) {
      done();
      announce(describe(error), 'error');
    }
  });
  return el('li', {}, el('span', {}, passkey.identity.username), forget);
}

function render(embedded: Embedded, passkeys: Passkey[]): void {
  noteDevicePasskeys(passkeys.map((p) => p.passkeyId));
  byId('passkeys').replaceChildren(...passkeys.map((p) => passkeyItem(embedded, p)));
  byId('passkeys-empty').hidden = passkeys.length > 0;
}

async function show(embedded: Embedded, signedIn = false): Promise<void> {
  const passkeys = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
  const deleted = takeDeletedPasskeys();
  const revoked = signedIn ? await revokedAtBeyondIdentity() : new Set<string>();
  const unusable = deleted.size + revoked.size > 0;
  render(embedded, unusable ? await forgetUnusable(embedded, passkeys, revoked, deleted) : passkeys);
}

/** Revokes at Beyond Identity the passkeys a new one replaced here; says how that went. */
async function revokeReplaced(replaced: Passkey[]): Promise<'device.replacedAndRevoked' | 'device.replaced'> {
  try {
    for (const old of replaced) await revokePasskey(old.passkeyId, true);
    return 'device.replacedAndRevoked';
  } catch {
    return 'device.replaced';
  }
}

async function addPasskey(embedded: Embedded, button: HTMLButtonElement): Promise<void> {
  const done = busy(button, t('device.adding'));
  try {
    const { credential_binding_link: link } = await bindJob();
    const held = await limit(embedded.getPasskeys(), LIMITS.local, 'Reading the passkeys');
    const { passkey } = await limit(embedded.bindPasskey(link), LIMITS.remote, 'Setting up the passkey');
    reportBinding(link);
    // The SDK keeps one passkey per identity in a browser: a new one replaces the old one,
    // whose key is gone with it; Beyond Identity would list it as active until revoked.
    const replaced = held.filter((p) => p.identity.id === passkey.identity.id);
    announce(t(replaced.length > 0 ? await revokeReplaced(replaced) : 'device.added'), 'success');
    await show(embedded);
  } catch (error) {
    if (reauthenticate(error, { action: 'add-passkey' }, HERE, me)) return;
    const retry = !(error instanceof ApiError) && retryable(error) ? [reloadButton()] : [];
    announce(error instanceof ApiError ? apiMessage(error) : describe(error), 'error', ...retry);
  } finally {
    done();
  }
}

async function load(): Promise<void> {
  const add = byId<HTMLButtonElement>('add-passkey');
  const [signedIn, embedded] = await Promise.allSettled([session(), sdk()]);
  byId('passkeys-loading').hidden = true;
  if (embedded.status === 'rejected') {
    const problem = byId('passkeys-error');
    problem.replaceChildren(
      el('p', {}, t('device.problem', { reason: describe(embedded.reason) })),
      ...(retryable(embedded.reason) ? [reloadButton()] : []),
    );
    problem.hidden = false;
    return;
  }
  const current = signedIn.status === 'fulfilled' ? signedIn.value : null;
  try {
    await show(embedded.value, !!current);
  } catch (error) {
    announce(t('device.problem', { reason: describe(error) }), 'error', ...(retryable(error) ? [reloadButton()] : []));
    return;
  }
  if (!current) return;
  me = current.user.id;
  add.hidden = false;
  add.addEventListener('click', () => addPasskey(embedded.value, add));
  if (takePending(['add-passkey'], me)) await addPasskey(embedded.value, add);
}

void load();
