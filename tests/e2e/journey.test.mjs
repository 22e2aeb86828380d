// The whole product in a real browser: register → enrolment email → /bind → signed in →
// sign out → sign in again through /bi-authenticate → home shows the user.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SITE, accessible, browser, confirmBinding, emailLink, registerAndBind, renewOnDevice, shot, tabTo, unique } from './harness.mjs';

test('register, bind, sign in, sign out and sign in again', async () => {
  const b = await browser();
  const { page } = b;
  try {
    const address = unique('ada');
    await page.goto(SITE);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    await shot(page, '01-home-signed-out');
    await accessible(page, 'home, signed out');

    await page.getByLabel('Email address', { exact: true }).fill(`  ${address.toUpperCase()} `);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('an email with a link to set up your passkey is on its way').waitFor();
    await shot(page, '02-registered');
    await accessible(page, 'home, registered');

    // The email's link goes through bi-local to /bind, which names whose passkey it
    // makes, binds once the user says it is theirs, and signs in.
    await page.goto(await emailLink(address));
    await page.getByRole('heading', { name: `This link sets up a passkey for ${address}` }).waitFor();
    await shot(page, '02b-bind-confirm');
    await accessible(page, '/bind, whose passkey the link makes');
    await confirmBinding(page, address);
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await shot(page, '03-home-signed-in');
    await page.getByRole('list', { name: 'Where you are signed in' }).getByRole('listitem').first().waitFor();
    await accessible(page, 'home, signed in (the account)');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await shot(page, '04-signed-out');
    await accessible(page, 'home, signed out again');

    // The second sign-in with the keyboard only.
    await tabTo(page, 'Sign in with a passkey');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('two passkeys in one browser: the chooser appears and the chosen one is used', async () => {
  const b = await browser();
  const { page } = b;
  try {
    const first = unique('bea');
    const second = unique('cy');
    await registerAndBind(page, first);
    await page.getByRole('heading', { name: `Signed in as ${first}` }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await registerAndBind(page, second);
    await page.getByRole('heading', { name: `Signed in as ${second}` }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();

    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('group', { name: 'Choose the passkey to sign in with' }).waitFor();
    await shot(page, '05-chooser');
    await accessible(page, '/bi-authenticate, the chooser');
    // Keyboard: the first choice has focus; Tab to the second and press Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${second}` }).waitFor();
  } finally {
    await b.close();
  }
});

test('a signed-in user renews the passkey on this device (one per account in a browser), and forgets it', async () => {
  const b = await browser();
  const { page } = b;
  try {
    // Home runs no SDK: adding a passkey is /device's; as with the real SDK, the new
    // passkey replaces the one this browser held for the account.
    const { address, passkeys } = await renewOnDevice(page, 'dee');
    assert.equal(await passkeys.getByRole('listitem').count(), 1);
    await shot(page, '06-passkey-added');
    await accessible(page, '/device, signed in');

    await page.getByRole('button', { name: `Forget the passkey of ${address} on this device` }).first().click();
    await page.getByText(`The passkey of ${address} was forgotten on this device.`).waitFor();
    await page.getByText('This browser holds no passkey yet.').waitFor();
    assert.equal(await passkeys.getByRole('listitem').count(), 0);
    // Home: this browser holds none of the account's passkeys now, so it adds one.
    await page.goto(SITE);
    await page.getByRole('list', { name: 'Your passkeys' }).getByRole('listitem').first().waitFor();
    await page.getByRole('button', { name: 'Add a passkey on this device' }).waitFor();
    // Signed out, the page offers no adding.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.getByRole('link', { name: 'Passkeys on this device' }).click();
    await page.waitForURL(`${SITE}/device`);
    await page.getByText('This browser holds no passkey yet.').waitFor();
    await shot(page, '06b-device-signed-out');
    assert.equal(await page.getByRole('button', { name: 'Add a passkey on this device' }).isVisible(), false);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the accessibility check finds what it is for: an input without its label fails it', async () => {
  const b = await browser();
  const { page } = b;
  try {
    await page.goto(SITE);
    await page.getByLabel('Email address', { exact: true }).waitFor();
    await page.evaluate(() => document.querySelector('label[for="email"]').remove());
    await assert.rejects(accessible(page, 'home without the email label'), /label/);
  } finally {
    await b.close();
  }
});

test('in French (the browser asks for fr-FR): register, bind, sign in and sign out, every word from the French catalog', async () => {
  const b = await browser({ locale: 'fr-FR' });
  const { page } = b;
  try {
    const address = unique('zoe');
    await page.goto(SITE);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.title(), 'Se connecter avec une clé d’accès');
    await page.getByRole('link', { name: 'Se connecter avec une clé d’accès' }).waitFor();
    await accessible(page, 'home in French, signed out');
    await page.getByLabel('Adresse e-mail', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'M’envoyer un lien' }).click();
    await page.getByText('un e-mail avec un lien pour créer votre clé d’accès est en route').waitFor();
    await page.goto(await emailLink(address));
    await page.getByRole('heading', { name: `Ce lien crée une clé d’accès pour ${address}` }).waitFor();
    await accessible(page, '/bind in French');
    await page.getByRole('button', { name: 'Créer ma clé d’accès' }).click();
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Connecté en tant que ${address}` }).waitFor();
    await page.getByRole('list', { name: 'Où vous êtes connecté' }).getByText('Ce navigateur').waitFor();
    await shot(page, '30-home-signed-in-fr');
    await accessible(page, 'home in French, signed in');
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.getByText('Vous êtes déconnecté.').waitFor();
    // No English is left in the page's text.
    assert.doesNotMatch(await page.locator('main').innerText(), /\b(Sign|Passkey|passkey|You are|Email)\b/);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
