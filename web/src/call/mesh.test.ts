import { describe, expect, it } from 'vitest';
import protocol from '../../../functions/signaling/protocol.json';
import { hangUpEndsVisit } from './lifecycle.ts';
import { isPolite } from './peer.ts';
import { MAX_PARTICIPANTS, parseServerFrame } from './protocol.ts';
import { roomFullMessage } from './roomFrames.ts';

const IDS = ['9c1e-patient', '1a2b-dr-chen', 'f00d-dr-okafor', '77aa-dr-third'];

describe('the mesh of a visit', () => {
  it('takes its cap from protocol.json, like the server: the patient and up to 3 doctors', () => {
    expect(MAX_PARTICIPANTS).toBe(protocol.maxParticipants);
    expect(MAX_PARTICIPANTS).toBe(4);
    expect(roomFullMessage()).toBe('This visit is full: it already has the patient and 3 doctors.');
  });

  it('gives every pair exactly one offering (impolite) side, the same from both ends', () => {
    const pairs: string[] = [];
    for (const a of IDS) {
      for (const b of IDS) {
        if (a === b) continue;
        expect(isPolite(a, b)).toBe(!isPolite(b, a)); // glare-free: never both, never neither
        if (!isPolite(a, b)) pairs.push(`${a}->${b}`);
      }
    }
    // 4 people: 6 pairs, each one peer connection with one offerer.
    expect(pairs).toHaveLength((IDS.length * (IDS.length - 1)) / 2);
  });

  it('accepts a participant who left because their access ended', () => {
    const frame = parseServerFrame(JSON.stringify({ type: 'participant.left', participantId: 'dr-x', reason: 'grant_ended' }));
    expect(frame).toEqual({ type: 'participant.left', participantId: 'dr-x', reason: 'grant_ended' });
    expect(parseServerFrame(JSON.stringify({ type: 'participant.left', participantId: 'dr-x', reason: 'other' }))).toBeNull();
  });

  it('lets a doctor leave a visit other doctors stay in, and ends it when they are the last doctor', () => {
    const peer = (role: 'patient' | 'doctor') => ({ info: { participantId: role, username: role, role }, away: null });
    expect(hangUpEndsVisit('doctor', [peer('patient'), peer('doctor'), peer('doctor')])).toBe(false);
    expect(hangUpEndsVisit('doctor', [peer('patient')])).toBe(true);
  });
});
