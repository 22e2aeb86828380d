// The guide's home page, unchanged by the migration: next-auth 4's own client calls.
import { signIn, signOut, useSession } from 'next-auth/react';
import Link from 'next/link';

export default function Home() {
  const { data: session, status, update } = useSession();
  return (
    <main>
      <h1>next-auth 4</h1>
      <p data-testid="status">{status}</p>
      {session ? (
        <>
          <p data-testid="user">Signed in as {session.user?.email}</p>
          <p data-testid="expires">{session.expires}</p>
          <button type="button" onClick={() => update({ name: 'set by the browser' })}>
            Update the session
          </button>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </>
      ) : (
        <button type="button" onClick={() => signIn('beyondidentity')}>
          Sign in with a passkey
        </button>
      )}
      <nav>
        <Link href="/server">On the server</Link> · <Link href="/protected">Protected</Link> ·{' '}
        <a href="/members">Members (App Router)</a> · <a href="/v5">next-auth 5</a> · <a href="/account">Your account</a>
      </nav>
    </main>
  );
}
