// Hosted mode (BEYOND_IDENTITY_AUTHENTICATOR=hosted): the site is home alone, with no SDK
// anywhere, under the strict policy; Beyond Identity's hosted pages bind and sign in.
// run.sh runs this file alone against the hosted build (vite build --mode hosted, the
// build deploy.sh makes in that mode), with bi-local's demo authenticator config Hosted
// Web, so that bi-local's stand-ins of those pages (tests/bi-local/src/hosted.rs) do it.
// They prove our side (the redirects, the post-binding sign-in, the way back from a
// cancelled sign-in), never Beyond Identity's pages.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { BI, SITE, accessible, ageSignIn, browser, emailLink, policy, shot, tabTo, unique } from './harness.mjs';

const HOSTED_PAGES = `${BI}/authenticator/v1/tenants/`;
const DIST = new URL('../../static-site/dist-hosted/', import.meta.url);

/** On Beyond Identity's hosted sign-in page: picks the first passkey of `address`. */
async function pickOnHostedPage(page, address) {
  await page.waitForURL((url) => url.href.startsWith(HOSTED_PAGES) && url.pathname.endsWith('/bi-authenticate'));
  await page.getByRole('button', { name: `Sign in as ${address}` }).first().click();
  await page.waitForURL(`${SITE}/`);
  await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByText('You are signed out.').waitFor();
}

test('hosted mode: the hosted pages bind and sign in; home adds a passkey through them; a cancelled sign-in comes back in words', async () => {
  const b = await browser();
  const { page } = b;
  const fetched = [];
  page.on('request', (request) => fetched.push(request.url()));
  try {
    const address = unique('hana');
    await page.goto(SITE);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Passkeys on this device' }).count(), 0, 'no SDK page to link to');
    await shot(page, '40-hosted-home-signed-out');
    await accessible(page, 'home in hosted mode, signed out');

    await page.getByLabel('Email address', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('an email with a link to set up your passkey is on its way').waitFor();

    // The emailed link: Beyond Identity's hosted page binds, then sends the browser home
    // (the job's post-binding redirect), which asks before the new passkey signs in: a
    // link someone else sent must not sign this browser in as them.
    await page.goto(await emailLink(address));
    await page.waitForURL(`${SITE}/`);
    await page.getByText('A passkey was just set up in this browser.', { exact: false }).waitFor();
    await accessible(page, 'home in hosted mode, after the hosted bind page');
    await page.getByRole('link', { name: 'Sign in with the new passkey' }).click();
    await pickOnHostedPage(page, address);
    assert.ok(
      fetched.some((url) => url.startsWith(HOSTED_PAGES) && new URL(url).pathname.endsWith('/bind')),
      'the link went through the hosted bind page',
    );
    await shot(page, '41-hosted-signed-in');
    const passkeys = page.getByRole('list', { name: 'Your passkeys' }).getByRole('listitem');
    await passkeys.first().waitFor();
    assert.equal(await passkeys.count(), 1);
    await accessible(page, 'home in hosted mode, signed in');

    // "Add a passkey on this device": a binding link for this user, followed to the
    // hosted bind page, which comes back home.
    await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
    await page.waitForURL((url) => url.href.startsWith(HOSTED_PAGES) && url.pathname.endsWith('/bind'));
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#account-passkeys li').length === 2);

    // Signed in ten minutes ago: adding a passkey asks for a fresh sign-in on the hosted
    // page first, then goes on to the hosted bind page by itself.
    await ageSignIn(b.context, 600);
    await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
    await pickOnHostedPage(page, address);
    await page.waitForFunction(() => document.querySelectorAll('#account-passkeys li').length === 3);

    // Signed out, the next sign-in goes by keyboard to the hosted page.
    await signOut(page);
    await tabTo(page, 'Sign in with a passkey');
    await page.keyboard.press('Enter');
    await pickOnHostedPage(page, address);

    // Turned down on the hosted page: back home, signed out, told why.
    await signOut(page);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Cancel and go back' }).click();
    await page.waitForURL(`${SITE}/`);
    await page.getByText('The sign-in was cancelled or refused.').waitFor();
    await page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    await shot(page, '42-hosted-cancelled');
    await accessible(page, 'home in hosted mode, after a cancelled sign-in');

    const sdk = fetched.filter((url) => url.startsWith(SITE) && /^\/(bind|bi-authenticate|device)(\/|$)|bi-embedded/.test(new URL(url).pathname));
    assert.deepEqual(sdk, [], 'no SDK and no SDK page');
    // Chromium logs the 401 reauthentication_required answer; nothing else may fail.
    assert.deepEqual(b.errors.filter((e) => !/status of 401/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('hosted mode: every page has the strict policy, the SDK pages are not there, and the build holds no SDK', async () => {
  for (const path of ['/', '/?error=x', '/index.html', '/account', '/account?enrolled', '/no-such-page']) {
    const answer = await fetch(`${SITE}${path}`);
    assert.equal(answer.headers.get('content-security-policy'), policy(), path);
  }
  for (const path of ['/bind', '/bind?token=x', '/bi-authenticate?request=x', '/device', '/device/index.html']) {
    const answer = await fetch(`${SITE}${path}`);
    assert.equal(answer.status, 404, path);
    assert.equal(answer.headers.get('content-security-policy'), policy(), path);
  }
  assert.deepEqual(readdirSync(DIST).sort(), ['account', 'index.html']);
  const assets = readdirSync(new URL('account/assets/', DIST));
  assert.deepEqual(assets.filter((f) => f.startsWith('bi-embedded')), []);
  assert.ok(assets.some((f) => /^home-.*\.js$/.test(f)));
});
