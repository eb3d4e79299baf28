import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import protocol from '../../../functions/signaling/protocol.json';
import { hangUpEndsVisit } from './lifecycle.ts';
import type { LocalMedia } from './media.ts';
import { OFFER_WAIT_MS, PeerMesh } from './negotiation.ts';
import { isPolite } from './peer.ts';
import { MAX_PARTICIPANTS, parseServerFrame, type RelayFrame, type ServerFrame } from './protocol.ts';
import { RoomFrames, roomFullMessage } from './roomFrames.ts';
import type { SignalingClient } from './signaling.ts';
import type { Watchdog } from './watchdog.ts';

const IDS = ['9c1e-patient', '1a2b-dr-chen', 'f00d-dr-okafor', '77aa-dr-third'];
const ROOM = 'room-0123456789abcdefghij';

/** Just enough of a peer connection for negotiation: tracks added ask for an offer, as in a browser. */
class FakePeerConnection extends EventTarget {
  signalingState = 'stable';
  iceGatheringState = 'complete';
  iceConnectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  currentLocalDescription = null;
  currentRemoteDescription = null;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate = null;
  oniceconnectionstatechange = null;
  ontrack = null;
  closed = false;
  private asked = false;

  addTrack(): object {
    // A browser asks for an offer when tracks are added outside an offer/answer exchange.
    if (!this.asked && this.signalingState === 'stable') {
      this.asked = true;
      queueMicrotask(() => this.onnegotiationneeded?.());
    }
    return {};
  }

  setRemoteDescription(description: { type: string }): Promise<void> {
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    return Promise.resolve();
  }

  createDataChannel(): object {
    return { readyState: 'connecting', close: () => undefined };
  }

  setLocalDescription(): Promise<void> {
    const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
    this.signalingState = type === 'answer' ? 'stable' : 'have-local-offer';
    this.localDescription = { type, sdp: 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n' };
    return Promise.resolve();
  }

  close(): void {
    this.signalingState = 'closed';
    this.closed = true;
  }
}

/** A participant's call as far as the room's frames and the mesh go, with what it relays. */
function participant(myId: string) {
  const sent: RelayFrame[] = [];
  const signaling = { inRoom: true, relay: (frame: RelayFrame) => sent.push(frame), dropQueued: () => undefined };
  const track = {} as MediaStreamTrack;
  const media = { stream: {} as MediaStream, sendAudioTrack: track, videoTrack: track } as unknown as LocalMedia;
  const log = () => undefined;
  const mesh = new PeerMesh({
    signaling: signaling as unknown as SignalingClient,
    media,
    participantId: () => myId,
    iceServers: () => [],
    onMessage: () => undefined,
    onChannelOpen: () => undefined,
    onIceState: () => undefined,
    changed: () => undefined,
    log,
  });
  const frames = new RoomFrames({
    roomId: ROOM,
    api: { getVisit: () => Promise.reject(new Error('unused')) },
    signaling: signaling as unknown as SignalingClient,
    mesh,
    watchdog: { iceEvent: () => undefined } as unknown as Watchdog,
    participantId: () => myId,
    onJoined: () => undefined,
    hasJoined: () => true,
    finish: () => undefined,
    fail: () => undefined,
    changed: () => undefined,
    log,
  });
  const offersTo = () => sent.filter((frame) => frame.action === 'offer').map((frame) => frame.to).sort();
  return { frames, mesh, offersTo, sent };
}

const info = (participantId: string) => ({ participantId, username: participantId, role: 'doctor' as const });
const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('the mesh of a visit', () => {
  it('takes its cap from protocol.json, like the server: the patient and up to 3 doctors', () => {
    expect(MAX_PARTICIPANTS).toBe(protocol.maxParticipants);
    expect(MAX_PARTICIPANTS).toBe(4);
    expect(roomFullMessage()).toBe('This visit is full: it already has the patient and 3 doctors.');
  });

  it('gives every pair exactly one polite side (who yields on glare), the same from both ends', () => {
    const pairs: string[] = [];
    for (const a of IDS) {
      for (const b of IDS) {
        if (a === b) continue;
        expect(isPolite(a, b)).toBe(!isPolite(b, a)); // never both, never neither
        if (!isPolite(a, b)) pairs.push(`${a}->${b}`);
      }
    }
    // 4 people: 6 pairs, each one peer connection.
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

describe('who opens each pair of a mesh', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('has a newcomer offer at once to everyone already in the room, whatever the ids', async () => {
    // The newcomer's id sorts last: it is the polite side of every pair, and used to wait for
    // three offers that each needed the server's notice to the member first.
    const newcomer = participant('ffff-newcomer');
    const joined: ServerFrame = { type: 'joined', roomId: ROOM, participantId: 'ffff-newcomer', resumed: false, participants: IDS.map(info) };
    newcomer.frames.handle(joined);
    await flush();
    expect(newcomer.offersTo()).toEqual([...IDS].sort());
  });

  it('has the members wait for the newcomer\'s offer (no glare), offering only if it never comes', async () => {
    // The member's id sorts first: it is the impolite side, and used to offer too as soon as the
    // notice came, colliding with the newcomer's own offer when that notice was late.
    const member = participant('0000-member');
    member.frames.handle({ type: 'participant.joined', ...info('ffff-newcomer'), resumed: false });
    await flush();
    expect(member.offersTo()).toEqual([]);
    await vi.advanceTimersByTimeAsync(OFFER_WAIT_MS - 1);
    expect(member.offersTo()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(member.offersTo()).toEqual(['ffff-newcomer']);
  });

  it('answers the newcomer\'s offer and then needs no fallback of its own', () => {
    const member = participant('0000-member');
    member.frames.handle({ type: 'participant.joined', ...info('ffff-newcomer'), resumed: false });
    const peer = member.mesh.get('ffff-newcomer');
    expect(peer?.offerTimer).not.toBeNull();
    // Their offer arrives: the fallback is off (what answering does is perfect negotiation's, peer.ts).
    void member.mesh.onDescription('ffff-newcomer', { type: 'offer', sdp: 'v=0\r\no=- 99 2 IN IP4 127.0.0.1\r\n' });
    expect(peer?.offerTimer).toBeNull();
  });

  it('answers on a fresh peer connection when both joined at once and both offered first', async () => {
    // Each one's `joined` lists the other: both offer. The polite side (greater id) yields, but
    // never by rolling back its first offer (Chromium then gathers no candidates for that pair).
    const polite = participant('ffff-b');
    polite.frames.handle({ type: 'joined', roomId: ROOM, participantId: 'ffff-b', resumed: false, participants: [info('0000-a')] });
    await flush();
    expect(polite.offersTo()).toEqual(['0000-a']);
    const first = polite.mesh.get('0000-a')?.link.pc as unknown as FakePeerConnection;
    await polite.mesh.onDescription('0000-a', { type: 'offer', sdp: 'v=0\r\no=- 77 2 IN IP4 127.0.0.1\r\n' });
    await flush();
    const fresh = polite.mesh.get('0000-a')?.link.pc as unknown as FakePeerConnection;
    expect(first.closed).toBe(true);
    expect(fresh).not.toBe(first);
    expect(polite.sent.at(-1)).toMatchObject({ action: 'answer', to: '0000-a' });
  });
});
