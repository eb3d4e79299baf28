import type { StoredSession } from './sessionStore.ts';

/** Refresh this long before the access token expires, so no call races its expiry. */
export const REFRESH_LEAD_MS = 60 * 1000;

/**
 * Milliseconds from `now` until the access token should be refreshed proactively.
 * For short-lived tokens the lead shrinks to a fifth of the lifetime, so a token that lives less
 * than a minute is not refreshed in a tight loop.
 */
export function proactiveRefreshDelayMs(
  session: Pick<StoredSession, 'issuedAt' | 'expiresAt'>,
  now: number,
): number {
  const lifetimeMs = Math.max(0, session.expiresAt - session.issuedAt);
  const leadMs = Math.min(REFRESH_LEAD_MS, lifetimeMs / 5);
  return Math.max(0, Math.round(session.expiresAt - leadMs - now));
}
