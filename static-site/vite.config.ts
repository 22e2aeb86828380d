// The site: four pages, the security headers from security-headers.json (per page: the
// strict policy, or the SDK pages' one), and in development a proxy that sends
// /api/auth/* to the functions under cargo lambda watch.
//
// Mode `bilocal` (make dev, the browser tests) replaces @beyondidentity/bi-sdk-js with
// the stand-in (src/sdk/standin.ts) that talks to bi-local; the production build
// contains the real SDK and never the stand-in. Mode `hosted`
// (BEYOND_IDENTITY_AUTHENTICATOR=hosted: Beyond Identity's hosted pages bind and sign in)
// is home alone, with no SDK and no SDK page, under the strict policy everywhere, for
// production and bi-local alike.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Connect, defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
type Sources = Record<string, string[]>;
const security = JSON.parse(readFileSync(here('./security-headers.json'), 'utf8')) as {
  headers: Record<string, string>;
  contentSecurityPolicy: Sources;
  sdkPages: { paths: string[]; add: Sources };
};

/** The policy of security-headers.json with sources added (each list is merged, never replaced). */
function csp(...extras: Sources[]): string {
  const directives = { ...security.contentSecurityPolicy };
  for (const extra of extras) {
    for (const [name, values] of Object.entries(extra)) {
      directives[name] = [...(directives[name] ?? []), ...values];
    }
  }
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * The paths a team's app in front gets: all but the functions' (`/api/auth`), the site's
 * pages (`/account`, `/bind`, `/bi-authenticate`, `/device`, and `/index.html`, which
 * `/account` is served as) and the dev server's own modules.
 */
const APP_PATHS =
  '^/(?!(?:api/auth|account|bind|bi-authenticate|device)(?:[/?#]|$)|index\\.html|src/|@vite/|@id/|@fs/|node_modules/)';

/** Whether a path is one of the pages that run the SDK (`/bind`, `/bind/`, `/bind/index.html`). */
function isSdkPage(path: string): boolean {
  return security.sdkPages.paths.some((page) => path === page || path.startsWith(`${page}/`));
}

/**
 * The security headers on every answer of the site, with the policy of its page: the strict
 * one, or the SDK pages' one, plus `sdk` on the SDK pages (bi-local, which the stand-in
 * talks to). A team's app in front (`app`) answers its own paths with its own headers.
 * The dev server adds `devServer` to both (its injected styles and HMR socket); the
 * preview server, like CloudFront, sends the policies as they are.
 */
function securityHeaders(devServer: Sources, sdk: Sources, hosted: boolean, app: string | undefined): Plugin {
  const appPaths = new RegExp(APP_PATHS);
  const send =
    (...extra: Sources[]): Connect.NextHandleFunction =>
    (req, res, next) => {
      const path = (req.url ?? '/').split('?')[0];
      // A team's app in front sends its own headers, as CloudFront passes them on.
      if (app && appPaths.test(path)) return next();
      for (const [name, value] of Object.entries(security.headers)) res.setHeader(name, value);
      const sdkPage = !hosted && isSdkPage(path);
      res.setHeader('Content-Security-Policy', sdkPage ? csp(...extra, security.sdkPages.add, sdk) : csp(...extra));
      next();
    };
  return {
    name: 'security-headers',
    configureServer: (server) => void server.middlewares.use(send(devServer)),
    configurePreviewServer: (server) => void server.middlewares.use(send()),
  };
}

/** Which function serves an /api/auth path (the routes of DESIGN.md). */
function functionFor(path: string): string {
  const route = path.replace(/^\/api\/auth\//, '').split(/[/?]/)[0];
  switch (route) {
    case 'signin':
    case 'csrf':
    case 'providers':
    case 'error':
      return 'signin';
    case 'callback':
    case 'backchannel-logout':
      return 'callback';
    case 'session':
    case 'verify':
    case 'signout':
    case 'sessions':
    case 'signout-everywhere':
      return 'session';
    case 'register':
    case 'binding-owner':
    case 'binding-complete':
      return 'register';
    case 'bind-job':
    case 'passkeys':
    case 'account':
      return 'bind-job';
    default:
      return 'session';
  }
}

/** The account page's own path: home, wherever the deployment puts it (docs/front-door.md). */
const ACCOUNT_PAGE = '/account';

/**
 * `/bind?…`, `/bi-authenticate?…` and `/device` (no trailing slash, as Beyond Identity
 * sends them), and `/account`, home at its own path, as CloudFront's page-routes function
 * maps them; in hosted mode there are no SDK pages, and the dev server, which would serve
 * their sources, answers 404 as the built site does.
 */
function pageRoutes(hosted: boolean): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, res, next) => {
    const url = req.url ?? '/';
    const [path, query] = url.split(/\?(.*)/s, 2);
    if (hosted && isSdkPage(path)) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end("Not found: with Beyond Identity's hosted pages, the site has no SDK page.\n");
      return;
    }
    const search = query !== undefined ? `?${query}` : '';
    if (security.sdkPages.paths.includes(path)) {
      req.url = `${path}/index.html${search}`;
    } else if (path === ACCOUNT_PAGE || path === `${ACCOUNT_PAGE}/`) {
      req.url = `/index.html${search}`;
    }
    next();
  };
  return {
    name: 'page-routes',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  };
}

