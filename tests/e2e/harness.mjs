// Shared by the browser tests: Debian's Chromium, a fresh profile per test, bi-local's
// outbox, and screenshots saved as test artifacts.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const SITE = process.env.SITE_URL ?? 'http://localhost:3000';
export const BI = process.env.BI_AUTH_URL ?? 'http://127.0.0.1:8021';
/** The account page: home, or `/account` with a team's app in front (ACCOUNT_URL). */
export const ACCOUNT = process.env.ACCOUNT_URL ?? SITE;
const ARTIFACTS = process.env.ARTIFACTS ?? join(process.cwd(), '..', '..', 'test-artifacts', 'screenshots');
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * The Chromium switches that reach bi-local's HTTPS host for the real SDK, if this stack
 * has one (bi-local --cloud-addr): Beyond Identity's hostnames resolve to it, and its
 * certificate (made by bi-local for this run) is trusted by its key, in this browser only.
 */
function cloudArgs() {
  const file = process.env.BI_ENV_FILE;
  if (!file) return [];
  const text = readFileSync(file, 'utf8');
  const addr = /^BI_LOCAL_CLOUD_ADDR=(.+)$/m.exec(text)?.[1];
  const spki = /^BI_LOCAL_CLOUD_SPKI=(.+)$/m.exec(text)?.[1];
  if (!addr || !spki) return [];
  return [
    `--host-resolver-rules=MAP auth-us.beyondidentity.com ${addr},MAP api-us.beyondidentity.com ${addr}`,
    `--ignore-certificate-errors-spki-list=${spki}`,
  ];
}

/**
 * A URL bi-local handed out under Beyond Identity's own hostnames (the real SDK's
 * stack), rewritten to bi-local's plain HTTP hosts, for a request made from this test
 * process rather than from the browser.
 */
export function local(url) {
  const s = biSettings();
  return url
    .replace('https://auth-us.beyondidentity.com', s.BEYOND_IDENTITY_AUTH_BASE_URL)
    .replace('https://api-us.beyondidentity.com', s.BEYOND_IDENTITY_API_BASE_URL);
}

/**
 * A browser with a fresh profile (its own IndexedDB and cookies); closed by `close()`.
 * `locale` is its language (navigator.languages and Accept-Language), English by default.
 */
