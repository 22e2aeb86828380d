'use client';
// next-auth 5's SessionProvider, for the pages under /v5: the same app on next-auth 5's
// client (installed here as `next-auth-5`; an app on version 5 imports `next-auth/react`).
import { SessionProvider } from 'next-auth-5/react';
import type { ReactNode } from 'react';

export function Providers({ children }: { children: ReactNode }) {
  return <SessionProvider>{children}</SessionProvider>;
}
