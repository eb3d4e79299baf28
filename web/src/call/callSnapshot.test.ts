import { describe, expect, it } from 'vitest';
import { participantStatus } from './callSnapshot.ts';
import { initialIce, type IcePhase } from './reconnect.ts';

function peer(phase: IcePhase, options: { away?: boolean; stalled?: boolean; everConnected?: boolean } = {}) {
  return {
    ice: { ...initialIce(0), phase, everConnected: options.everConnected ?? false },
    away: options.away === true ? { since: 0, resumableMs: 60_000 } : null,
    stalled: options.stalled ?? false,
  };
}

describe('participantStatus', () => {
  it('describes a remote participant from ICE, stalls and presence', () => {
    expect(participantStatus(peer('new'))).toBe('connecting');
    expect(participantStatus(peer('connected'))).toBe('connected');
    expect(participantStatus(peer('connected', { stalled: true }))).toBe('reconnecting');
    expect(participantStatus(peer('disconnected', { everConnected: true }))).toBe('reconnecting');
    expect(participantStatus(peer('disconnected', { away: true, everConnected: true }))).toBe('away');
    // Off signaling but media still flowing peer to peer: still connected.
    expect(participantStatus(peer('connected', { away: true }))).toBe('connected');
  });
});
