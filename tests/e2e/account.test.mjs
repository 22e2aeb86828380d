// The account page in a real browser: sessions in two browsers, ending one from the
// other, signing out everywhere, revoking a passkey at Beyond Identity (here bi-local),
// and the fresh sign-in that sensitive actions ask for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SITE, accessible, ageSignIn, browser, mailTo, registerAndBind, shot, unique } from './harness.mjs';

const sessionsList = (page) => page.getByRole('list', { name: 'Where you are signed in' });
const passkeysList = (page) => page.getByRole('list', { name: 'Your passkeys' });

/** A user signed in on two browsers, each with its own passkey (both closed if that fails). */
async function twoBrowsers(name) {
  const address = unique(name);
  const first = await browser();
  const second = await browser();
  try {
    for (const { page } of [first, second]) {
      await registerAndBind(page, address);
      await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    }
  } catch (error) {
    await first.close();
    await second.close();
    throw error;
  }
  return { address, first, second };
}

// With a team's app in front, the app has `/` and the account page is `/account`
// (docs/front-door.md); every deployment serves it there, and sign-in comes back to it.
test('the account page at /account: a sign-in from it comes back to it, /device leads back to it', async () => {
  const address = unique('ada');
  const b = await browser();
  try {
    const { page } = b;
    await registerAndBind(page, address);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await page.goto(`${SITE}/account`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    // The lists loaded first: a request still in flight when the session ends is a 401.
    await sessionsList(page).getByRole('listitem').first().waitFor();
    await passkeysList(page).getByRole('listitem').first().waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    const signIn = page.getByRole('link', { name: 'Sign in with a passkey' });
    assert.equal(await signIn.getAttribute('href'), '/api/auth/signin?callbackUrl=%2Faccount');
    await signIn.click();
    await page.waitForURL(`${SITE}/account`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await page.goto(`${SITE}/device`);
    await page.getByRole('link', { name: '← Your account' }).click();
    await page.waitForURL(`${SITE}/account`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('two browsers: each sees both sessions, one ends the other, which is signed out on its next load', async () => {
  const { first, second } = await twoBrowsers('fay');
  try {
    const page = first.page;
    await page.reload();
    await sessionsList(page).getByRole('listitem').nth(1).waitFor();
    assert.equal(await sessionsList(page).getByRole('listitem').count(), 2);
    const mine = sessionsList(page).getByRole('listitem').filter({ hasText: 'This browser' });
    assert.equal(await mine.count(), 1);
    await passkeysList(page).getByRole('listitem').nth(1).waitFor();
    await passkeysList(page).getByText('On this device').waitFor();
    await shot(page, '20-account-phone');
    await accessible(page, 'the account page, two sessions and two passkeys');
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, '21-account-desktop');

    // End the other browser's session (the one not marked "This browser").
    await page.getByRole('button', { name: /^End the session on (?!.*this browser)/ }).click();
    await page.getByText(/^The session on .* was ended\.$/).waitFor();
    assert.equal(await sessionsList(page).getByRole('listitem').count(), 1);
    await sessionsList(page).getByText('This browser').waitFor();

    await second.page.reload();
    await second.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    assert.deepEqual(first.errors, []);
  } finally {
    await first.close();
    await second.close();
  }
});

test('sign out everywhere ends both browsers’ sessions', async () => {
  const { first, second } = await twoBrowsers('gus');
  try {
    await first.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await first.page.getByText('You are signed out everywhere (2 sessions ended).').waitFor();
    await first.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    await second.page.reload();
    await second.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
  } finally {
    await first.close();
    await second.close();
  }
});

test('a passkey revoked from the account page can no longer sign in', async () => {
  const { first, second } = await twoBrowsers('hal');
  try {
    const page = first.page;
    await page.reload();
    const other = passkeysList(page).getByRole('listitem').filter({ hasNotText: 'On this device' });
    await other.waitFor();
    // Not the last one: no confirmation needed.
    await other.getByRole('button', { name: /^Revoke / }).click();
    await page.getByText('The passkey was revoked: it can no longer sign in.').waitFor();
    await other.getByText('Revoked').waitFor();
    await shot(page, '22-passkey-revoked');
    await accessible(page, 'the account page, a revoked passkey');

    // The other browser signs out and tries its revoked passkey.
    await second.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await second.page.getByText('You are signed out.').waitFor();
    await second.page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await second.page.getByRole('alert').getByText('This passkey is no longer valid. Set up a new one on this device.').waitFor();

    // The last active passkey asks for a confirmation, then goes from this browser too.
    let asked = '';
    page.once('dialog', async (dialog) => {
      asked = dialog.message();
      await dialog.accept();
    });
    await passkeysList(page).getByRole('button', { name: /^Revoke .*\(on this device\)$/ }).click();
    // The copy in this browser is useless now: /device (which runs the SDK) forgets it.
    const remove = page.getByRole('link', { name: 'Remove it from this device' });
    await remove.waitFor();
    assert.match(asked, /last passkey/);
    await passkeysList(page).getByText('Revoked').nth(1).waitFor();
    await remove.click();
    await page.getByText(/^The revoked passkey of .* was forgotten on this device\.$/).waitFor();
    await page.getByText('This browser holds no passkey yet.').waitFor();
    await accessible(page, '/device, a revoked passkey forgotten');
  } finally {
    await first.close();
    await second.close();
  }
});

test('an old sign-in is sent through a fresh one, and the action then completes', async () => {
  const b = await browser();
  const { page, context } = b;
  try {
    const address = unique('ivy');
    await registerAndBind(page, address);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    // Signed in ten minutes ago: adding a passkey needs a fresh sign-in first.
    await ageSignIn(context, 600);
    await page.getByRole('button', { name: 'Replace the passkey on this device' }).click();
    await page.waitForURL(`${SITE}/device`);
    await page.getByText('A new passkey replaced the one this device held, and the old one was revoked.').waitFor();
    await page.goto(SITE);
    await passkeysList(page).getByRole('listitem').nth(1).waitFor();
    assert.equal(await passkeysList(page).getByRole('listitem').count(), 2);
    await passkeysList(page).getByText('Revoked').waitFor();
    await shot(page, '23-reauthenticated');

    // Signing out everywhere, with the new passkey: the fresh sign-in ends every other
    // session before its own exists, and comes back signed in here alone.
    await ageSignIn(context, 600);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('Every other session of yours has ended: you are signed in here only.').waitFor();
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await sessionsList(page).getByText('This browser').waitFor();
    assert.equal(await sessionsList(page).getByRole('listitem').count(), 1);
    assert.equal(new URL(page.url()).search, '', 'the address is clean again');
    // Chromium logs each 401 reauthentication_required answer; nothing else may fail.
    assert.deepEqual(b.errors.filter((e) => !/status of 401/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('ending another session after a while asks for a fresh sign-in, and an action saved for another user never runs', async () => {
  const { first, second } = await twoBrowsers('joy');
  try {
    const page = first.page;
    await page.reload();
    await sessionsList(page).getByRole('listitem').nth(1).waitFor();
    await ageSignIn(first.context, 600);
    await page.getByRole('button', { name: /^End the session on (?!.*this browser)/ }).click();
    await page.getByText('The session was ended.').waitFor();
    await sessionsList(page).getByText('This browser').waitFor();
    assert.equal(await sessionsList(page).getByRole('listitem').count(), 1);
    await second.page.reload();
    await second.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();

    // An action a sign-in in this tab left behind for someone else is dropped, not run.
    await page.evaluate(() =>
      sessionStorage.setItem('pending-action', JSON.stringify({ action: 'end-session', id: '0'.repeat(32), user: 'someone-else', at: Date.now() })),
    );
    await page.reload();
    await sessionsList(page).getByText('This browser').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pending-action')), null);
    assert.equal(await page.getByText('The session was ended.').count(), 0);
    assert.deepEqual(first.errors.filter((e) => !/status of 401/.test(e)), []);
  } finally {
    await first.close();
    await second.close();
  }
});

test('deleting the account: a keyboard confirmation names it, every browser is signed out, the address registers anew', async () => {
  const { address, first, second } = await twoBrowsers('kim');
  try {
    const { page, context } = first;
    await page.reload();
    await passkeysList(page).getByRole('listitem').nth(1).waitFor();
    await sessionsList(page).getByRole('listitem').nth(1).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    const open = page.getByRole('button', { name: 'Delete my account…' });
    await open.focus();
    await page.keyboard.press('Enter');
    // A group a screen reader announces with its question, which names the account; the
    // safe answer has the focus.
    const question = `Delete the account ${address}?`;
    const confirm = page.getByRole('group', { name: question, exact: false });
    await confirm.waitFor();
    assert.equal(await focused(), 'Keep my account');
    assert.equal(await open.getAttribute('aria-expanded'), 'true');
    await accessible(page, 'the account page, deletion asked');
    await shot(page, '24-delete-account');
    // Escape keeps the account and gives the focus back.
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await focused(), 'Delete my account…');
    assert.equal(await open.getAttribute('aria-expanded'), 'false');
    // Asked again, and confirmed with the keyboard alone.
    await page.keyboard.press('Enter');
    await confirm.waitFor();
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), `Delete ${address}`);
    await page.keyboard.press('Enter');
    await page.getByText('Your account was deleted, and you are signed out everywhere.').waitFor();
    await page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    await accessible(page, 'the account page, account deleted');
    // The copy in this browser can sign in no more: /device forgets it.
    await page.getByRole('link', { name: 'Remove its passkey from this device' }).click();
    await page.getByText(`The passkey of ${address}, whose account was deleted, was forgotten on this device.`).waitFor();
    await page.getByText('This browser holds no passkey yet.').waitFor();

    // The other browser is signed out on its next load, and its passkey signs in no more.
    await second.page.reload();
    await second.page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await second.page.getByRole('alert').waitFor();
    assert.equal(await second.page.getByRole('heading', { name: /^Signed in as/ }).count(), 0);

    // The same address registers again, as a new account: one passkey, one session.
    await registerAndBind(page, address);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await passkeysList(page).getByRole('listitem').first().waitFor();
    assert.equal(await passkeysList(page).getByRole('listitem').count(), 1);
    assert.equal(await sessionsList(page).getByRole('listitem').count(), 1);

    // An old sign-in: the deletion waits for a fresh one, then completes on the way back.
    await ageSignIn(context, 600);
    await open.click();
    await page.getByRole('button', { name: `Delete ${address}` }).click();
    await page.getByText('Your account was deleted, and you are signed out everywhere.').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the address is clean again');
    assert.deepEqual(first.errors.filter((e) => !/status of 401/.test(e)), []);
  } finally {
    await first.close();
    await second.close();
  }
});

test('changing the address: a link mailed to the new one confirms it, the old one is told', async () => {
  const b = await browser();
  try {
    const { page } = b;
    const old = unique('lee');
    const address = unique('lee.new');
    await registerAndBind(page, old);
    await page.getByRole('heading', { name: `Signed in as ${old}` }).waitFor();
    await page.getByText(`Your account’s address is ${old}.`).waitFor();
    await page.getByLabel('New email address').fill(address);
    await page.getByRole('button', { name: 'Change my address' }).click();
    await page.getByText('an email with a link to confirm it is on its way').waitFor();
    await accessible(page, 'the account page, a change of address asked');

    // The link comes back to the account page, which confirms it and forgets it.
    const mail = await mailTo(address);
    assert.equal(mail.subject, 'Confirm your new address');
    const link = mail.text.split(/\s+/).find((word) => word.includes('confirm-address='));
    assert.ok(link, mail.text);
    await page.goto(link);
    await page.getByText(`Your address is now ${address}. We told your old address.`).waitFor();
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await page.getByText(`Your account’s address is ${address}.`).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    await shot(page, '25-address-changed');
    await accessible(page, 'the account page, the address changed');
    assert.equal((await mailTo(old)).subject, "Your account's address was changed");

    // The same link again: spent.
    await page.goto(link);
    await page.getByText('This link has expired or was used already').waitFor();
    assert.deepEqual(b.errors.filter((e) => !/status of 400/.test(e)), []);
  } finally {
    await b.close();
  }
});
