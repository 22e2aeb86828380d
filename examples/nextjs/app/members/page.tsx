// A server component with the session: the middleware has already sent signed-out
// visitors to sign in; `auth()` (lib/auth.ts) reads who this is.
import { headers } from 'next/headers';
import { auth } from '../../lib/auth';

export const dynamic = 'force-dynamic';

export default async function Members() {
  const session = await auth(headers().get('cookie'));
  return (
    <main>
      <h1>Members</h1>
      <p data-testid="members-user">{session ? `Signed in as ${session.user.email}` : 'Not signed in'}</p>
    </main>
  );
}
