// Beyond Identity's real SDK (@beyondidentity/bi-sdk-js, in the production bundle) under
// the production headers (static-site/security-headers.json, as CloudFront sends them), in
// Chromium, offline. run.sh runs this file alone against `vite build` in production mode
// (DEV_SITE_SDK=real), with bi-local making the links and sign-in requests and serving
// the SDK's cloud protocol over HTTPS as auth-us/api-us.beyondidentity.com (the browser
// reaches it through host-resolver rules and trusts bi-local's per-run certificate by its
// key: harness.mjs).
//
// The real SDK binds a passkey and signs in here, the way a user's browser does; the
// other browser tests use the stand-in, which proves our pages, never the SDK.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { SECURITY, SITE, browser, confirmBinding, emailLink, local, policy, renewOnDevice, revokePasskeys, shot, unique } from './harness.mjs';

const ASSETS = new URL('../../static-site/dist/account/assets/', import.meta.url);
const SDK_CHUNK = readdirSync(ASSETS).find((f) => f.startsWith('bi-embedded-') && f.endsWith('.js'));
/**
 * Opens a document of the site's origin, under the headers /device is served with (the
 * SDK pages' policy), that runs none of the pages' scripts: the SDK must be started only
 * once per document, and the test starts it itself.
 */
async function bare(page) {
  const served = await fetch(`${SITE}/device`);
  const headers = Object.fromEntries([...served.headers].filter(([name]) => !/^(content-(length|encoding|type)|transfer-encoding|connection|keep-alive|date|etag|last-modified|cache-control|vary)$/.test(name)));
  assert.match(headers['content-security-policy'], /'unsafe-eval'/);
  await page.route(`${SITE}/sdk-only`, (route) => route.fulfill({ status: 200, contentType: 'text/html', headers, body: '<!doctype html><html lang="en"><title>SDK</title></html>' }));
  await page.goto(`${SITE}/sdk-only`);
}
const START_LIMIT_MS = 20_000; // LIMITS.start in static-site/src/sdk/index.ts

/** A browser that records every Content-Security-Policy violation of every document. */
async function watched() {
  const b = await browser();
  await b.context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
  const violations = [];
  b.page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  b.violations = async () => [...violations, ...(await b.page.evaluate(() => window.__violations ?? []))];
  return b;
}

