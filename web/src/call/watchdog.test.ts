import { describe, expect, it } from 'vitest';
import { initialIce } from './reconnect.ts';
import { AWAY_GRACE_MS, awayTooLong, checkStall, STALL_MS } from './watchdog.ts';

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
