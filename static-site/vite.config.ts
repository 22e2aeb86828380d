// The site: three pages, the security headers from security-headers.json, and in
// development a proxy that sends /api/auth/* to the functions under cargo lambda watch.
//
// Mode `bilocal` (make dev, the browser tests) replaces @beyondidentity/bi-sdk-js with
// the stand-in (src/sdk/standin.ts) that talks to bi-local; every other build (the
// production one) contains the real SDK and never the stand-in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const security = JSON.parse(readFileSync(here('./security-headers.json'), 'utf8')) as {
  headers: Record<string, string>;
  contentSecurityPolicy: Record<string, string[]>;
};

/** The policy of security-headers.json with sources added (each list is merged, never replaced). */
function csp(...extras: Record<string, string[]>[]): string {
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

/** Which function serves an /api/auth path (the routes of DESIGN.md). */
function functionFor(path: string): string {
  const route = path.replace(/^\/api\/auth\//, '').split(/[/?]/)[0];
  switch (route) {
    case 'signin':
      return 'signin';
    case 'callback':
    case 'backchannel-logout':
      return 'callback';
    case 'session':
    case 'signout':
    case 'sessions':
    case 'signout-everywhere':
      return 'session';
    case 'register':
      return 'register';
    case 'bind-job':
    case 'passkeys':
      return 'bind-job';
    default:
      return 'session';
  }
}

/** `/bind?…` and `/bi-authenticate?…` (no trailing slash, as Beyond Identity sends them). */
function pageRoutes(): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    const url = req.url ?? '/';
    const [path, query] = url.split(/\?(.*)/s, 2);
    if (path === '/bind' || path === '/bi-authenticate') {
      req.url = `${path}/index.html${query !== undefined ? `?${query}` : ''}`;
    }
    next();
  };
  return {
    name: 'page-routes',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  };
}

export default defineConfig(({ mode, command }) => {
  const standin = mode === 'bilocal';
  const port = Number(process.env.SITE_PORT ?? 3000);
  const functions = process.env.FUNCTIONS_URL ?? 'http://127.0.0.1:9000';
  const biLocal = process.env.VITE_BI_LOCAL_AUTH_URL ?? 'http://127.0.0.1:8021';
  const proxy = {
    '/api/auth': {
      target: functions,
      rewrite: (path: string) => `/lambda-url/${functionFor(path)}${path}`,
    },
  };
  const devExtra: Record<string, string[]> = standin ? { 'connect-src': [biLocal] } : {};
  const serve = (extra: Record<string, string[]>) => ({
    host: '127.0.0.1',
    port,
    strictPort: true,
    proxy,
    headers: { ...security.headers, 'Content-Security-Policy': csp(devExtra, extra) },
  });
  return {
    appType: 'mpa',
    plugins: [pageRoutes()],
    define: standin ? { 'import.meta.env.VITE_BI_LOCAL_AUTH_URL': JSON.stringify(biLocal) } : {},
    resolve: {
      alias: standin ? [{ find: '@beyondidentity/bi-sdk-js', replacement: here('./src/sdk/standin.ts') }] : [],
    },
    build: {
      target: 'es2022',
      outDir: standin ? 'dist-bilocal' : 'dist',
      emptyOutDir: true,
      // The real SDK is one 6 MB module (its WebAssembly inlined); it is loaded only by
      // the pages that need it, after they render.
      chunkSizeWarningLimit: 7000,
      rollupOptions: {
        input: {
          home: here('./index.html'),
          bind: here('./bind/index.html'),
          authenticate: here('./bi-authenticate/index.html'),
        },
      },
    },
    // The dev server injects styles and an HMR socket; a built site (preview, deploy)
    // needs neither.
    server: serve(command === 'serve' ? { 'style-src': ["'unsafe-inline'"], 'connect-src': [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] } : {}),
    preview: serve({}),
  };
});
