// next-auth's own clients, versions 4 and 5, unchanged, against the functions: the example
// Next.js app (examples/nextjs) in front of the stack, as make dev's DEV_APP=nextjs puts
// it. Its pages call next-auth's SessionProvider, useSession, signIn('beyondidentity'),
// signOut() and update() (version 4 at /, version 5 at /v5), getSession({ req }) on the
// server (/server), and the App Router helper behind middleware (/members). Run by
// tests/e2e/run.sh in its nextauth mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SITE, browser, registerAndBind, shot, unique } from './harness.mjs';

const VERSIONS = [
  { name: 'next-auth 4', tag: 'v4', home: '/', required: '/protected' },
  { name: 'next-auth 5', tag: 'v5', home: '/v5', required: '/v5/protected' },
];

/**
 * A new user with a passkey in this browser, signed out again. Registered on the account
 * page (ACCOUNT, /account); the enrolment link binds and signs in, landing on the app's
 * home, whose next-auth 4 client reads the session.
 */
async function enrolled(b, name) {
  const address = unique(name);
  await registerAndBind(b.page, address);
  await b.page.waitForURL(`${SITE}/`);
  await status(b.page, 'authenticated');
  await b.context.clearCookies({ name: '__Host-session' });
  return address;
}

/** The status useSession() shows, once it is `status`. */
async function status(page, status) {
  await page.getByTestId('status').filter({ hasText: new RegExp(`^${status}$`) }).waitFor();
}

/** What GET /api/auth/session answers for this session cookie value, asked from outside the browser. */
async function sessionOf(token) {
  const answer = await fetch(`${SITE}/api/auth/session`, { headers: { cookie: `__Host-session=${token}` } });
  assert.equal(answer.status, 200);
  return answer.json();
}

for (const version of VERSIONS) {
  test(`${version.name}: sign in, the session in the client and on the server, update(), sign out in two tabs`, async () => {
    const b = await browser();
    const { page, context } = b;
    try {
      const address = await enrolled(b, `na-${version.tag}`);
      await page.goto(`${SITE}${version.home}`);
      await status(page, 'unauthenticated');
      await shot(page, `nextauth-${version.tag}-01-signed-out`);

      // signIn('beyondidentity'): providers, csrf, the posted form, the provider, the
      // passkey on /bi-authenticate, and back to the page it left.
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(`${SITE}${version.home}`);
      await status(page, 'authenticated');
      await page.getByTestId('user').filter({ hasText: `Signed in as ${address}` }).waitFor();
      await shot(page, `nextauth-${version.tag}-02-signed-in`);
      const token = (await context.cookies(SITE)).find((c) => c.name === '__Host-session')?.value;
      assert.ok(token, 'a session cookie');

      // On the server: getSession({ req }) in the Pages Router, auth() behind middleware in the App Router.
      await page.goto(`${SITE}/server`);
      await page.getByTestId('server-user').filter({ hasText: `Signed in as ${address}` }).waitFor();
      await page.goto(`${SITE}/members`);
      await page.getByTestId('members-user').filter({ hasText: `Signed in as ${address}` }).waitFor();

      // update(data): the session comes back as it is; what the browser sent is not stored.
      await page.goto(`${SITE}${version.home}`);
      await status(page, 'authenticated');
      const [updated] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${SITE}/api/auth/session` && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Update the session' }).click(),
      ]);
      assert.equal(updated.status(), 200);
      assert.equal((await updated.json()).user.email, address);
      await status(page, 'authenticated');
      assert.equal((await sessionOf(token)).user.name, address);

      // A second tab, then signOut() in the first: the second sees it (version 4 through
      // localStorage, version 5 through a BroadcastChannel), and the old cookie is dead.
      const second = await context.newPage();
      await second.goto(`${SITE}${version.home}`);
      await status(second, 'authenticated');
      await page.bringToFront();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await status(page, 'unauthenticated');
      await status(second, 'unauthenticated');
      await shot(page, `nextauth-${version.tag}-03-signed-out-again`);
      assert.equal(await sessionOf(token), false);
      await page.goto(`${SITE}/server`);
      await page.getByTestId('server-user').filter({ hasText: 'Not signed in' }).waitFor();

      // The middleware sends a signed-out visitor to sign in and back.
      await page.goto(`${SITE}/members?tab=2`);
      await page.getByTestId('members-user').filter({ hasText: `Signed in as ${address}` }).waitFor();
      assert.equal(page.url(), `${SITE}/members?tab=2`);
      assert.deepEqual(b.errors, [], 'no error in the console: the client read every answer');
    } finally {
      await b.close();
    }
  });

  test(`${version.name}: a page that requires a session sends the user to sign in and back`, async () => {
    const b = await browser();
    const { page } = b;
    try {
      const address = await enrolled(b, `req-${version.tag}`);
      await page.goto(`${SITE}${version.required}?report=7`);
      await page.getByTestId('protected-user').filter({ hasText: `Only for ${address}` }).waitFor();
      assert.equal(page.url(), `${SITE}${version.required}?report=7`);
      await shot(page, `nextauth-${version.tag}-04-required`);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}

// Why a signed-out GET /api/auth/session is `false`: each candidate answer, given to both
// clients in place of the functions' (docs/migrate-from-nextauth.md, "The signed-out
// answer"). If an upgrade of next-auth changes how it reads them, this says so.
test('the signed-out answer: what each client makes of {}, null and false', async () => {
  const seen = {};
  for (const body of ['{}', 'null', 'false']) {
    for (const version of VERSIONS) {
      const b = await browser();
      const { page } = b;
      try {
        let beacons = 0;
        page.on('request', (r) => {
          if (r.url().endsWith('/api/auth/_log')) beacons += 1;
        });
        await page.route(`${SITE}/api/auth/session`, (route) =>
          route.fulfill({ status: 200, contentType: 'application/json', body }),
        );
        await page.goto(`${SITE}${version.home}`);
        await page.getByTestId('status').filter({ hasNotText: 'loading' }).waitFor();
        await page.waitForLoadState('networkidle');
        const shown = await page.getByTestId('status').innerText();
        const errors = b.errors.some((e) => e.includes('CLIENT_FETCH_ERROR'));
        seen[`${body} ${version.tag}`] = `${shown}${errors ? ', CLIENT_FETCH_ERROR' : ''}${beacons ? ', /_log' : ''}`;
      } finally {
        await b.close();
      }
    }
  }
  assert.deepEqual(seen, {
    '{} v4': 'unauthenticated',
    '{} v5': 'authenticated',
    'null v4': 'unauthenticated, CLIENT_FETCH_ERROR, /_log',
    'null v5': 'unauthenticated',
    'false v4': 'unauthenticated',
    'false v5': 'unauthenticated',
  });
});
