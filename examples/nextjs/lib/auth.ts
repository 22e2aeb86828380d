// Who is signed in, on the server: for the App Router's server components, route
// handlers and middleware, where next-auth's `getServerSession` and `auth()` would run
// next-auth's own server, which this app no longer has. It asks the passkey-auth
// functions, on this app's own origin, with the request's session cookie: the same
// question next-auth 4's `getSession({ req })` asks in the Pages Router.
//
//   const session = await auth(headers().get('cookie'));   // a server component
//   const session = await auth(request.headers.get('cookie'));   // middleware
//
// `null` means signed out. When the functions cannot say (the session store is down, the
// network fails), it throws: a page must not guess that someone is, or is not, signed in.

/** The session as `GET /api/auth/session` answers it: next-auth's shape. */
export type Session = {
  user: { id: string; name: string | null; email: string | null; image: null };
  expires: string;
};

const SESSION_COOKIE = '__Host-session';

/** The origin users see (`NEXTAUTH_URL`): where a browser is sent to sign in. */
export function publicOrigin(): string {
  const url = process.env.NEXTAUTH_URL;
  if (!url) throw new Error('NEXTAUTH_URL is not set: the public origin, e.g. https://app.example.com');
  return new URL(url).origin;
}

/** Where this server asks the functions: `NEXTAUTH_URL_INTERNAL` if set, as next-auth does, else the public origin. */
export function authOrigin(): string {
  const internal = process.env.NEXTAUTH_URL_INTERNAL;
  return internal ? new URL(internal).origin : publicOrigin();
}

/** Only the session cookie, as the browser sent it: nothing else of the app's goes out. */
export function sessionCookie(cookieHeader: string | null | undefined): string {
  return (cookieHeader ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${SESSION_COOKIE}=`))
    .join('; ');
}

export async function auth(cookieHeader: string | null | undefined): Promise<Session | null> {
  const cookie = sessionCookie(cookieHeader);
  if (!cookie) return null;
  const response = await fetch(`${authOrigin()}/api/auth/session`, {
    headers: { cookie },
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`the session check answered ${response.status}`);
  const session = (await response.json()) as Session | false;
  return session === false ? null : session;
}
