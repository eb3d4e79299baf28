// The mesh of peer connections and how each is negotiated (see peer.ts for perfect negotiation
// itself). Who opens a pair is fixed by the order the two came in, which both ends know without
// talking: the one who finds the other already in the room (in the list its `joined` brings) offers
// at once; the one already there learns of the newcomer from `participant.joined`, waits for that
// offer and adds its tracks while answering (offering itself only if no offer comes within
// OFFER_WAIT_MS: a lost offer). So a newcomer's set-up never waits on the notices the server sends the
// others, and the members answer over their own sockets, side by side. Ids still decide who yields
// when both offer (perfect negotiation's politeness): two people joining at the same moment may each
// see the other in `joined` AND get `participant.joined`: `ensure` is idempotent. Avoiding glare at the
// start matters: Chromium can drop the candidates of a transport rolled back mid-gathering, and a
// rollback costs a whole extra offer/answer round.
//
// Measured before this rule (bench.mesh, 4 people, loaded 2-core machine): when ids made the newcomer
// the polite side, it waited for the three members' offers, each sent only once the member's notice
// had come (up to 3.5 s late behind other frames); its 1.5 s fallback then collided with the late
// members' own offers, one glare round per pair (~3 s), and set-up took 8.7-30+ s.

import { INITIAL_ADAPTATION } from './adaptation.ts';
import type { CallLogger, PeerEntry } from './callTypes.ts';
import type { LocalMedia } from './media.ts';
import type { PeerMessage } from './messages.ts';
import { isPolite, PeerLink, sdpSessionId } from './peer.ts';
import type { ParticipantInfo } from './protocol.ts';
import { initialIce } from './reconnect.ts';
import type { SignalingClient } from './signaling.ts';

/**
 * How long a member waits for a newcomer's first offer before offering itself. Only a lost offer
 * needs it (the newcomer offers the moment it joins), so it is long enough not to collide with an
 * offer that is merely late: a newcomer's frames queue behind each other on its one socket, ~0.1-0.15 s
 * each on a loaded server, and a four-person start is ~20 of them.
 */
export const OFFER_WAIT_MS = 4000;
/** The ref of an offer frame: this prefix and the peer's id (a lost offer's error names the peer). */
export const OFFER_REF = 'offer-';
/** A `participant.joined` this recent may have overtaken the error about the offer it made stale. */
export const REJOIN_OVERTAKE_MS = 2000;

/** How we learnt of a participant we have no connection to yet. */
export type Met = 'listed' | 'arrived';

/**
 * Whether we open the pair's first negotiation: yes when they were in the room before us (listed in
 * our `joined`), no when they came after us (their `participant.joined`): then they offer.
 */
export function offersFirst(met: Met): boolean {
  return met === 'listed';
}

/**
 * Whether an offer that comes now collides with our own FIRST offer on a link where we yield (the
 * polite side): nothing was ever connected, so a fresh peer connection answers it.
 */
export function firstGlare(link: Pick<PeerLink, 'polite' | 'negotiated' | 'offering'>): boolean {
  return link.polite && !link.negotiated && link.offering;
}

/** Newer participant info, keeping a known role over 'unknown'. */
export function mergeInfo(known: ParticipantInfo, fresh: ParticipantInfo): ParticipantInfo {
  return fresh.role === 'unknown' ? { ...fresh, role: known.role } : fresh;
}

/** The peer an offer's ref names, or null when the ref is not an offer's. */
export function offerTarget(ref: string | undefined): string | null {
  return ref?.startsWith(OFFER_REF) ? ref.slice(OFFER_REF.length) : null;
}

/** Whether a lost offer goes again right away: their join just overtook the error, once per join. */
export function resendNow(peer: Pick<PeerEntry, 'joinedAt' | 'reofferedSinceJoin'>, now: number): boolean {
  return now - peer.joinedAt < REJOIN_OVERTAKE_MS && !peer.reofferedSinceJoin;
}

