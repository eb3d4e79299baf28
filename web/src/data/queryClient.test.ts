import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, CLIENT_ERROR_CODES } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { SessionStore } from '../auth/sessionStore.ts';
import { MemoryStorage } from '../test/fakes.ts';
import { queryKeys } from './keys.ts';
import { createQueryClient, dropCacheWhenUserChanges, MAX_RETRIES, reloadChanged, shouldRetry, storeChanged } from './queryClient.ts';

function answer(userId: string, accessToken = 'access'): Session {
  return {
    accessToken,
    refreshToken: 'refresh',
    expiresIn: 900,
    me: { userId, username: userId, role: 'patient', displayName: userId },
  };
}

describe('shouldRetry', () => {
  it('never retries a 4xx answer', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 422, 429]) {
      expect(shouldRetry(0, new ApiError(status, `http_${status}`, 'no'))).toBe(false);
    }
  });

  it('retries a lost connection and a server error, at most MAX_RETRIES times', () => {
    const network = new ApiError(0, CLIENT_ERROR_CODES.network, 'offline');
    const server = new ApiError(503, 'http_503', 'busy');
    expect(shouldRetry(0, network)).toBe(true);
    expect(shouldRetry(MAX_RETRIES - 1, server)).toBe(true);
    expect(shouldRetry(MAX_RETRIES, server)).toBe(false);
  });

  it('does not retry a malformed answer or an error that is not from the API', () => {
    expect(shouldRetry(0, new ApiError(200, CLIENT_ERROR_CODES.invalidResponse, 'odd'))).toBe(false);
    expect(shouldRetry(0, new TypeError('bug'))).toBe(false);
  });

  it('is the default of the app client, and mutations are never retried', () => {
    const defaults = createQueryClient().getDefaultOptions();
    expect(defaults.queries?.retry).toBe(shouldRetry);
    expect(defaults.mutations?.retry).toBe(false);
  });
});

describe('dropCacheWhenUserChanges', () => {
  it('empties the cache on sign-out and on a different person, not on a renewal', () => {
    const store = new SessionStore(new MemoryStorage());
    store.begin(answer('p-1'));
    const client = createQueryClient();
    const stop = dropCacheWhenUserChanges(store, client);
    client.setQueryData(['api', 'cases'], ['case of p-1']);

    store.renew(answer('p-1', 'access-2'));
    expect(client.getQueryData(['api', 'cases'])).toEqual(['case of p-1']);

    store.end('signed_out');
    expect(client.getQueryData(['api', 'cases'])).toBeUndefined();

    client.setQueryData(['api', 'cases'], ['stale']);
    store.begin(answer('p-2'));
    expect(client.getQueryData(['api', 'cases'])).toBeUndefined();
    stop();
  });
});

describe('storeChanged', () => {
  // The page refetches a stale case when it mounts; the doctor closes the case while that read is
  // still on its way. The read's answer was taken before the close and must not win.
  it('keeps the change when a read begun before it answers afterwards', async () => {
    const client = createQueryClient();
    const key = ['api', 'cases', 'c1', 'detail'];
    client.setQueryData(key, { status: 'open' });
    let answerRead: (value: { status: string }) => void = () => undefined;
    const read = client.fetchQuery({
      queryKey: key,
      staleTime: 0,
      queryFn: () => new Promise<{ status: string }>((resolve) => { answerRead = resolve; }),
    }).catch(() => 'cancelled');
    await storeChanged(client, key, { status: 'closed' });
    answerRead({ status: 'open' });
    await read;
    expect(client.getQueryData(key)).toEqual({ status: 'closed' });
  });

  it('stores the answer when nothing is being read', async () => {
    const client = createQueryClient();
    await storeChanged(client, ['api', 'notice-settings'], { sms: false });
    expect(client.getQueryData(['api', 'notice-settings'])).toEqual({ sms: false });
  });
});

describe('reloadChanged', () => {
  it('a list on its first load reloads from a request made after the change', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let stored = ['photo-1'];
    const reads: string[][] = [];
    let answerFirst: () => void = () => undefined;
    const queryFn = async ({ signal }: { signal: AbortSignal }): Promise<string[]> => {
      const read = [...stored]; // what the server has when the request reaches it
      reads.push(read);
      if (reads.length === 1) {
        await new Promise<void>((resolve, reject) => {
          answerFirst = resolve;
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
      }
      return read;
    };
    // The list of a site just picked: on screen, its first request still at the server.
    const observer = new QueryObserver(client, { queryKey: queryKeys.photos('case-1', { limit: 50 }), queryFn });
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.waitFor(() => expect(reads).toHaveLength(1));

    stored = ['photo-2', 'photo-1']; // the new photo is accepted meanwhile
    await reloadChanged(client, queryKeys.caseFollowUp('case-1'));
    answerFirst();

    await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual(['photo-2', 'photo-1']));
    expect(reads).toEqual([['photo-1'], ['photo-2', 'photo-1']]);
    unsubscribe();
    client.clear();
  });
});
