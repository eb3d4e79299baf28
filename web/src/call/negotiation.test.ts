import { describe, expect, it } from 'vitest';
import { mergeInfo, OFFER_REF, offerTarget, REJOIN_OVERTAKE_MS, resendNow } from './negotiation.ts';

describe('negotiation rules', () => {
  it('keeps a known role when fresher info does not know it', () => {
    const known = { participantId: 'p', username: 'pat', role: 'patient' as const };
    expect(mergeInfo(known, { participantId: 'p', username: 'pat2', role: 'unknown' })).toEqual({ participantId: 'p', username: 'pat2', role: 'patient' });
    expect(mergeInfo(known, { participantId: 'p', username: 'pat', role: 'doctor' }).role).toBe('doctor');
  });

  it('reads the peer out of an offer ref, and nothing out of other refs', () => {
    expect(offerTarget(`${OFFER_REF}user-7`)).toBe('user-7');
    expect(offerTarget('join-1')).toBeNull();
    expect(offerTarget(undefined)).toBeNull();
  });

  it('re-sends a lost offer at once only when their join just came, once per join', () => {
    const now = 100_000;
    expect(resendNow({ joinedAt: now - 500, reofferedSinceJoin: false }, now)).toBe(true);
    expect(resendNow({ joinedAt: now - 500, reofferedSinceJoin: true }, now)).toBe(false);
    expect(resendNow({ joinedAt: now - REJOIN_OVERTAKE_MS, reofferedSinceJoin: false }, now)).toBe(false);
    expect(resendNow({ joinedAt: 0, reofferedSinceJoin: false }, now)).toBe(false);
  });
});
