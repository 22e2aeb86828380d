// next-auth 4's SessionProvider, exactly as Beyond Identity's NextAuth guide has it: it
// asks /api/auth/session, which the passkey-auth functions answer.
import type { AppProps } from 'next/app';
import type { Session } from 'next-auth';
import { SessionProvider } from 'next-auth/react';

export default function App({ Component, pageProps: { session, ...pageProps } }: AppProps<{ session?: Session | null }>) {
  return (
    <SessionProvider session={session}>
      <Component {...pageProps} />
    </SessionProvider>
  );
}