export interface PeerMeshOptions {
  signaling: SignalingClient;
  media: LocalMedia;
  participantId: () => string;
  iceServers: () => RTCIceServer[];
  onMessage: (peer: PeerEntry, message: PeerMessage) => void;
  onChannelOpen: () => void;
  onIceState: (peer: PeerEntry, state: RTCIceConnectionState) => void;
  changed: () => void;
  log: CallLogger;
}

export class PeerMesh {
  private readonly peers = new Map<string, PeerEntry>();
  private readonly options: PeerMeshOptions;
  /** ICE restarts of peers no longer in the call (they still count as reconnects). */
  private retiredRestarts = 0;

  constructor(options: PeerMeshOptions) {
    this.options = options;
  }

  get(participantId: string): PeerEntry | undefined {
    return this.peers.get(participantId);
  }

  all(): PeerEntry[] {
    return [...this.peers.values()];
  }

  ids(): string[] {
    return [...this.peers.keys()];
  }

  /** Every ICE restart so far, of peers present and gone. */
  totalRestarts(): number {
    let restarts = this.retiredRestarts;
    for (const peer of this.peers.values()) restarts += peer.ice.totalRestarts;
    return restarts;
  }

  ensure(info: ParticipantInfo): PeerEntry {
    const existing = this.peers.get(info.participantId);
    if (existing !== undefined) return existing;
    const { log, signaling } = this.options;
    const remoteId = info.participantId;
    const polite = isPolite(this.options.participantId(), remoteId);
    log(`peer ${remoteId} (${info.role}), we are ${polite ? 'polite' : 'impolite'}`);
    let entry: PeerEntry | null = null;
    const link = new PeerLink({
      remoteId,
      polite,
      iceServers: this.options.iceServers(),
      send: (frame) => {
        log(`-> ${frame.action} to ${remoteId}${signaling.inRoom ? '' : ' (queued)'}`);
        // An offer carries a ref, so that the server's `peer_not_found` says which offer was lost.
        signaling.relay(frame.action === 'offer' ? { ...frame, ref: `${OFFER_REF}${remoteId}` } : frame);
      },
      onRemoteStream: (stream) => {
        if (entry === null) return;
        entry.stream = stream;
        this.options.changed();
      },
      onMessage: (message) => entry !== null && this.options.onMessage(entry, message),
      onChannelOpen: () => this.options.onChannelOpen(),
      onIceState: (state) => entry !== null && this.options.onIceState(entry, state),
      onError: (context, error) => log(`peer ${remoteId}: ${context}`, error),
      beforeAnswer: () => entry !== null && this.attach(entry),
    });
    entry = newPeerEntry(info, link, Date.now());
    this.peers.set(remoteId, entry);
    return entry;
  }

  /** Listed (they were there first): offer now. Arrived: wait for their offer; offer ourselves if it does not come. */
  startNegotiation(peer: PeerEntry, met: Met): void {
    this.options.log(`${peer.info.participantId} ${met}: ${offersFirst(met) ? 'we offer' : 'we wait for their offer'}`);
    if (offersFirst(met)) {
      this.attach(peer);
      return;
    }
    if (peer.offerTimer !== null || peer.link.hasMedia) return;
    peer.offerTimer = setTimeout(() => {
      peer.offerTimer = null;
      this.attach(peer);
    }, OFFER_WAIT_MS);
  }

  /** A participant is (back) in the room: update what we know, or start a connection. */
  joined(info: ParticipantInfo, resumed: boolean): void {
    const existing = this.peers.get(info.participantId);
    if (existing === undefined) {
      this.startNegotiation(this.ensure(info), 'arrived');
      return;
    }
    existing.info = mergeInfo(existing.info, info);
    existing.away = null;
    // A resumed participant drives the recovery (its own `joined` tells it what to restart; a
    // reloaded page comes with a brand-new offer, recognised by its SDP session id). One thing
    // is ours to do: an offer we sent while their socket was dead was lost, so send it again.
    existing.joinedAt = Date.now();
    existing.reofferedSinceJoin = false;
    if (existing.offerLost || (resumed && !existing.link.polite)) this.resendOffer(existing);
  }

