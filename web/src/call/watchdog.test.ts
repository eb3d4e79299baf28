import { describe, expect, it } from 'vitest';
import { iceReducer, initialIce } from './reconnect.ts';
import { AWAY_GRACE_MS, awayTooLong, checkStall, holdConnectClock, NEGOTIATION_GRACE_MS, STALL_MS } from './watchdog.ts';

describe('checkStall', () => {
  it('sees media flowing while bytes grow, and resuming after a stall', () => {
    expect(checkStall({ lastBytes: 100, lastBytesAt: 0, stalled: false }, 150, 10)).toBe('flowing');
    expect(checkStall({ lastBytes: 100, lastBytesAt: 0, stalled: true }, 150, 10)).toBe('resumed');
  });

  it('calls it a stall after STALL_MS without new bytes, once', () => {
    expect(checkStall({ lastBytes: 100, lastBytesAt: 0, stalled: false }, 100, STALL_MS - 1)).toBe('unchanged');
    expect(checkStall({ lastBytes: 100, lastBytesAt: 0, stalled: false }, 100, STALL_MS)).toBe('stalled');
    expect(checkStall({ lastBytes: 100, lastBytesAt: 0, stalled: true }, 100, STALL_MS * 5)).toBe('unchanged');
  });
});

describe('awayTooLong', () => {
  const ice = { ...initialIce(0), phase: 'disconnected' as const };

  it('drops a peer away past its resumable time and the grace, unless its media still connects', () => {
    const away = { since: 0, resumableMs: 60_000 };
    expect(awayTooLong({ away, ice }, 60_000 + AWAY_GRACE_MS)).toBe(false);
    expect(awayTooLong({ away, ice }, 60_000 + AWAY_GRACE_MS + 1)).toBe(true);
    expect(awayTooLong({ away, ice: { ...ice, phase: 'connected' } }, 10 * 60_000)).toBe(false);
    expect(awayTooLong({ away: null, ice }, 10 * 60_000)).toBe(false);
  });
});

describe('holdConnectClock', () => {
  it('starts the connect timeout only once the first offer/answer is complete', () => {
    let ice = initialIce(0);
    // Ten seconds of slow signaling: no restart, the clock is held.
    for (let now = 500; now <= 10_000; now += 500) {
      ice = holdConnectClock(ice, false, 0, now);
      expect(iceReducer(ice, { type: 'tick', now }).commands).toEqual([]);
    }
    // Negotiated at 10 s: the 6 s run from there.
    ice = holdConnectClock(ice, true, 0, 15_000);
    expect(iceReducer(ice, { type: 'tick', now: 15_000 }).commands).toEqual([]);
    expect(iceReducer(ice, { type: 'tick', now: 16_000 }).commands).toEqual([{ type: 'restartIce' }]);
  });

  it('leaves a connected or restarting state alone', () => {
    const connected = { ...initialIce(0), phase: 'connected' as const };
    expect(holdConnectClock(connected, false, 0, 9_000)).toBe(connected);
  });

  it('lets the timeout run again past the grace, so that a lost offer or answer is recovered', () => {
    let ice = initialIce(0);
    for (let now = 500; now <= NEGOTIATION_GRACE_MS + 6_000; now += 500) ice = holdConnectClock(ice, false, 0, now);
    expect(ice.since).toBeLessThan(NEGOTIATION_GRACE_MS);
    expect(iceReducer(ice, { type: 'tick', now: NEGOTIATION_GRACE_MS + 6_000 }).commands).toEqual([{ type: 'restartIce' }]);
  });
});
