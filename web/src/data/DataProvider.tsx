import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { useServices } from '../services.tsx';
import { createQueryClient, dropCacheWhenUserChanges } from './queryClient.ts';

/**
 * Holds the app's one query client and empties it whenever the signed-in person changes.
 * `client` is for tests; the app lets the provider make its own.
 */
export function DataProvider({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const { sessionStore } = useServices();
  const [queryClient] = useState(() => client ?? createQueryClient());

  useEffect(() => dropCacheWhenUserChanges(sessionStore, queryClient), [sessionStore, queryClient]);

  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