  async onDescription(from: string, sdp: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    let peer = this.peers.get(from);
    const sessionId = sdpSessionId(sdp.sdp);
    const reloaded = peer !== undefined && sdp.type === 'offer' && peer.link.remoteSessionId !== null &&
      sessionId !== null && sessionId !== peer.link.remoteSessionId;
    if (peer !== undefined && (reloaded || (sdp.type === 'offer' && firstGlare(peer.link)))) {
      // A new peer connection on their side (page reloaded), or both opened the pair at once (two
      // joins at the same moment each list the other): start over with a fresh one here. Rolling
      // back a first offer instead leaves Chromium's transport without candidates (it was rolled
      // back while gathering, and an offer waits for gathering): the pair never connects, and every
      // ICE restart after that fails the same way.
      this.options.log(`${from}: ${reloaded ? 'new peer connection on their side' : 'both offered first'}, answering on a fresh one`);
      const info = peer.info;
      this.remove(from, false);
      peer = this.ensure(info);
    }
    if (peer === undefined) {
      if (sdp.type !== 'offer') return;
      peer = this.ensure({ participantId: from, username: from, role: 'unknown' });
    }
    clearOfferTimer(peer);
    try {
      await peer.link.handleDescription(sdp);
    } catch (error) {
      this.options.log('description failed', error);
    }
    // A restart or renegotiation just went through: make sure our encoding still stands.
    if (peer.decision !== null) void peer.link.applyEncoding(peer.decision);
  }

  /** The server could not deliver our offer to the peer the ref names (their socket was down). */
  offerLost(ref: string | undefined): boolean {
    const target = offerTarget(ref);
    if (target === null) return false;
    const peer = this.peers.get(target);
    this.options.log(`offer to ${target} lost: not in the visit (peer_not_found)`);
    if (peer !== undefined) {
      // The offer goes again with their next `participant.joined`, or now if that just came (it
      // can overtake this error). Once per join: never a loop of offers.
      peer.offerLost = true;
      if (resendNow(peer, Date.now())) this.resendOffer(peer);
    }
    return true;
  }

  remove(participantId: string, notify = true): void {
    const peer = this.peers.get(participantId);
    if (peer === undefined) return;
    clearOfferTimer(peer);
    this.retiredRestarts += peer.ice.totalRestarts;
    peer.link.close();
    this.peers.delete(participantId);
    if (notify) this.options.changed();
  }

  /** Our pending offer to `peer` again, if there is one (see PeerLink.resendOffer). */
  private resendOffer(peer: PeerEntry): void {
    peer.offerLost = false;
    peer.reofferedSinceJoin = true;
    if (peer.link.resendOffer()) this.options.log(`re-offering to ${peer.info.participantId} (the last offer was lost)`);
  }

  private attach(peer: PeerEntry): void {
    if (!peer.link.hasMedia) this.options.log(`attach media to ${peer.info.participantId}`);
    clearOfferTimer(peer);
    const { media } = this.options;
    peer.link.attachMedia({ stream: media.stream, audio: media.sendAudioTrack, video: media.videoTrack });
  }
}

function clearOfferTimer(peer: PeerEntry): void {
  if (peer.offerTimer === null) return;
  clearTimeout(peer.offerTimer);
  peer.offerTimer = null;
}

function newPeerEntry(info: ParticipantInfo, link: PeerLink, now: number): PeerEntry {
  return {
    info,
    link,
    ice: initialIce(now),
    media: { cameraOff: false, audioOnly: false, muted: false },
    stream: null,
    samples: [],
    counters: null,
    adaptation: INITIAL_ADAPTATION,
    decision: null,
    verdict: null,
    lastBytes: 0,
    lastBytesAt: now,
    stalled: false,
    offerTimer: null,
    offerLost: false,
    joinedAt: 0,
    createdAt: now,
    reofferedSinceJoin: false,
    away: null,
    statsBusy: false,
  };
}
