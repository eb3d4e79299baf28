import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import type { Photo } from '../api/types.ts';
import { queryKeys } from '../data/index.ts';
import { reloadCaseFollowUp, urlRenewalDelay } from './useCaseData.ts';

const NOW = Date.parse('2026-01-01T10:00:00Z');

function photoExpiring(at: string): Photo {
  return { urlsExpireAt: at } as Photo;
}

describe('urlRenewalDelay', () => {
  it('renews 20 s before the earliest URL expires', () => {
    const photos = [photoExpiring('2026-01-01T10:05:00Z'), photoExpiring('2026-01-01T10:04:00Z')];
    expect(urlRenewalDelay(photos, NOW)).toBe(4 * 60_000 - 20_000);
  });

  it('waits at least 5 s, even when a URL is about to expire or has expired', () => {
    expect(urlRenewalDelay([photoExpiring('2026-01-01T10:00:10Z')], NOW)).toBe(5_000);
    expect(urlRenewalDelay([photoExpiring('2026-01-01T09:00:00Z')], NOW)).toBe(5_000);
  });

  it('does not poll without photos or without a readable expiry', () => {
    expect(urlRenewalDelay(undefined, NOW)).toBe(false);
    expect(urlRenewalDelay([], NOW)).toBe(false);
    expect(urlRenewalDelay([photoExpiring('soon')], NOW)).toBe(false);
  });
});

describe('reloading the case after a change', () => {
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
    await reloadCaseFollowUp(client, 'case-1');
    answerFirst();

    await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual(['photo-2', 'photo-1']));
    expect(reads).toEqual([['photo-1'], ['photo-2', 'photo-1']]);
    unsubscribe();
    client.clear();
  });
});