/** The SDK's own answers, the way the pages call it: a sign-in URL and a binding link from bi-local. */
async function links() {
  const address = unique('rita');
  const registered = await fetch(`${SITE}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(SITE).origin },
    body: JSON.stringify({ email: address }),
  });
  assert.equal(registered.status, 202);
  const invoke = await emailLink(address); // {auth}/…/credential-binding-jobs/{job}:invokeAuthenticator?token=…
  const bind = (await fetch(local(invoke), { redirect: 'manual' })).headers.get('location'); // {app}/bind?api_base_url=…
  const signin = await fetch(`${SITE}/api/auth/signin?callbackUrl=%2F`, { redirect: 'manual' });
  const authorize = signin.headers.get('location');
  const authenticate = (await fetch(authorize, { redirect: 'manual' })).headers.get('location');
  assert.match(invoke, /:invokeAuthenticator\?token=/);
  assert.match(bind, /\/bind\?api_base_url=/);
  assert.match(authenticate, /\/bi-authenticate\?request=/);
  return { invoke, bind, authenticate };
}

test('each page has its policy: the strict one, or where the SDK runs the SDK pages\'; home loads no SDK', async () => {
  for (const path of ['/', '/?error=x', '/index.html', '/account', '/account/?error=x', '/no-such-page']) {
    const answer = await fetch(`${SITE}${path}`);
    assert.equal(answer.headers.get('content-security-policy'), policy(), path);
  }
  for (const path of ['/bind', '/bind?x=1', '/bind/', '/bi-authenticate?request=x', '/device', '/device/index.html']) {
    const answer = await fetch(`${SITE}${path}`);
    assert.equal(answer.status, 200, path);
    assert.equal(answer.headers.get('content-security-policy'), policy(SECURITY.sdkPages.add), path);
  }
  assert.doesNotMatch(policy(), /unsafe-eval|beyondidentity/);

  // Home, signed out and in a fresh profile, fetches nothing of the SDK, and its policy
  // would stop it: a string evaluated there is refused.
  const b = await watched();
  try {
    const fetched = [];
    b.page.on('request', (request) => fetched.push(request.url()));
    await b.page.goto(SITE);
    await b.page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
    await b.page.getByRole('link', { name: 'Passkeys on this device' }).waitFor();
    assert.deepEqual(fetched.filter((url) => url.includes('bi-embedded')), []);
    assert.deepEqual(await b.violations(), []);
    // The SDK itself, started on home, is stopped by the policy.
    const started = await b.page.evaluate(async (chunk) => {
      const { Embedded } = (await import(`/account/assets/${chunk}`)).b;
      const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 5000));
      return Promise.race([Embedded.initialize().then(() => 'started', () => 'failed'), hung]);
    }, SDK_CHUNK);
    assert.notEqual(started, 'started');
    const violations = await b.violations();
    assert.ok(violations.some((v) => v.startsWith('script-src eval')), violations.join('\n'));
  } finally {
    await b.close();
  }
});

test('the real SDK starts within its time limit, lists no passkeys and classifies the links', async () => {
  const { invoke, bind, authenticate } = await links();
  const b = await watched();
  try {
    await bare(b.page);
    const answer = await b.page.evaluate(
      async ({ chunk, urls }) => {
        const started = performance.now();
        const { Embedded } = (await import(`/account/assets/${chunk}`)).b;
        const embedded = await Embedded.initialize();
        const startMs = performance.now() - started;
        const passkeys = await embedded.getPasskeys();
        const classified = Object.fromEntries(
          Object.entries(urls).map(([name, url]) => [name, [embedded.isBindPasskeyUrl(url), embedded.isAuthenticateUrl(url)]]),
        );
        return { startMs, passkeys, classified };
      },
      {
        chunk: SDK_CHUNK,
        urls: {
          invoke,
          bind,
          authenticate,
          bindWithoutToken: bind.replace(/&token=[^&]*/, ''),
          authenticateWithoutRequest: `${SITE}/bi-authenticate`,
          home: `${SITE}/`,
          junk: 'not a url',
        },
      },
    );
    assert.ok(answer.startMs < START_LIMIT_MS, `the SDK took ${answer.startMs} ms to start`);
    assert.deepEqual(answer.passkeys, []);
    assert.deepEqual(answer.classified, {
      invoke: [true, false],
      bind: [true, false],
      authenticate: [false, true],
      bindWithoutToken: [false, false],
      authenticateWithoutRequest: [false, false],
      home: [false, false],
      junk: [false, false],
    });
    assert.deepEqual(await b.violations(), []);
  } finally {
    await b.close();
  }
});

test('with the real SDK, /bi-authenticate on a device with no passkey says so and offers registration', async () => {
  const b = await watched();
  const { page } = b;
  try {
    await page.goto(`${SITE}/device`);
    await page.getByText('This browser holds no passkey yet.').waitFor(); // initialize + getPasskeys
    assert.deepEqual(await b.violations(), []);
    await page.goto(SITE);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/bi-authenticate\?request=/);
    await page.getByRole('alert').getByText('no passkey on this device').waitFor();
    await shot(page, '11-real-sdk-no-passkey');
    assert.deepEqual(await b.violations(), []);
    await page.getByRole('link', { name: 'Set up a passkey' }).click();
    await page.getByLabel('Email address', { exact: true }).waitFor();
  } finally {
    await b.close();
  }
});

test('the real SDK binds a passkey, signs in, signs in again, and is refused in words once the passkey is revoked', async () => {
  const b = await watched();
  const { page } = b;
  try {
    const address = unique('sam');
    await page.goto(SITE);
    await page.getByLabel('Email address', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('an email with a link to set up your passkey is on its way').waitFor();

    // The email's link is Beyond Identity's (https://auth-us.beyondidentity.com/…): it
    // sends the browser to /bind, where the real SDK binds (invokeAuthenticator is not
    // asked again: the /bind URL carries the instruction), then signs in through
    // /bi-authenticate with the new passkey.
    const link = await emailLink(address);
    assert.match(link, /^https:\/\/auth-us\.beyondidentity\.com\/v1\/tenants\/.+:invokeAuthenticator\?token=/);
    await page.goto(link);
    await confirmBinding(page, address);
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
    await shot(page, '13-real-sdk-signed-in');
    const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
    assert.equal(session.user.email, address);
    // What the SDK holds, read in a document of its own (one SDK start per document).
    const other = await b.context.newPage();
    await bare(other);
    const passkeys = await other.evaluate(async (chunk) => {
      const { Embedded } = (await import(`/account/assets/${chunk}`)).b;
      return (await Embedded.initialize()).getPasskeys();
    }, SDK_CHUNK);
    await other.close();
    assert.equal(passkeys.length, 1);
    assert.equal(passkeys[0].identity.username, address);
    assert.equal(passkeys[0].keyType, 'subtle');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${SITE}/`);
    await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();

    // An administrator revokes the passkey at Beyond Identity: the next sign-in is refused,
    // and the page says so in a sentence, never in the SDK's words.
    assert.equal(await revokePasskeys(address), 1);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/bi-authenticate/);
    await page.getByRole('alert').getByText('Your sign-in policy does not allow this here.').waitFor();
    await shot(page, '14-real-sdk-revoked');
    assert.doesNotMatch(await page.locator('main').innerText(), /FlattenedError|HandleUrl|PolicyDenied/);
    const after = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
    assert.equal(after, false);
    assert.deepEqual(await b.violations(), []);
  } finally {
    await b.close();
  }
});

