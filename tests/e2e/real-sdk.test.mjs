// Beyond Identity's real SDK (@beyondidentity/bi-sdk-js, in the production bundle) under
// the production headers (static-site/security-headers.json, as CloudFront sends them), in
// Chromium, offline. run.sh runs this file alone against `vite build` in production mode
// (DEV_SITE_SDK=real), with bi-local making the links and sign-in requests.
//
// What the real SDK does without Beyond Identity's cloud is tested here: it starts, lists
// passkeys, classifies the links bi-local makes (the shapes Beyond Identity makes), and
// every page says what happens next. Binding and signing in need the cloud (a private
// protocol, https only): those stay with the stand-in in the other browser tests.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { SITE, browser, emailLink, shot, unique } from './harness.mjs';

const ASSETS = new URL('../../static-site/dist/assets/', import.meta.url);
const SDK_CHUNK = readdirSync(ASSETS).find((f) => f.startsWith('bi-embedded-') && f.endsWith('.js'));
const STYLESHEET = readdirSync(ASSETS).find((f) => f.endsWith('.css'));
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
  const bind = (await fetch(invoke, { redirect: 'manual' })).headers.get('location'); // {app}/bind?api_base_url=…
  const signin = await fetch(`${SITE}/api/auth/signin?callbackUrl=%2F`, { redirect: 'manual' });
  const authorize = signin.headers.get('location');
  const authenticate = (await fetch(authorize, { redirect: 'manual' })).headers.get('location');
  assert.match(invoke, /:invokeAuthenticator\?token=/);
  assert.match(bind, /\/bind\?api_base_url=/);
  assert.match(authenticate, /\/bi-authenticate\?request=/);
  return { invoke, bind, authenticate };
}

test('the real SDK starts within its time limit, lists no passkeys and classifies the links', async () => {
  const { invoke, bind, authenticate } = await links();
  const b = await watched();
  try {
    // A document of the site's origin with the production headers that runs none of the
    // pages' scripts (the SDK must be initialised only once per page): the stylesheet.
    await b.page.goto(`${SITE}/assets/${STYLESHEET}`);
    const answer = await b.page.evaluate(
      async ({ chunk, urls }) => {
        const started = performance.now();
        const { Embedded } = (await import(`/assets/${chunk}`)).b;
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
    await page.goto(SITE);
    await page.getByText('This browser holds no passkey yet.').waitFor(); // home: initialize + getPasskeys
    assert.deepEqual(await b.violations(), []);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/bi-authenticate\?request=/);
    await page.getByRole('alert').getByText('no passkey on this device').waitFor();
    await shot(page, '11-real-sdk-no-passkey');
    assert.deepEqual(await b.violations(), []);
    await page.getByRole('link', { name: 'Set up a passkey' }).click();
    await page.getByLabel('Email address').waitFor();
  } finally {
    await b.close();
  }
});

test('with the real SDK, /bind explains a link it cannot use in words, never in the SDK\'s', async () => {
  const { bind } = await links();
  const b = await watched();
  const { page } = b;
  try {
    // The real SDK accepts only https API hosts on Beyond Identity's domains, so it refuses
    // bi-local's http link before any network call: the page must say so plainly.
    await page.goto(bind);
    await page.getByRole('alert').getByText('This link is not valid. You can ask for a new link.').waitFor();
    await page.getByRole('link', { name: 'Get a new link' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the link and its token stay in the address bar');
    await page.goto(`${SITE}/bind?x=1`);
    await page.getByRole('alert').getByText('This link is not valid.').waitFor();
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
  ['home', async (page) => page.goto(SITE)],
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
