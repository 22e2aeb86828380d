import type { ReactNode } from 'react';
import { Providers } from './providers';

export default function V5Layout({ children }: { children: ReactNode }) {
  return <Providers>{children}</Providers>;
}