test('with the real SDK, /device binds from a RETURN link: the new passkey replaces the one the browser held for the account', async () => {
  const b = await watched();
  const { page } = b;
  try {
    // Home runs no SDK; /device binds with the link bind-job returns (invokeAuthenticator
    // answered as JSON to the SDK, then getInfo and bind). Measured: the real SDK keeps
    // one passkey per identity in a browser, the newest.
    const { address, passkeys } = await renewOnDevice(page, 'una');
    assert.equal(await passkeys.getByRole('listitem').count(), 1);
    await shot(page, '15-real-sdk-device-replaced');
    const { passkeys: atBeyondIdentity } = await page.evaluate(async () => (await fetch('/api/auth/passkeys')).json());
    assert.equal(atBeyondIdentity.length, 2);
    const [older, newest] = [...atBeyondIdentity].sort((a, b) => a.created_at.localeCompare(b.created_at));
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('passkeys-on-this-device'))), [newest.id]);
    // The replaced one, whose key is gone from the browser, is revoked; the new one is active.
    assert.deepEqual([older.state, newest.state], ['REVOKED', 'ACTIVE']);
    await page.getByRole('button', { name: `Forget the passkey of ${address} on this device` }).click();
    await page.getByText(`The passkey of ${address} was forgotten on this device.`).waitFor();
    await page.getByText('This browser holds no passkey yet.').waitFor();
    assert.deepEqual(await b.violations(), []);
  } finally {
    await b.close();
  }
});

test('with the real SDK, /bind explains a link it cannot use in words, never in the SDK\'s', async () => {
  const { bind } = await links();
  const b = await watched();
  const { page } = b;
  try {
    // A link whose token Beyond Identity does not know: the real SDK's getInfo is refused
    // (an untyped `The server responded with a 404 error`), and the page says so plainly.
    await page.goto(bind.replace(/token=[^&]*/, 'token=not-the-token'));
    await page.getByRole('button', { name: 'Set up my passkey' }).click();
    await page
      .getByRole('alert')
      .getByText('Beyond Identity refused the request: the link may have expired or already been used. You can ask for a new link.')
      .waitFor();
    await page.getByRole('link', { name: 'Get a new link' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the link and its token stay in the address bar');
    await page.goto(`${SITE}/bind?x=1`);
    await page.getByRole('alert').getByText('This link is not valid for this site.').waitFor();
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /HandleUrl|token=/);
    assert.deepEqual(await b.violations(), []);
  } finally {
    await b.close();
  }
});

/** A fresh browser whose every response from the site has `source` taken out of its policy. */
async function withoutSource(source) {
  const b = await watched();
  await b.page.route(`${SITE}/**`, async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const headers = response.headers();
    if (headers['content-security-policy']) {
      headers['content-security-policy'] = headers['content-security-policy'].replace(` ${source}`, '');
    }
    await route.fulfill({ response, headers });
  });
  return b;
}

// The SDK evaluates strings when it creates or migrates its IndexedDB database, that is on
// the first start in a browser profile (and after an SDK upgrade): each page is therefore
// checked in a fresh profile, as a new visitor meets it.
for (const [name, open] of [
  ['/device', async (page) => page.goto(`${SITE}/device`)],
  [
    '/bi-authenticate',
    async (page) => page.goto((await links()).authenticate),
  ],
]) {
  test(`without 'unsafe-eval' the real SDK cannot start, and ${name} says so at once`, async () => {
    const b = await withoutSource("'unsafe-eval'");
    try {
      await open(b.page);
      await b.page.getByRole('alert').getByText("This site's security policy stops the passkey service from starting.").waitFor();
      const violations = await b.violations();
      assert.ok(violations.some((v) => v.startsWith('script-src eval')), violations.join('\n'));
      await shot(b.page, `12-real-sdk-blocked-${name.replace('/', '')}`);
    } finally {
      await b.close();
    }
  });
}
