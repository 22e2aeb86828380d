// What a person sees when something goes wrong: a used or forged link, a cancelled
// sign-in, an error from the callback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SITE, accessible, browser, confirmBinding, emailLink, registerAndBind, revokePasskeys, shot, unique } from './harness.mjs';

test('a used enrolment link is explained, with a way to get a new one', async () => {
  const b = await browser();
  const { page } = b;
  try {
    const address = unique('eve');
    await page.goto(SITE);
    await page.getByLabel('Email address', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('an email with a link to set up your passkey is on its way').waitFor();
    const link = await emailLink(address);
    const bind = (await fetch(link, { redirect: 'manual' })).headers.get('location');
    await page.goto(bind);
    await confirmBinding(page, address);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();

    // The /bind URL again: the page explains and offers a new link.
    await page.goto(bind);
    await confirmBinding(page, address);
    await page.getByRole('alert').getByText('already been used').waitFor();
    await page.getByRole('link', { name: 'Get a new link' }).waitFor();
    await shot(page, '07-bind-used-link');
    await accessible(page, '/bind, a used link');
    // The email's link again: Beyond Identity's (here bi-local's) own page says so.
    await page.goto(link);
    await page.getByText('already been used').waitFor();
  } finally {
    await b.close();
  }
});

test('someone else’s enrolment link names its owner, and declining it binds nothing and signs no one in', async () => {
  const owner = await browser();
  const victim = await browser();
  try {
    // The owner registers; the link reaches someone else (sent to them on purpose, say).
    const address = unique('mal');
    await owner.page.goto(SITE);
    await owner.page.getByLabel('Email address', { exact: true }).fill(address);
    await owner.page.getByRole('button', { name: 'Email me a link' }).click();
    await owner.page.getByText('an email with a link to set up your passkey is on its way').waitFor();
    const link = await emailLink(address);

    await victim.page.goto(link);
    await victim.page.getByRole('heading', { name: `This link sets up a passkey for ${address}` }).waitFor();
    await victim.page.getByText('Continue only if this is your own address').waitFor();
    await shot(victim.page, '08-bind-someone-elses-link');
    await victim.page.getByRole('link', { name: 'This is not my address' }).click();
    await victim.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    const session = await victim.page.evaluate(async () => (await fetch('/api/auth/session')).json());
    assert.equal(session, false, 'not signed in as the link’s owner');

    // The link was not used: its owner binds with it and signs in.
    await owner.page.goto(link);
    await confirmBinding(owner.page, address);
    await owner.page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    assert.deepEqual(victim.errors, []);
  } finally {
    await owner.close();
    await victim.close();
  }
});

test('a forged binding link is refused', async () => {
  const b = await browser();
  const { page } = b;
  try {
    await page.goto(`${SITE}/bind?api_base_url=x&tenant_id=t&realm_id=r&identity_id=i&job_id=j&token=forged`);
    await page.getByRole('alert').getByText('not valid').waitFor();
    await accessible(page, '/bind, a forged link');
    await page.getByRole('link', { name: 'Get a new link' }).click();
    await page.getByLabel('Email address', { exact: true }).waitFor();
  } finally {
    await b.close();
  }
});

test('a cancelled sign-in says so and offers to start again', async () => {
  const b = await browser();
  const { page } = b;
  try {
    for (const name of ['fay', 'gil']) {
      const address = unique(name);
      await registerAndBind(page, address);
      await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByText('You are signed out.').waitFor();
    }
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Sign-in cancelled.').waitFor();
    await shot(page, '08-cancelled');
    await accessible(page, '/bi-authenticate, cancelled');
    await page.getByRole('link', { name: 'Start again' }).click();
    await page.getByRole('group', { name: 'Choose the passkey to sign in with' }).waitFor();
  } finally {
    await b.close();
  }
});

test('a callback error comes back to the home page in words', async () => {
  const b = await browser();
  const { page } = b;
  try {
    await page.goto(`${SITE}/api/auth/callback/beyondidentity?code=stolen&state=guess`);
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('alert').getByText('could not be matched to this browser').waitFor();
    await shot(page, '09-callback-error');
    await accessible(page, 'home, a callback error');
  } finally {
    await b.close();
  }
});

test('a device without a passkey is sent to registration', async () => {
  const b = await browser();
  const { page } = b;
  try {
    await page.goto(SITE);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').getByText('no passkey on this device').waitFor();
    await shot(page, '10-no-passkey');
    await accessible(page, '/bi-authenticate, no passkey');
    await page.getByRole('link', { name: 'Set up a passkey' }).click();
    await page.getByLabel('Email address', { exact: true }).waitFor();
  } finally {
    await b.close();
  }
});

test('a passkey revoked at Beyond Identity is refused at sign-in, in words', async () => {
  const b = await browser();
  const { page } = b;
  try {
    const address = unique('ned');
    await registerAndBind(page, address);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    assert.equal(await revokePasskeys(address), 1);

    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').getByText('This passkey is no longer valid. Set up a new one on this device.').waitFor();
    await shot(page, '13-revoked-passkey');
    await accessible(page, '/bi-authenticate, a revoked passkey');
    await page.getByRole('link', { name: 'Start again' }).waitFor();
  } finally {
    await b.close();
  }
});
