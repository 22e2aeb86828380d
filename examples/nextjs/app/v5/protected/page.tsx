'use client';
// A page that requires a session, on next-auth 5's client.
import { useSession } from 'next-auth-5/react';

export default function ProtectedV5() {
  const { data: session, status } = useSession({ required: true });
  if (status === 'loading') return <p>Loading…</p>;
  return (
    <main>
      <h1>Protected</h1>
      <p data-testid="protected-user">Only for {session?.user?.email}</p>
    </main>
  );
}
