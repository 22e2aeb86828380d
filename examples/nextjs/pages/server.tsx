// A page rendered on the server with the session: next-auth 4's `getSession({ req })`
// asks NEXTAUTH_URL/api/auth/session with the request's cookie. The session also goes to
// `_app`'s SessionProvider (the `session` prop), so the client starts with it, as
// next-auth's own examples do.
import type { GetServerSideProps } from 'next';
import type { Session } from 'next-auth';
import { getSession } from 'next-auth/react';

type Props = { session: Session | null; email: string | null };

export const getServerSideProps: GetServerSideProps<Props> = async ({ req }) => {
  const session = await getSession({ req });
  return { props: { session, email: session?.user?.email ?? null } };
};

export default function Server({ email }: Props) {
  return (
    <main>
      <h1>Rendered on the server</h1>
      <p data-testid="server-user">{email ? `Signed in as ${email}` : 'Not signed in'}</p>
    </main>
  );
}
