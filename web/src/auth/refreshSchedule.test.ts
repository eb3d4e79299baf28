import { describe, expect, it } from 'vitest';
import { proactiveRefreshDelayMs, REFRESH_LEAD_MS } from './refreshSchedule.ts';

const HOUR = 3_600_000;

describe('proactiveRefreshDelayMs', () => {
  it('refreshes one minute before a one-hour token expires', () => {
    expect(proactiveRefreshDelayMs({ issuedAt: 0, expiresAt: HOUR }, 0)).toBe(HOUR - REFRESH_LEAD_MS);
  });

  it('counts from now, not from the issue time (e.g. after a reload)', () => {
    expect(proactiveRefreshDelayMs({ issuedAt: 0, expiresAt: HOUR }, HOUR / 2)).toBe(
      HOUR / 2 - REFRESH_LEAD_MS,
    );
  });

  it('refreshes at once when the token is already (nearly) expired', () => {
    expect(proactiveRefreshDelayMs({ issuedAt: 0, expiresAt: HOUR }, HOUR - 1000)).toBe(0);
    expect(proactiveRefreshDelayMs({ issuedAt: 0, expiresAt: HOUR }, 2 * HOUR)).toBe(0);
  });

  it('shrinks the lead for short-lived tokens so refreshes do not loop', () => {
    // A 30 s token is refreshed after 24 s, not immediately.
    expect(proactiveRefreshDelayMs({ issuedAt: 0, expiresAt: 30_000 }, 0)).toBe(24_000);
  });
});
