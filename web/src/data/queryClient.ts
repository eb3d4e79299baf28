// How the app loads server data. Read this before writing a screen that talks to the API.
//
// One library, TanStack Query, holds every answer the screens show. A screen never keeps server
// data in useState/useEffect of its own; it calls a hook built on useQuery (one resource) or on
// usePagedList (a cursor-paged list, `{items, nextCursor}` from the API). The rules:
//
// 1. Keys come from `queryKeys` (keys.ts): the first element names the resource, then its ids,
//    then the query. A change invalidates by prefix, e.g. `queryKeys.case(caseId)` after a new
//    photo refreshes everything about that case and nothing else.
// 2. The query function passes TanStack's `signal` to the ApiClient, so a screen the user leaves
//    cancels its request and a late answer never lands anywhere.
// 3. Changes go through useMutation (or a plain api call) and then invalidate the keys they touch;
//    mutations are never retried (a POST that may have landed must not land twice).
// 4. Answers live in memory only. There is no persister and there must never be one: answers are
//    patient health information, and localStorage/IndexedDB outlive the session and the tab.
//    The whole cache is dropped when the session ends (DataProvider), so the next person at the
//    same browser never sees the previous person's data, not even for one render.
// 5. A 4xx is an answer, not a hiccup: it is never retried (a 404 of another patient's case stays
//    a 404). Only a lost connection (status 0) or a 5xx is tried again, twice.
//
// One resource:
//   const { api } = useServices();
//   const visit = useQuery({
//     queryKey: queryKeys.visit(roomId),            // add the key to keys.ts
//     queryFn: ({ signal }) => api.getVisit(roomId, signal),
//   });
// A paged list:
//   const cases = usePagedList({
//     queryKey: queryKeys.caseList(50),
//     fetchPage: (cursor, signal) => api.listCases(cursor === null ? { limit: 50 } : { limit: 50, cursor }, signal),
//   });

import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError, CLIENT_ERROR_CODES } from '../api/client.ts';
import type { SessionStore } from '../auth/sessionStore.ts';

/** Attempts after the first for a transient failure: three tries span about 3 s with the backoff. */
export const MAX_RETRIES = 2;

/** Whether a failed query is worth trying again: only a lost connection or a server error is. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  // A malformed answer comes back malformed the second time too.
  if (error.code === CLIENT_ERROR_CODES.invalidResponse) return false;
  return error.status === 0 || error.status >= 500;
}

export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < MAX_RETRIES && isTransient(error);
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        // Every read of health data is audited on the server, so a refetch whenever the window
        // regains focus would add audit entries nobody asked for; screens refresh on purpose.
        refetchOnWindowFocus: false,
        // Fail (and show the error with its retry button) instead of waiting silently when the
        // browser believes it is offline: the server may still be reachable on a local network.
        networkMode: 'always',
      },
      mutations: {
        retry: false,
        networkMode: 'always',
      },
    },
  });
}

/**
 * Puts the server's answer to a change (the closed case, the saved settings) in the cache as the
 * resource's current state. A read of the same resource may still be under way (the page refetches
 * a stale answer when it mounts): it was asked before the change, so its answer would land on top
 * and show the old state until the next refresh. It is cancelled first (TanStack puts the query
 * back to what it held before that read), then the change's answer is stored.
 */
export async function storeChanged<T>(client: QueryClient, queryKey: QueryKey, value: T): Promise<void> {
  await client.cancelQueries({ queryKey, exact: true });
  client.setQueryData<T>(queryKey, value);
}

/**
 * Something changed on the server (a photo accepted, a live notice): every query under `queryKey`
 * loads again, each from a request made after the change. A query on its first load has no data yet,
 * and invalidating it joins the read already under way (TanStack cancels an in-flight read on refetch
 * only when the query has data), which may have reached the server before the change: a photo
 * accepted while a body site's list was on its first load never appeared until the next change. So
 * the reads under way are cancelled first. Every change reloads through here (lint refuses
 * `invalidateQueries` elsewhere); `'all'` also reloads lists not on screen now.
 */
export async function reloadChanged(client: QueryClient, queryKey: QueryKey,
  refetchType: 'active' | 'all' = 'active'): Promise<void> {
  await client.cancelQueries({ queryKey });
  // eslint-disable-next-line no-restricted-syntax -- the one place a change invalidates
  await client.invalidateQueries({ queryKey, refetchType });
}

/**
 * Drops every cached answer as soon as the signed-in person changes (sign-out, idle logout,
 * expiry, someone else signing in): they were fetched with the previous person's rights. The
 * store calls its listeners synchronously, so the cache is empty before React renders again.
 * A token renewal for the same person keeps the cache. Returns the unsubscribe function.
 */
export function dropCacheWhenUserChanges(sessionStore: SessionStore, client: QueryClient): () => void {
  let userId = sessionStore.current?.me.userId ?? null;
  return sessionStore.subscribe(() => {
    const next = sessionStore.current?.me.userId ?? null;
    if (next === userId) return;
    userId = next;
    client.clear();
  });
}
