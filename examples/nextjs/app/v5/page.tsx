'use client';
// The home page on next-auth 5's client: the same calls as version 4's.
import { signIn, signOut, useSession } from 'next-auth-5/react';

export default function HomeV5() {
  const { data: session, status, update } = useSession();
  return (
    <main>
      <h1>next-auth 5</h1>
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
        <a href="/v5/protected">Protected</a> · <a href="/">next-auth 4</a>
      </nav>
    </main>
  );
}
