// A page that requires a session: signed out, next-auth's client sends the browser to
// sign in with this page's address, and the sign-in comes back here.
import { useSession } from 'next-auth/react';

export default function Protected() {
  const { data: session, status } = useSession({ required: true });
  if (status === 'loading') return <p>Loading…</p>;
  return (
    <main>
      <h1>Protected</h1>
      <p data-testid="protected-user">Only for {session?.user?.email}</p>
    </main>
  );
}
