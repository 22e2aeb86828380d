// `make bench`, the browser's figures: against the production build (the real SDK, the
// production headers, served as CloudFront serves it: hashed assets immutable, pages
// no-cache) with bi-local behind it, in Debian's Chromium:
// - the bytes of each page: every response it loads, as sent and as brotli and gzip would
//   carry them (CloudFront compresses what the preview server sends plain);
// - a sign-in: from the click on "Sign in with a passkey" to the signed-in home, with the
//   real SDK, cold (the browser's cache emptied first) and warm.
// Prints a Markdown section and appends it to BENCH_OUT. Not a test: nothing fails on a
// number; the targets are shown beside them.
import { appendFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { SITE, browser, registerAndBind, unique } from './harness.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES || 7);
const HOME_TARGET_KB = 100;
const WARM_TARGET_MS = 1500;

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Every response a page loads in a fresh browser, until the page is settled (`ready`). */
async function pageBytes(path, ready) {
  const b = await browser();
  try {
    const bodies = [];
    b.page.on('response', async (response) => {
      if (!response.url().startsWith(SITE) || response.status() >= 300) return;
      bodies.push(response.body().catch(() => Buffer.alloc(0)));
    });
    await b.page.goto(`${SITE}${path}`);
    await ready(b.page);
    const all = await Promise.all(bodies);
    const sum = (f) => all.reduce((total, body) => total + f(body), 0);
    return {
      requests: all.length,
      raw: sum((body) => body.length),
      brotli: sum((body) => brotliCompressSync(body).length),
      gzip: sum((body) => gzipSync(body).length),
    };
  } finally {
    await b.close();
  }
}

/** A sign-in's wall time: the click on the home page to the signed-in heading. */
async function signIn(page) {
  const started = performance.now();
  await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
  await page.getByRole('heading', { name: /^Signed in as / }).waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByText('You are signed out.').waitFor();
}

async function signInTimes() {
  const b = await browser();
  const { page, context } = b;
  try {
    await registerAndBind(page, unique('bench'));
    await page.getByRole('heading', { name: /^Signed in as / }).waitFor({ timeout: 60_000 });
    await signOut(page);

    const cdp = await context.newCDPSession(page);
    const cold = [];
    const warm = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      await cdp.send('Network.clearBrowserCache');
      cold.push(await signIn(page));
      await signOut(page);
      warm.push(await signIn(page));
      await signOut(page);
    }
    return { cold, warm };
  } finally {
    await b.close();
  }
}

const signedOutHome = (page) => page.getByRole('link', { name: 'Sign in with a passkey' }).waitFor();
const settled = (page) => page.getByRole('alert').or(page.getByText('This browser holds no passkey yet.')).first().waitFor({ timeout: 60_000 });
const pages = [
  ['home, signed out', '/', signedOutHome],
  ['/device', '/device', settled],
  ['/bind (a link it refuses)', '/bind?x=1', settled],
  ['/bi-authenticate (no passkey)', '/bi-authenticate?request=x', settled],
];
const rows = [];
for (const [name, path, ready] of pages) rows.push([name, await pageBytes(path, ready)]);
const { cold, warm } = await signInTimes();
const home = rows[0][1];

const lines = [
  '',
  '### The site in the browser (Chromium, the production build with the real SDK)',
  '',
  `Chromium ${process.env.BENCH_CHROMIUM_VERSION ?? ''} against \`make dev\` in production mode (\`DEV_SITE_MODE=preview DEV_SITE_SDK=real\`), bi-local's cloud protocol over HTTPS; ${SAMPLES} sign-ins of each kind, median (min–max). Compressed sizes are what brotli and gzip make of each response (CloudFront compresses them; the preview server does not).`,
  '',
  '| Page | Requests | As sent | Brotli | Gzip | Target | Met |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(([name, r], i) =>
    `| ${name} | ${r.requests} | ${kb(r.raw)} | ${kb(r.brotli)} | ${kb(r.gzip)} | ${i === 0 ? `≤ ${HOME_TARGET_KB} KB compressed, no SDK` : ''} | ${i === 0 ? (r.brotli <= HOME_TARGET_KB * 1024 && r.gzip <= HOME_TARGET_KB * 1024 ? 'yes' : '**no**') : ''} |`,
  ),
  '',
  '| Sign-in, click to signed-in home | Median | Min–max | Target | Met |',
  '|---|---|---|---|---|',
  `| cold (browser cache emptied) | ${median(cold).toFixed(0)} ms | ${Math.min(...cold).toFixed(0)}–${Math.max(...cold).toFixed(0)} ms |  |  |`,
  `| warm | ${median(warm).toFixed(0)} ms | ${Math.min(...warm).toFixed(0)}–${Math.max(...warm).toFixed(0)} ms | ≤ ${WARM_TARGET_MS} ms | ${median(warm) <= WARM_TARGET_MS ? 'yes' : '**no**'} |`,
  '',
];
const text = lines.join('\n');
console.log(text);
if (home.requests === 0) throw new Error('the home page loaded nothing: the measurement is broken');
if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, text);
