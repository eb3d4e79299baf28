import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GATHER_WAIT_MS, gatheringDone, HOST_SETTLE_MS, iceUfrag, offerRestartsIce, PeerLink, warmUpWebRtc } from './peer.ts';
import type { RelayFrame } from './protocol.ts';

const HOST = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0';
const LATE = 'candidate:2 1 udp 1686052607 198.51.100.7 50001 typ srflx raddr 0.0.0.0 rport 0 generation 0';
const HOST6 = 'candidate:3 1 udp 2122262783 fd00::2 50002 typ host generation 0';
const TURN: RTCIceServer[] = [{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'c' }];

/** A peer connection that gathers when told to, and puts what it gathered into its description. */
class GatheringPeerConnection extends EventTarget {
  signalingState = 'stable';
  iceGatheringState: RTCIceGatheringState = 'new';
  iceConnectionState = 'new';
  currentLocalDescription = null;
  currentRemoteDescription = null;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((event: { candidate: { candidate: string; toJSON: () => object } | null }) => void) | null = null;
  oniceconnectionstatechange = null;
  ontrack = null;
  private gathered: string[] = [];

  get localDescription(): { type: string; sdp: string } | null {
    if (this.signalingState !== 'have-local-offer') return null;
    return { type: 'offer', sdp: ['v=0', 'o=- 4611 2 IN IP4 127.0.0.1', ...this.gathered.map((c) => `a=${c}`), ''].join('\r\n') };
  }

  setLocalDescription(): Promise<void> {
    this.signalingState = 'have-local-offer';
    this.iceGatheringState = 'gathering';
    return Promise.resolve();
  }

  find(candidate: string): void {
    this.gathered.push(candidate);
    this.onicecandidate?.({ candidate: { candidate, toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0 }) } });
  }

  complete(): void {
    this.iceGatheringState = 'complete';
    this.onicecandidate?.({ candidate: null });
    this.dispatchEvent(new Event('icegatheringstatechange'));
  }

  close(): void {
    this.signalingState = 'closed';
  }
}

function link(iceServers: RTCIceServer[] = TURN) {
  const sent: RelayFrame[] = [];
  const peer = new PeerLink({
    remoteId: 'dr-b', polite: false, iceServers, send: (frame) => sent.push(frame),
    onRemoteStream: () => undefined, onMessage: () => undefined, onChannelOpen: () => undefined,
    onIceState: () => undefined, onError: () => undefined,
  });
  return { peer, pc: peer.pc as unknown as GatheringPeerConnection, sent };
}

const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('a description carries the candidates found while it waits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('RTCPeerConnection', GatheringPeerConnection);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('sends one offer with the host candidates in it, not a frame per candidate', async () => {
    const { pc, sent } = link();
    void pc.onnegotiationneeded?.();
    await flush();
    pc.find(HOST);
    expect(sent).toEqual([]); // still waiting for gathering
    pc.complete();
    await flush();
    expect(sent.map((frame) => frame.action)).toEqual(['offer']);
    const offer = sent[0] as Extract<RelayFrame, { action: 'offer' }>;
    expect(offer.sdp.sdp).toContain(HOST);
  });

  it('waits no longer than GATHER_WAIT_MS; candidates found later trickle', async () => {
    const { pc, sent } = link();
    void pc.onnegotiationneeded?.();
    await flush();
    pc.find(HOST);
    await vi.advanceTimersByTimeAsync(GATHER_WAIT_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((frame) => frame.action)).toEqual(['offer']);
    pc.find(LATE);
    pc.complete();
    expect(sent.map((frame) => frame.action)).toEqual(['offer', 'ice', 'ice']);
    expect(sent[1]).toMatchObject({ action: 'ice', candidate: { candidate: LATE } });
    expect(sent[2]).toMatchObject({ action: 'ice', candidate: null });
  });

  it('without STUN/TURN servers, goes once the host candidates are in; the end trickles', async () => {
    const { pc, sent } = link([]);
    void pc.onnegotiationneeded?.();
    await flush();
    pc.find(HOST);
    await vi.advanceTimersByTimeAsync(HOST_SETTLE_MS - 5);
    pc.find(HOST6); // another interface's: the clock starts again
    await vi.advanceTimersByTimeAsync(HOST_SETTLE_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((frame) => frame.action)).toEqual(['offer']);
    const offer = sent[0] as Extract<RelayFrame, { action: 'offer' }>;
    expect(offer.sdp.sdp).toContain(HOST);
    expect(offer.sdp.sdp).toContain(HOST6);
    pc.complete();
    expect(sent.map((frame) => frame.action)).toEqual(['offer', 'ice']);
    expect(sent[1]).toMatchObject({ action: 'ice', candidate: null });
  });

  it('with a TURN server, host candidates alone do not end the wait (its relay candidate may come)', async () => {
    const { pc, sent } = link(TURN);
    void pc.onnegotiationneeded?.();
    await flush();
    pc.find(HOST);
    await vi.advanceTimersByTimeAsync(HOST_SETTLE_MS * 4);
    expect(sent).toEqual([]);
    pc.find(LATE);
    pc.complete();
    await flush();
    expect(sent.map((frame) => frame.action)).toEqual(['offer']);
    expect((sent[0] as Extract<RelayFrame, { action: 'offer' }>).sdp.sdp).toContain(LATE);
  });

  it('without servers and with no candidate at all, still waits no longer than GATHER_WAIT_MS', async () => {
    const { pc, sent } = link([]);
    void pc.onnegotiationneeded?.();
    await flush();
    await vi.advanceTimersByTimeAsync(GATHER_WAIT_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((frame) => frame.action)).toEqual(['offer']);
  });

  it('does not wait when gathering is already complete (a renegotiation)', async () => {
    const pc = new GatheringPeerConnection();
    pc.iceGatheringState = 'complete';
    let done = false;
    void gatheringDone(pc, GATHER_WAIT_MS).then(() => {
      done = true;
    });
    await flush();
    expect(done).toBe(true);
  });
});

describe('warming up WebRTC before the first connection is needed', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('builds one connection and closes it at once', () => {
    const made: GatheringPeerConnection[] = [];
    vi.stubGlobal('RTCPeerConnection', class extends GatheringPeerConnection {
      constructor() {
        super();
        made.push(this);
      }
    });
    expect(warmUpWebRtc()).toBe(true);
    expect(made.map((pc) => pc.signalingState)).toEqual(['closed']);
  });

  it('is a no-op where WebRTC is missing or refuses', () => {
    vi.stubGlobal('RTCPeerConnection', undefined);
    expect(warmUpWebRtc()).toBe(false);
    vi.stubGlobal('RTCPeerConnection', class {
      constructor() {
        throw new Error('blocked by policy');
      }
    });
    expect(warmUpWebRtc()).toBe(false);
  });
});

const sdp = (ufrag: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:x\r\n`;

describe('ICE credentials of a description', () => {
  it('reads the ufrag', () => {
    expect(iceUfrag(sdp('AbC+'))).toBe('AbC+');
    expect(iceUfrag('v=0\r\n')).toBeNull();
    expect(iceUfrag(undefined)).toBeNull();
  });

  it('knows an offer that already restarts ICE from one that does not', () => {
    // Asked for while offline: the pending offer has new credentials; re-sending it is the restart.
    expect(offerRestartsIce(sdp('new1'), sdp('old1'))).toBe(true);
    // A renegotiation (same credentials) or a first offer: a restart must still be asked for.
    expect(offerRestartsIce(sdp('old1'), sdp('old1'))).toBe(false);
    expect(offerRestartsIce(sdp('new1'), undefined)).toBe(false);
  });
});