export async function browser({ locale = 'en-US' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    locale,
    viewport: { width: 420, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...cloudArgs(),
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return {
    page,
    context,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The policies of static-site/security-headers.json: the strict one, and the SDK pages'. */
export const SECURITY = JSON.parse(readFileSync(new URL('../../static-site/security-headers.json', import.meta.url), 'utf8'));

/** The strict policy as a header, with `add`'s sources (SECURITY.sdkPages.add: the SDK pages'). */
export const policy = (add = {}) =>
  Object.entries(SECURITY.contentSecurityPolicy)
    .map(([name, values]) => `${name} ${[...values, ...(add[name] ?? [])].join(' ')}`)
    .join('; ');

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The newest enrolment email's link for an address. */
export async function emailLink(address) {
  const { emails } = await (await fetch(`${BI}/_emulator/outbox`)).json();
  const mine = emails.filter((e) => e.to === address);
  if (mine.length === 0) throw new Error(`no email to ${address}`);
  return mine[mine.length - 1].link;
}

/**
 * The newest message the functions mailed to `address` (the product's own mail, which
 * `make dev` sends to the local moto server's SES), or an error if there is none.
 */
export async function mailTo(address) {
  const data = await (await fetch(`http://127.0.0.1:${process.env.DEV_DYNAMODB_PORT}/moto-api/data.json`)).json();
  const mine = (data.ses?.Message ?? []).filter((m) => m.destinations?.ToAddresses?.includes(address));
  if (mine.length === 0) throw new Error(`no mail to ${address}`);
  return { subject: mine[mine.length - 1].subject, text: mine[mine.length - 1].body };
}

export function unique(name) {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Registers on the account page and follows the emailed link: binds, then signs in. */
export async function registerAndBind(page, address) {
  await page.goto(ACCOUNT);
  await page.getByLabel('Email address', { exact: true }).fill(address);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await page.getByText('an email with a link to set up your passkey is on its way').waitFor();
  await page.goto(await emailLink(address));
  await confirmBinding(page, address);
}

/** On /bind: the page names whose passkey the link makes; the user says it is theirs. */
export async function confirmBinding(page, address) {
  await page.getByRole('heading', { name: `This link sets up a passkey for ${address}` }).waitFor();
  await page.getByRole('button', { name: 'Set up my passkey' }).click();
}

/** bi-local's settings (the `.env` lines it printed for this stack; BI_ENV_FILE). */
export function biSettings() {
  const file = process.env.BI_ENV_FILE;
  if (!file) throw new Error('BI_ENV_FILE is not set (tests/e2e/run.sh sets it)');
  const lines = readFileSync(file, 'utf8').split('\n');
  const settings = {};
  for (const line of lines) {
    const match = /^(?:# )?(BEYOND_IDENTITY_[A-Z_]+)=(.*)$/.exec(line);
    if (match) settings[match[1]] = match[2];
  }
  return settings;
}

/** Revokes every credential of a user at bi-local, through the management API (as an admin would). */
export async function revokePasskeys(address) {
  const s = biSettings();
  const realm = `${s.BEYOND_IDENTITY_API_BASE_URL}/v1/tenants/${s.BEYOND_IDENTITY_TENANT_ID}/realms/${s.BEYOND_IDENTITY_REALM_ID}`;
  const headers = { authorization: `Bearer ${s.BEYOND_IDENTITY_API_TOKEN}`, 'content-type': 'application/json' };
  const filter = encodeURIComponent(`traits.username eq "${address}"`);
  const { identities } = await (await fetch(`${realm}/identities?filter=${filter}`, { headers })).json();
  const { credentials } = await (await fetch(`${realm}/identities/${identities[0].id}/credentials`, { headers })).json();
  for (const credential of credentials) {
    const revoked = await fetch(`${realm}/identities/${identities[0].id}/credentials/${credential.id}:revoke`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    if (!revoked.ok) throw new Error(`revoke answered ${revoked.status}`);
  }
  return credentials.length;
}

/**
 * Makes this browser's sign-in `seconds` older, as time passing would: the session item's
 * `authenticated_at` in the local DynamoDB server (DEV_DYNAMODB_PORT, SESSION_TABLE), by
 * DynamoDB's own JSON API. The key is `session#` + SHA-256 of the cookie, as the functions
 * store it. For the recent-sign-in rule, which needs minutes to pass otherwise.
 */
export async function ageSignIn(context, seconds) {
  const cookie = (await context.cookies(SITE)).find((c) => c.name === '__Host-session');
  if (!cookie) throw new Error('no session cookie');
  const pk = `session#${createHash('sha256').update(cookie.value).digest('hex')}`;
  const answer = await fetch(`http://127.0.0.1:${process.env.DEV_DYNAMODB_PORT}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.UpdateItem',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({
      TableName: process.env.SESSION_TABLE,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET authenticated_at = authenticated_at - :age',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':age': { N: String(seconds) } },
    }),
  });
  if (!answer.ok) throw new Error(`UpdateItem answered ${answer.status}: ${await answer.text()}`);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.2 level AA, and the levels under it. */
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * axe-core on the page as it stands, at WCAG 2.2 AA: fails with each violation, its rule
 * and the elements, if there is any. Evaluated through the DevTools protocol, so the
 * page's own Content-Security-Policy is neither loosened nor in the way.
 */
export async function accessible(page, state) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async (tags) => {
    const { violations } = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  }, WCAG_22_AA);
  if (violations.length > 0) throw new Error(`accessibility (WCAG 2.2 AA) of ${state}:\n  ${violations.join('\n  ')}`);
}

/** Presses Tab until `name` has the focus (as a keyboard user would reach it), at most `tabs` times. */
export async function tabTo(page, name, tabs = 15) {
  for (let i = 0; i < tabs; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    if (focused === name) return;
  }
  throw new Error(`"${name}" cannot be reached with the keyboard in ${tabs} presses of Tab`);
}

/**
 * A new user, signed in, renews the passkey of this browser: home's "Replace the passkey
 * on this device" (this browser holds one for the account) leads to /device, which binds a
 * new one (the SDK keeps one per account in a browser, so it replaces the old one, which
 * the page revokes). Returns the address and the list of /device.
 */
export async function renewOnDevice(page, name) {
  const address = unique(name);
  await registerAndBind(page, address);
  await page.getByRole('heading', { name: `Signed in as ${address}` }).waitFor();
  await page.getByRole('button', { name: 'Replace the passkey on this device' }).click();
  await page.waitForURL(`${SITE}/device`);
  await page.getByText('A new passkey replaced the one this device held, and the old one was revoked.').waitFor();
  return { address, passkeys: page.getByRole('list', { name: 'Passkeys on this device' }) };
}
