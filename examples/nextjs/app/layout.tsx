// The App Router's root layout (its pages: /members, and /v5 with next-auth 5's client).
import type { ReactNode } from 'react';

// An empty icon: no favicon request, as the product's own pages do.
export const metadata = { title: 'passkey-auth with next-auth', icons: { icon: 'data:,' } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