/** Takes the parts of home that lead to SDK pages (between `<!-- sdk-pages -->` and `<!-- /sdk-pages -->`) out of the hosted build. */
function withoutSdkPages(hosted: boolean): Plugin {
  return {
    name: 'without-sdk-pages',
    transformIndexHtml: (html) =>
      hosted ? html.replace(/<!-- sdk-pages -->[\s\S]*?<!-- \/sdk-pages -->\s*/g, '') : html,
  };
}

export default defineConfig(({ mode }) => {
  const standin = mode === 'bilocal';
  const hosted = mode === 'hosted';
  const input: Record<string, string> = { home: here('./index.html') };
  if (!hosted) {
    input.bind = here('./bind/index.html');
    input.authenticate = here('./bi-authenticate/index.html');
    input.device = here('./device/index.html');
  }
  const port = Number(process.env.SITE_PORT ?? 3000);
  const functions = process.env.FUNCTIONS_URL ?? 'http://127.0.0.1:9000';
  const biLocal = process.env.VITE_BI_LOCAL_AUTH_URL ?? 'http://127.0.0.1:8021';
  // With a team's app in front (make dev with DEV_APP), every path that is not the
  // functions', the site's pages or the dev server's own goes to the app, as CloudFront's
  // default behaviour does when deployed (docs/front-door.md).
  const app = process.env.APP_URL;
  const proxy = {
    '/api/auth': {
      target: functions,
      rewrite: (path: string) => `/lambda-url/${functionFor(path)}${path}`,
    },
    ...(app
      ? {
          '/_next/webpack-hmr': { target: app, ws: true },
          [APP_PATHS]: { target: app },
        }
      : {}),
  };
  // The stand-in talks to bi-local from the SDK pages.
  const biLocalSources: Sources = standin ? { 'connect-src': [biLocal] } : {};
  const devServerSources: Sources = {
    'style-src': ["'unsafe-inline'"],
    'connect-src': [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`],
  };
  const serve = { host: '127.0.0.1', port, strictPort: true, proxy };
  return {
    appType: 'mpa',
    plugins: [
      securityHeaders(devServerSources, biLocalSources, hosted, app),
      pageRoutes(hosted),
      withoutSdkPages(hosted),
    ],
    define: standin ? { 'import.meta.env.VITE_BI_LOCAL_AUTH_URL': JSON.stringify(biLocal) } : {},
    resolve: {
      alias: standin ? [{ find: '@beyondidentity/bi-sdk-js', replacement: here('./src/sdk/standin.ts') }] : [],
    },
    build: {
      target: 'es2022',
      outDir: standin ? 'dist-bilocal' : hosted ? 'dist-hosted' : 'dist',
      emptyOutDir: true,
      // Under the account page's path, which every layout sends to the site: with a
      // team's app in front, `/assets` is the app's.
      assetsDir: 'account/assets',
      // The real SDK is one 6 MB module (its WebAssembly inlined); it is loaded only by
      // the pages that need it, after they render.
      chunkSizeWarningLimit: 7000,
      rollupOptions: { input },
    },
    server: serve,
    preview: serve,
  };
});
