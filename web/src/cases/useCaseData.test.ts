import { describe, expect, it } from 'vitest';
import type { Photo } from '../api/types.ts';
import { urlRenewalDelay } from './useCaseData.ts';

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
