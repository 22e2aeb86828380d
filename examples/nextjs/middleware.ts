// Pages under /members need a signed-in user. The middleware asks the functions'
// forward-auth route (`GET /api/auth/verify`: 200 or 401, no body to parse) with the
// session cookie, and sends a signed-out visitor to sign in and back.
import { type NextRequest, NextResponse } from 'next/server';
import { authOrigin, publicOrigin, sessionCookie } from './lib/auth';

export const config = { matcher: ['/members/:path*'] };

export async function middleware(request: NextRequest) {
  const cookie = sessionCookie(request.headers.get('cookie'));
  const verified = cookie
    ? await fetch(`${authOrigin()}/api/auth/verify`, { headers: { cookie }, cache: 'no-store' })
    : null;
  if (verified?.ok) return NextResponse.next();
  if (verified && verified.status !== 401) {
    return new NextResponse('The sign-in service cannot say who you are; try again shortly.', { status: 503 });
  }
  // The public origin, not the request's: behind a proxy the app sees its own address.
  const signIn = new URL('/api/auth/signin', publicOrigin());
  signIn.searchParams.set('callbackUrl', request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.redirect(signIn);
}
