// A video visit in progress: signaling, one PeerLink per remote participant (full mesh), local
// media, quality monitoring and adaptive encoding, reconnection, chat, lesion stills and the end of
// the call. React reads it through subscribe/getSnapshot (useSyncExternalStore).
//
// Negotiation order (see peer.ts for perfect negotiation itself): the IMPOLITE side of each pair
// adds its tracks as soon as it knows of the other participant, so its offer goes out first; the
// POLITE side waits for that offer and adds its tracks while answering (offering itself only if no
// offer comes within a moment). Glare is still handled by perfect negotiation, but avoiding it at
// the start matters: Chromium can drop the candidates of a transport rolled back mid-gathering.
// Two people joining at the same moment may each see the other in `joined` AND get
// `participant.joined`: peer creation is idempotent.

import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import { uploadPhoto } from '../api/photos.ts';
import type { VisitQuality } from '../api/types.ts';
import { adapt, encodingDiffers, INITIAL_ADAPTATION, LADDER, type AdaptationDecision, type AdaptationState } from './adaptation.ts';
import { callLog } from './log.ts';
import type { LocalMedia } from './media.ts';
import { MAX_CHAT_CHARS, newMessageId, type PeerMessage, type StillStatus } from './messages.ts';
import { isPolite, PeerLink, sdpSessionId } from './peer.ts';
import type { ParticipantInfo, Role, ServerFrame } from './protocol.ts';
import { describeQuality, scoreQuality, worse, type QualityLevel, type QualityVerdict } from './quality.ts';
import {
  callPhase,
  iceReducer,
  initialIce,
  type CallPhase,
  type IceCommand,
  type IceEvent,
  type IceState,
  type LinkState,
} from './reconnect.ts';
import type { SignalingClient } from './signaling.ts';
import { captureStill, stillTooSmall } from './stills.ts';
import { inboundBytes, sampleFromReport, statsList, type StatsCounters, type StatsSample } from './stats.ts';
import { addSample, EMPTY_SUMMARY, qualityReport, type SummaryState } from './summary.ts';

export const STATS_INTERVAL_MS = 2000;
const WATCHDOG_INTERVAL_MS = 500;
/** No media bytes from a connected peer for this long shows "reconnecting". */
const STALL_MS = 1200;
/** How long the polite side waits for the other's first offer before offering itself. */
const OFFER_WAIT_MS = 1500;
/** The ref of an offer frame: this prefix and the peer's id (a lost offer's error names the peer). */
const OFFER_REF = 'offer-';
/** A `participant.joined` this recent may have overtaken the error about the offer it made stale. */
const REJOIN_OVERTAKE_MS = 2000;
const MAX_SAMPLES = 10;
const MAX_CHAT = 200;

export interface RemoteMediaState {
  cameraOff: boolean;
  audioOnly: boolean;
  muted: boolean;
}

export interface ParticipantView extends ParticipantInfo {
  me: boolean;
  /** connecting | connected | reconnecting | away (dropped, may come back) */
  status: 'connecting' | 'connected' | 'reconnecting' | 'away';
  stream: MediaStream | null;
  media: RemoteMediaState;
  quality: QualityLevel | null;
}

export interface ChatEntry {
  id: string;
  fromId: string;
  fromName: string;
  mine: boolean;
  text: string;
  at: number;
}

export interface StillEntry {
  id: string;
  bodySite: string;
  status: StillStatus | 'requested';
  message?: string;
  photoId?: string;
  /** Who asked for it (doctor's id), or null when the patient took it unasked. */
  requestedBy: string | null;
  at: number;
}

export interface EndedInfo {
  reason: string;
  /** Whether this side ended the visit (hang up) or was told (visit.ended, replaced, ...). */
  byMe: boolean;
  summary: VisitQuality | null;
  summaryPosted: boolean;
}

export interface CallSnapshot {
  roomId: string;
  caseId: string | null;
  phase: CallPhase | 'starting' | 'ended';
  signaling: LinkState['phase'];
  me: { participantId: string; username: string; role: Role };
  participants: ParticipantView[];
  localStream: MediaStream | null;
  micMuted: boolean;
  cameraOff: boolean;
  facing: 'user' | 'environment';
  canSwitchCamera: boolean;
  noiseReduction: boolean;
  quality: QualityVerdict | null;
  qualityText: string;
  /** Our video sender's current rung (worst across peers). */
  encoding: (AdaptationDecision & { appliedMaxBitrate: number | null }) | null;
  audioOnly: boolean;
  chat: ChatEntry[];
  unreadChat: number;
  /** Patient: the doctor's pending request for a still. */
  stillRequest: { id: string; bodySite: string; fromName: string } | null;
  stills: StillEntry[];
  /** Bumped when a still was accepted: case panels reload their photos. */
  photosVersion: number;
  reconnects: number;
  connectedAt: number | null;
  error: string | null;
  ended: EndedInfo | null;
}

interface PeerEntry {
  info: ParticipantInfo;
  link: PeerLink;
  ice: IceState;
  media: RemoteMediaState;
  stream: MediaStream | null;
  samples: StatsSample[];
  counters: StatsCounters | null;
  adaptation: AdaptationState;
  decision: AdaptationDecision | null;
  verdict: QualityVerdict | null;
  lastBytes: number;
  lastBytesAt: number;
  stalled: boolean;
  offerTimer: ReturnType<typeof setTimeout> | null;
  /** The server could not deliver our last offer (their socket was down): send it when they are back. */
  offerLost: boolean;
  /** When their last `participant.joined` came (0: never), and whether we re-offered since. */
  joinedAt: number;
  reofferedSinceJoin: boolean;
  away: { since: number; resumableMs: number } | null;
  statsBusy: boolean;
}

export interface CallSessionOptions {
  api: ApiClient;
  signaling: SignalingClient;
  roomId: string;
  caseId: string | null;
  me: { userId: string; username: string; role: Role };
  media: LocalMedia;
  iceServers?: RTCIceServer[] | undefined;
  /** Called once when the call has ended and everything is released. */
  onEnded?: (info: EndedInfo) => void;
  log?: (message: string, detail?: unknown) => void;
}

/** Newer participant info, keeping a known role over 'unknown'. */
function mergeInfo(known: ParticipantInfo, fresh: ParticipantInfo): ParticipantInfo {
  return fresh.role === 'unknown' ? { ...fresh, role: known.role } : fresh;
}

export class CallSession {
  readonly roomId: string;
  private readonly options: CallSessionOptions;
  private readonly api: ApiClient;
  private readonly signaling: SignalingClient;
  private readonly media: LocalMedia;
  private caseId: string | null;
  private iceServers: RTCIceServer[] | null;
  private readonly peers = new Map<string, PeerEntry>();
  private participantId: string;
  private snapshot: CallSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: Array<() => void> = [];
  private chat: ChatEntry[] = [];
  private unreadChat = 0;
  private stills = new Map<string, StillEntry>();
  private stillRequest: CallSnapshot['stillRequest'] = null;
  private photosVersion = 0;
  private summary: SummaryState = EMPTY_SUMMARY;
  private signalingReconnects = 0;
  private retiredRestarts = 0;
  private connectedAt: number | null = null;
  private error: string | null = null;
  private ended: EndedInfo | null = null;
  private ending = false;
  private started = false;
  private joinedOnce = false;
  private canSwitchCamera = false;
  private lastLink: LinkState;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private watchdogTimer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;

  constructor(options: CallSessionOptions) {
    this.options = { log: callLog, ...options };
    this.roomId = options.roomId;
    this.api = options.api;
    this.signaling = options.signaling;
    this.media = options.media;
    this.caseId = options.caseId;
    this.iceServers = options.iceServers ?? null;
    this.participantId = options.me.userId;
    this.lastLink = this.signaling.state;
    this.snapshot = this.buildSnapshot('starting');
  }

  // --- React binding ------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): CallSnapshot => this.snapshot;

  // --- lifecycle ----------------------------------------------------------------------------

  /** Joins the room and starts monitoring. Resolves once joined (media follows asynchronously). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cleanups.push(this.signaling.on((frame) => this.onFrame(frame)));
    this.cleanups.push(this.signaling.onState((state) => this.onLinkState(state)));
    this.cleanups.push(this.media.onChange(() => this.changed()));
    if (typeof window !== 'undefined') {
      const online = () => this.onOnline();
      window.addEventListener('online', online);
      this.cleanups.push(() => window.removeEventListener('online', online));
    }
    void this.media.canSwitchCamera().then((can) => {
      this.canSwitchCamera = can;
      this.changed();
    });
    // Noise reduction on by default where Web Audio runs (the chain needs a user gesture first).
    void this.media.setNoiseReduction(true).then(() => this.replaceAudioEverywhere());

    const iceServers = this.iceServers === null ? this.fetchIceServers() : Promise.resolve(this.iceServers);
    try {
      const [servers] = await Promise.all([iceServers, this.signaling.join(this.roomId)]);
      this.iceServers = servers;
    } catch (error) {
      this.fail(error);
      return;
    }
    this.statsTimer = setInterval(() => void this.collectStats(), STATS_INTERVAL_MS);
    this.watchdogTimer = setInterval(() => void this.watchdog(), WATCHDOG_INTERVAL_MS);
    this.changed();
  }

  /** Hang up. Ends the visit for everyone, unless other doctors stay on (then just leave). */
  async hangUp(): Promise<void> {
    const otherDoctors = [...this.peers.values()].filter((peer) => peer.info.role !== 'patient' && peer.away === null);
    const endForAll = this.options.me.role === 'patient' || otherDoctors.length === 0;
    await this.finish(endForAll ? 'completed' : 'left', true, endForAll);
  }

  // --- controls -----------------------------------------------------------------------------

  toggleMute(): void {
    this.media.setMuted(!this.media.muted);
    this.broadcastMedia();
  }

  toggleCamera(): void {
    this.media.setCameraOff(!this.media.cameraOff);
    this.broadcastMedia();
  }

  async switchCamera(): Promise<void> {
    try {
      const track = await this.media.switchCamera();
      await Promise.all([...this.peers.values()].map((peer) => peer.link.replaceTrack('video', track)));
    } catch (error) {
      this.setError('The other camera could not be started.', error);
      const track = this.media.videoTrack;
      await Promise.all([...this.peers.values()].map((peer) => peer.link.replaceTrack('video', track)));
    }
    this.changed();
  }

  async setNoiseReduction(on: boolean): Promise<void> {
    const result = await this.media.setNoiseReduction(on);
    if (on && !result) this.setError('Noise reduction is not available in this browser.');
    await this.replaceAudioEverywhere();
    this.changed();
  }

  sendChat(text: string): boolean {
    const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
    if (trimmed === '') return false;
    const message: PeerMessage = { t: 'chat', id: newMessageId(), text: trimmed, at: Date.now() };
    let delivered = 0;
    for (const peer of this.peers.values()) if (peer.link.sendMessage(message)) delivered += 1;
    if (delivered === 0) {
      this.setError('The message could not be sent: nobody is connected yet.');
      return false;
    }
    this.pushChat({ id: message.id, fromId: this.participantId, fromName: this.options.me.username, mine: true, text: trimmed, at: message.at });
    return true;
  }

  markChatRead(): void {
    if (this.unreadChat === 0) return;
    this.unreadChat = 0;
    this.changed();
  }

  /** Doctor: asks the patient's app for a full-resolution still of `bodySite`. */
  requestStill(bodySite: string): boolean {
    const patient = [...this.peers.values()].find((peer) => peer.info.role === 'patient');
    const id = newMessageId();
    if (patient === undefined || !patient.link.sendMessage({ t: 'still.request', id, bodySite })) {
      this.setError('The patient is not connected, so no photo can be requested right now.');
      return false;
    }
    this.stills.set(id, { id, bodySite, status: 'requested', requestedBy: this.participantId, at: Date.now() });
    this.changed();
    return true;
  }

  dismissStillRequest(): void {
    const request = this.stillRequest;
    if (request === null) return;
    this.stillRequest = null;
    this.sendStillStatus(request.id, 'failed', { message: 'The patient declined the photo for now.' });
    this.changed();
  }

  /**
   * Patient: takes a full-resolution still from the local camera and uploads it to the case with
   * its body site and time. `requestId` answers a doctor's request.
   */
  async takeStill(bodySite: string, requestId?: string): Promise<void> {
    const id = requestId ?? newMessageId();
    const caseId = this.caseId;
    const requestedBy = requestId !== undefined ? (this.stills.get(id)?.requestedBy ?? null) : null;
    if (requestId !== undefined && this.stillRequest?.id === requestId) this.stillRequest = null;
    const update = (status: StillEntry['status'], extra: { message?: string; photoId?: string } = {}) => {
      this.stills.set(id, { id, bodySite, status, requestedBy, at: Date.now(), ...extra });
      if (status !== 'requested') this.sendStillStatus(id, status, extra);
      this.changed();
    };
    const track = this.media.videoTrack;
    if (caseId === null || track === null || this.media.cameraOff) {
      update('failed', { message: 'Switch your camera on to take a photo.' });
      return;
    }
    update('capturing');
    try {
      const still = await captureStill(track);
      if (stillTooSmall(still.width, still.height)) {
        update('failed', {
          message: `This camera gives only ${still.width} x ${still.height} pixels; photos need at least 800 x 600. Use the phone's main camera.`,
        });
        return;
      }
      update('uploading');
      const result = await uploadPhoto(
        this.api,
        caseId,
        still.blob,
        { bodySite, source: 'visit', capturedAt: still.capturedAt },
        {
          pollIntervalMs: 500,
          onStatus: (progress) => {
            if (progress.phase === 'processing' && this.stills.get(id)?.status !== 'processing') update('processing');
          },
        },
      );
      if (result.outcome === 'accepted') {
        update('accepted', { photoId: result.photoId });
        this.photosVersion += 1;
      } else if (result.outcome === 'rejected') {
        update('rejected', { photoId: result.photoId, message: result.rejection.message });
      } else {
        update('processing', { photoId: result.photoId, message: result.message });
      }
    } catch (error) {
      update('failed', { message: error instanceof ApiError ? error.message : 'The photo could not be taken. Please try again.' });
      this.options.log?.('still failed', error);
    }
  }

  clearError(): void {
    this.error = null;
    this.changed();
  }

  /** The remote participant's peer connection (tests and diagnostics). */
  peerConnection(participantId: string): RTCPeerConnection | null {
    return this.peers.get(participantId)?.link.pc ?? null;
  }

  // --- signaling ----------------------------------------------------------------------------

  private onFrame(frame: ServerFrame): void {
    if (this.ended !== null) return;
    if (frame.type !== 'pong') {
      this.options.log?.(
        `<- ${frame.type}${'from' in frame ? ` from ${frame.from}` : ''}${frame.type === 'ice' ? ` ${frame.candidate === null ? 'end' : frame.candidate.candidate.split(' ').slice(4, 8).join(' ')}` : ''}`,
        frame.type === 'joined' ? frame : undefined,
      );
    }
    switch (frame.type) {
      case 'joined':
        if (frame.roomId !== this.roomId) return;
        this.onJoined(frame.participantId, frame.participants, frame.resumed);
        break;
      case 'participant.joined':
        if (frame.participantId === this.participantId) return;
        this.onParticipantJoined(frame, frame.resumed);
        break;
      case 'participant.left':
        this.onParticipantLeft(frame.participantId, frame.reason, frame.resumableForSeconds);
        break;
      case 'offer':
      case 'answer':
        void this.onDescription(frame.from, frame.sdp);
        break;
      case 'ice':
        void this.peers.get(frame.from)?.link.handleCandidate(frame.candidate);
        break;
      case 'iceRestart': {
        // The (polite) other side lost us and asks us, the side that restarts, to do it.
        const peer = this.peers.get(frame.from);
        if (peer !== undefined && !peer.link.polite) this.iceEvent(peer, { type: 'peerAsked', now: Date.now() });
        break;
      }
      case 'visit.ended':
        if (frame.roomId === this.roomId) void this.finish(frame.reason, false, false);
        break;
      case 'session.replaced':
        void this.finish('replaced', false, false);
        break;
      case 'error':
        this.onSignalingError(frame.code, frame.message, frame.ref);
        break;
      default:
        break;
    }
  }

  private onJoined(participantId: string, others: ParticipantInfo[], resumed: boolean): void {
    this.participantId = participantId;
    if (this.joinedOnce) this.signalingReconnects += 1;
    this.joinedOnce = true;
    // Someone missing from the list may be reconnecting too (a network blip drops every socket at
    // once): treat them as away, not gone. Their media may still be flowing peer to peer.
    // Restart requests queued while our socket was down are stale for peers connected again.
    this.signaling.dropQueued(
      (frame) => frame.action === 'iceRestart' && this.peers.get(frame.to ?? '')?.link.iceState === 'connected',
    );
    const present = new Set(others.map((other) => other.participantId));
    for (const [id, peer] of this.peers) {
      if (!present.has(id) && peer.away === null) peer.away = { since: Date.now(), resumableMs: 60_000 };
    }
    for (const other of others) {
      if (other.participantId === participantId) continue;
      const existing = this.peers.get(other.participantId);
      if (existing !== undefined) {
        existing.info = mergeInfo(existing.info, other);
        existing.away = null;
        // Back after a drop of OUR socket: a restart asked for meanwhile may never have left.
        this.iceEvent(existing, { type: 'signalingUp', now: Date.now() });
      } else {
        this.startNegotiation(this.ensurePeer(other));
      }
    }
    void resumed;
    this.changed();
  }

  private onParticipantJoined(info: ParticipantInfo, resumed: boolean): void {
    const existing = this.peers.get(info.participantId);
    if (existing !== undefined) {
      existing.info = mergeInfo(existing.info, info);
      existing.away = null;
      // A resumed participant drives the recovery (its own `joined` tells it what to restart; a
      // reloaded page comes with a brand-new offer, recognised by its SDP session id). One thing
      // is ours to do: an offer we sent while their socket was dead was lost, so send it again.
      existing.joinedAt = Date.now();
      existing.reofferedSinceJoin = false;
      if (existing.offerLost || (resumed && !existing.link.polite)) this.resendOffer(existing);
      this.changed();
      return;
    }
    this.startNegotiation(this.ensurePeer(info));
    this.changed();
  }

  private onParticipantLeft(participantId: string, reason: 'left' | 'disconnected', resumableForSeconds?: number): void {
    const peer = this.peers.get(participantId);
    if (peer === undefined) return;
    if (reason === 'left') {
      this.removePeer(participantId);
    } else {
      // Their socket dropped; media may well still flow peer to peer. Keep the connection.
      peer.away = { since: Date.now(), resumableMs: (resumableForSeconds ?? 60) * 1000 };
    }
    this.changed();
  }

  private async onDescription(from: string, sdp: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    let peer = this.peers.get(from);
    const sessionId = sdpSessionId(sdp.sdp);
    if (peer !== undefined && sdp.type === 'offer' && peer.link.remoteSessionId !== null && sessionId !== null &&
        sessionId !== peer.link.remoteSessionId) {
      // A new peer connection on their side (page reloaded): start over with a fresh one here.
      const info = peer.info;
      this.removePeer(from, false);
      peer = this.ensurePeer(info);
    }
    if (peer === undefined) {
      if (sdp.type !== 'offer') return;
      peer = this.ensurePeer({ participantId: from, username: from, role: 'unknown' });
    }
    if (peer.offerTimer !== null) {
      clearTimeout(peer.offerTimer);
      peer.offerTimer = null;
    }
    try {
      await peer.link.handleDescription(sdp);
    } catch (error) {
      this.options.log?.('description failed', error);
    }
    // A restart or renegotiation just went through: make sure our encoding still stands.
    if (peer.decision !== null) void peer.link.applyEncoding(peer.decision);
  }

  /** Our pending offer to `peer` again, if there is one (see PeerLink.resendOffer). */
  private resendOffer(peer: PeerEntry): void {
    peer.offerLost = false;
    peer.reofferedSinceJoin = true;
    if (peer.link.resendOffer()) this.options.log?.(`re-offering to ${peer.info.participantId} (the last offer was lost)`);
  }

  private onSignalingError(code: string, message: string, ref?: string): void {
    if (code === 'peer_not_found' && ref?.startsWith(OFFER_REF)) {
      const peer = this.peers.get(ref.slice(OFFER_REF.length));
      this.options.log?.(`offer to ${ref.slice(OFFER_REF.length)} lost: not in the visit (peer_not_found)`);
      if (peer !== undefined) {
        // Their socket was down. The offer goes again with their next `participant.joined`, or now
        // if that just came (it can overtake this error). Once per join: never a loop of offers.
        peer.offerLost = true;
        if (Date.now() - peer.joinedAt < REJOIN_OVERTAKE_MS && !peer.reofferedSinceJoin) this.resendOffer(peer);
      }
      return;
    }
    if (ref?.startsWith('join') && (code === 'room_not_active' || code === 'visit_not_found')) {
      void this.finish('ended', false, false);
      return;
    }
    if (code === 'room_full') {
      this.fail(new Error('This visit already has 4 participants.'));
      return;
    }
    if (code === 'not_in_room' && this.joinedOnce) {
      // The visit may have ended while our socket was away: ask.
      void this.api.getVisit(this.roomId).then(
        (visit) => {
          if (visit.status === 'ended') void this.finish(visit.endReason ?? 'completed', false, false);
        },
        () => undefined,
      );
      return;
    }
    this.options.log?.(`signaling error ${code}: ${message}`);
  }

  private onLinkState(state: LinkState): void {
    const before = this.lastLink;
    this.lastLink = state;
    if (state.phase === 'failed' && before.phase !== 'failed') {
      this.setError('The connection to DermaFollow was lost. Check your internet connection.');
    }
    this.changed();
  }

  private onOnline(): void {
    // The network is back: check every peer now rather than at the next tick.
    const now = Date.now();
    for (const peer of this.peers.values()) this.iceEvent(peer, { type: 'tick', now });
  }

  // --- peers --------------------------------------------------------------------------------

  private ensurePeer(info: ParticipantInfo): PeerEntry {
    const existing = this.peers.get(info.participantId);
    if (existing !== undefined) return existing;
    const remoteId = info.participantId;
    this.options.log?.(`peer ${remoteId} (${info.role}), we are ${isPolite(this.participantId, remoteId) ? 'polite' : 'impolite'}`);
    let entry: PeerEntry | null = null;
    const link = new PeerLink({
      remoteId,
      polite: isPolite(this.participantId, remoteId),
      iceServers: this.iceServers ?? [],
      send: (frame) => {
        this.options.log?.(`-> ${frame.action} to ${remoteId}${this.signaling.inRoom ? '' : ' (queued)'}`);
        // An offer carries a ref, so that the server's `peer_not_found` says which offer was lost.
        this.signaling.relay(frame.action === 'offer' ? { ...frame, ref: `${OFFER_REF}${remoteId}` } : frame);
      },
      onRemoteStream: (stream) => {
        if (entry === null) return;
        entry.stream = stream;
        this.changed();
      },
      onMessage: (message) => entry !== null && this.onPeerMessage(entry, message),
      onChannelOpen: () => {
        this.broadcastMedia();
        this.changed();
      },
      onIceState: (state) => entry !== null && this.iceEvent(entry, { type: 'iceState', state, now: Date.now() }),
      onError: (context, error) => this.options.log?.(`peer ${remoteId}: ${context}`, error),
      beforeAnswer: () => entry !== null && this.attach(entry),
    });
    entry = {
      info,
      link,
      ice: initialIce(Date.now()),
      media: { cameraOff: false, audioOnly: false, muted: false },
      stream: null,
      samples: [],
      counters: null,
      adaptation: INITIAL_ADAPTATION,
      decision: null,
      verdict: null,
      lastBytes: 0,
      lastBytesAt: Date.now(),
      stalled: false,
      offerTimer: null,
      offerLost: false,
      joinedAt: 0,
      reofferedSinceJoin: false,
      away: null,
      statsBusy: false,
    };
    this.peers.set(remoteId, entry);
    return entry;
  }

  /** Impolite: offer now. Polite: wait for their offer; offer ourselves if it does not come. */
  private startNegotiation(peer: PeerEntry): void {
    if (!peer.link.polite) {
      this.attach(peer);
      return;
    }
    if (peer.offerTimer !== null || peer.link.hasMedia) return;
    peer.offerTimer = setTimeout(() => {
      peer.offerTimer = null;
      this.attach(peer);
    }, OFFER_WAIT_MS);
  }

  private attach(peer: PeerEntry): void {
    if (!peer.link.hasMedia) this.options.log?.(`attach media to ${peer.info.participantId}`);
    if (peer.offerTimer !== null) {
      clearTimeout(peer.offerTimer);
      peer.offerTimer = null;
    }
    peer.link.attachMedia({ stream: this.media.stream, audio: this.media.sendAudioTrack, video: this.media.videoTrack });
  }

  private removePeer(participantId: string, notify = true): void {
    const peer = this.peers.get(participantId);
    if (peer === undefined) return;
    if (peer.offerTimer !== null) clearTimeout(peer.offerTimer);
    this.retiredRestarts += peer.ice.totalRestarts;
    peer.link.close();
    this.peers.delete(participantId);
    if (notify) this.changed();
  }

  private iceEvent(peer: PeerEntry, event: IceEvent): void {
    const wasConnected = peer.ice.phase === 'connected';
    if (event.type === 'iceState') this.options.log?.(`ice ${peer.info.participantId}: ${event.state}`);
    const { state, commands } = iceReducer(peer.ice, event);
    peer.ice = state;
    for (const command of commands) this.runIce(peer, command);
    if (state.phase === 'connected' && !wasConnected) {
      this.connectedAt ??= Date.now();
      peer.lastBytesAt = Date.now();
      peer.stalled = false;
      peer.samples = []; // (as after a stall: a new start for the policy)
      if (peer.decision !== null) void peer.link.applyEncoding(peer.decision);
      else void peer.link.applyEncoding(LADDER[0] as AdaptationDecision);
    }
    if (state.phase !== 'connected' && wasConnected) {
      // Is signaling itself still alive? (If not, the restart's offer would be queued.)
      this.signaling.probe();
    }
    this.changed();
  }

  /** Only the impolite side restarts (no glare); the polite side asks it to with `iceRestart`. */
  private runIce(peer: PeerEntry, command: IceCommand): void {
    if (command.type !== 'restartIce') return;
    if (!peer.link.polite) {
      this.options.log?.(`ICE restart towards ${peer.info.participantId}`);
      void peer.link.restartIce();
    } else {
      // The impolite side does the restart; ask it to.
      this.signaling.relay({ action: 'iceRestart', to: peer.info.participantId });
    }
  }

  private onPeerMessage(peer: PeerEntry, message: PeerMessage): void {
    switch (message.t) {
      case 'chat':
        this.pushChat({ id: message.id, fromId: peer.info.participantId, fromName: peer.info.username, mine: false, text: message.text, at: message.at });
        this.unreadChat += 1;
        break;
      case 'still.request':
        if (this.options.me.role !== 'patient') return;
        this.stillRequest = { id: message.id, bodySite: message.bodySite, fromName: peer.info.username };
        this.stills.set(message.id, { id: message.id, bodySite: message.bodySite, status: 'requested', requestedBy: peer.info.participantId, at: Date.now() });
        break;
      case 'still.status': {
        const known = this.stills.get(message.id);
        const entry: StillEntry = {
          id: message.id,
          bodySite: known?.bodySite ?? '',
          status: message.status,
          requestedBy: known?.requestedBy ?? null,
          at: Date.now(),
        };
        if (message.message !== undefined) entry.message = message.message;
        if (message.photoId !== undefined) entry.photoId = message.photoId;
        this.stills.set(message.id, entry);
        if (message.status === 'accepted') this.photosVersion += 1;
        break;
      }
      case 'media':
        peer.media = { cameraOff: message.cameraOff, audioOnly: message.audioOnly, muted: message.muted };
        break;
    }
    this.changed();
  }

  private sendStillStatus(id: string, status: StillStatus, extra: { message?: string; photoId?: string }): void {
    const message: PeerMessage = { t: 'still.status', id, status, ...extra };
    for (const peer of this.peers.values()) if (peer.info.role !== 'patient') peer.link.sendMessage(message);
  }

  private broadcastMedia(): void {
    for (const peer of this.peers.values()) {
      peer.link.sendMessage({
        t: 'media',
        cameraOff: this.media.cameraOff,
        audioOnly: peer.decision?.audioOnly === true,
        muted: this.media.muted,
      });
    }
  }

  private async replaceAudioEverywhere(): Promise<void> {
    const track = this.media.sendAudioTrack;
    await Promise.all([...this.peers.values()].map((peer) => peer.link.replaceTrack('audio', track).catch(() => undefined)));
  }

  private pushChat(entry: ChatEntry): void {
    if (this.chat.some((known) => known.id === entry.id)) return;
    this.chat = [...this.chat, entry].slice(-MAX_CHAT);
    this.changed();
  }

  // --- monitoring -----------------------------------------------------------------------------

  private async collectStats(): Promise<void> {
    if (this.ended !== null) return;
    let level: QualityLevel | null = null;
    let worstSample: StatsSample | null = null;
    for (const peer of [...this.peers.values()]) {
      if (peer.ice.phase === 'new' || peer.statsBusy) continue;
      peer.statsBusy = true;
      try {
        const report = statsList(await peer.link.getStats());
        const now = Date.now();
        const { sample, counters } = sampleFromReport(report, peer.counters, now);
        const first = peer.counters === null;
        peer.counters = counters;
        if (first) continue;
        const interrupted = peer.stalled || peer.ice.phase !== 'connected';
        let verdict: QualityVerdict | null;
        if (interrupted) {
          // Nothing gets through: poor, and nothing to learn for the encoder (the congestion
          // estimate collapses without feedback; adapting to it would leave video off afterwards).
          verdict = { level: 'poor', reasons: [{ metric: 'loss', level: 'poor', value: 100 }] };
        } else {
          peer.samples = [...peer.samples, sample].slice(-MAX_SAMPLES);
          verdict = scoreQuality(peer.samples, { expectVideo: !peer.media.cameraOff && !peer.media.audioOnly });
        }
        peer.verdict = verdict;
        if (verdict !== null) level = level === null ? verdict.level : worse(level, verdict.level);
        if (worstSample === null || sample.lossPct > worstSample.lossPct) worstSample = sample;
        if (!interrupted) await this.adaptPeer(peer);
      } catch (error) {
        this.options.log?.('stats failed', error);
      } finally {
        peer.statsBusy = false;
      }
    }
    if (worstSample !== null && this.connectedAt !== null) {
      this.summary = addSample(this.summary, worstSample, level, this.anyAudioOnly());
    }
    this.changed();
  }

  private async adaptPeer(peer: PeerEntry): Promise<void> {
    if (peer.ice.phase !== 'connected') return;
    const samples = peer.samples.map((s) => ({
      lossPct: s.outboundLossPct,
      rttMs: s.rttMs,
      availableOutgoingBitrate: s.availableOutgoingBitrate,
      bitrateKbps: s.bitrateKbps,
      fps: s.sentFps,
    }));
    const { state, decision } = adapt(samples, peer.adaptation);
    peer.adaptation = state;
    const previous = peer.decision;
    peer.decision = decision;
    const current = peer.link.currentEncoding();
    if (current !== null && encodingDiffers(current, decision)) {
      const applied = await peer.link.applyEncoding(decision);
      if (applied && decision.changed) {
        this.options.log?.(`encoding -> ${decision.audioOnly ? 'audio only' : `${decision.maxBitrate / 1000} kbps /${decision.scaleResolutionDownBy}`} (${decision.reason})`);
      }
    }
    if ((previous?.audioOnly ?? false) !== decision.audioOnly) this.broadcastMedia();
  }

  private anyAudioOnly(): boolean {
    return [...this.peers.values()].some((peer) => peer.decision?.audioOnly === true);
  }

  /** ICE ticks and the media-stall check, twice a second. */
  private async watchdog(): Promise<void> {
    if (this.ended !== null) return;
    const now = Date.now();
    let changed = false;
    for (const peer of [...this.peers.values()]) {
      // A restart of a transport that kept working fires no state change: resync with the real state.
      const actual = peer.link.iceState;
      if (peer.ice.phase !== 'connected' && (actual === 'connected' || actual === 'completed')) {
        this.iceEvent(peer, { type: 'iceState', state: actual, now });
      }
      this.iceEvent(peer, { type: 'tick', now });
      if (peer.away !== null && now - peer.away.since > peer.away.resumableMs + 5000 && peer.ice.phase !== 'connected') {
        this.removePeer(peer.info.participantId);
        continue;
      }
      if (peer.ice.phase !== 'connected' || peer.statsBusy) continue;
      try {
        const bytes = inboundBytes(statsList(await peer.link.getStats()));
        if (bytes > peer.lastBytes) {
          peer.lastBytes = bytes;
          peer.lastBytesAt = now;
          if (peer.stalled) {
            peer.stalled = false;
            changed = true;
            // A new start for the policy: samples from before the outage say nothing now, and right
            // after it the congestion estimate is still climbing back (not a sign of a weak link).
            peer.samples = [];
            // Their packets are back, so ours are probably getting through again too: send a key
            // frame now rather than wait for their decoder's next request.
            if (!peer.decision?.audioOnly) void peer.link.refreshKeyFrame();
          }
        } else if (!peer.stalled && now - peer.lastBytesAt >= STALL_MS) {
          peer.stalled = true;
          changed = true;
          this.signaling.probe();
        }
      } catch {
        // the connection is closing
      }
    }
    if (changed) this.changed();
  }

  // --- the end --------------------------------------------------------------------------------

  private async finish(reason: string, byMe: boolean, endVisit: boolean): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (endVisit) {
      try {
        await this.api.endVisit(this.roomId);
      } catch (error) {
        // 409: someone else ended it first; anything else: the call still ends here.
        this.options.log?.('end visit failed', error);
      }
    }
    const durationSeconds = this.connectedAt === null ? 0 : Math.round((Date.now() - this.connectedAt) / 1000);
    const summary = this.joinedOnce ? qualityReport(this.summary, { reconnects: this.reconnectCount(), durationSeconds }) : null;
    this.release();
    this.ended = { reason, byMe, summary, summaryPosted: false };
    this.changed();
    if (summary !== null) {
      this.ended = { ...this.ended, summaryPosted: await this.postSummary(summary) };
      this.changed();
    }
    this.options.onEnded?.(this.ended);
  }

  private async postSummary(summary: VisitQuality): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.api.reportVisitQuality(this.roomId, summary);
        return true;
      } catch (error) {
        this.options.log?.('quality report failed', error);
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
        await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      }
    }
    return false;
  }

  /** Stops everything that holds a device, a timer, a socket or a peer connection. */
  private release(): void {
    if (this.statsTimer !== null) clearInterval(this.statsTimer);
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer);
    this.statsTimer = null;
    this.watchdogTimer = null;
    for (const id of [...this.peers.keys()]) this.removePeer(id, false);
    if (this.signaling.room === this.roomId) this.signaling.leave();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.media.stop();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error && error.message !== '' ? error.message : 'The call could not be started.';
    this.setError(message, error);
    void this.finish('failed', false, false);
  }

  private setError(message: string, detail?: unknown): void {
    this.error = message;
    if (detail !== undefined) this.options.log?.(message, detail);
    this.changed();
  }

  private async fetchIceServers(): Promise<RTCIceServer[]> {
    try {
      const answer = await this.api.getIceServers();
      return answer.iceServers.map((server) => {
        const entry: RTCIceServer = { urls: server.urls };
        if (server.username !== undefined) entry.username = server.username;
        if (server.credential !== undefined) entry.credential = server.credential;
        return entry;
      });
    } catch (error) {
      // Without STUN/TURN a direct connection may still work (same network).
      this.options.log?.('ICE servers unavailable', error);
      return [];
    }
  }

  private reconnectCount(): number {
    let restarts = this.retiredRestarts;
    for (const peer of this.peers.values()) restarts += peer.ice.totalRestarts;
    return this.signalingReconnects + restarts;
  }

  // --- snapshot -------------------------------------------------------------------------------

  private changed(): void {
    if (this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => {
      this.dirty = false;
      this.snapshot = this.buildSnapshot();
      for (const listener of [...this.listeners]) listener();
    });
  }

  private buildSnapshot(forced?: CallSnapshot['phase']): CallSnapshot {
    const peers = [...this.peers.values()];
    const phase: CallSnapshot['phase'] =
      forced ??
      (this.ended !== null
        ? 'ended'
        : !this.joinedOnce
          ? 'starting'
          : callPhase({
              link: this.signaling.state.phase,
              peers: peers
                .filter((peer) => peer.away === null || peer.ice.phase === 'connected')
                .map((peer) => ({ ice: peer.ice.phase, everConnected: peer.ice.everConnected, mediaStalled: peer.stalled })),
            }));
    let quality: QualityVerdict | null = null;
    for (const peer of peers) {
      if (peer.verdict === null) continue;
      if (quality === null || worse(quality.level, peer.verdict.level) !== quality.level) quality = peer.verdict;
    }
    const decisions = peers.map((peer) => peer.decision).filter((d): d is AdaptationDecision => d !== null);
    const worstDecision = decisions.sort((a, b) => b.level - a.level)[0] ?? null;
    const applied = peers.map((peer) => peer.link.currentEncoding()?.maxBitrate).find((v) => v !== undefined) ?? null;
    const me = this.options.me;
    const participants: ParticipantView[] = [
      {
        participantId: this.participantId,
        username: me.username,
        role: me.role,
        me: true,
        status: 'connected',
        stream: null,
        media: { cameraOff: this.media.cameraOff, audioOnly: this.anyAudioOnly(), muted: this.media.muted },
        quality: quality?.level ?? null,
      },
      ...peers.map((peer): ParticipantView => ({
        ...peer.info,
        me: false,
        status:
          peer.away !== null && peer.ice.phase !== 'connected'
            ? 'away'
            : peer.ice.phase === 'connected'
              ? peer.stalled
                ? 'reconnecting'
                : 'connected'
              : peer.ice.everConnected
                ? 'reconnecting'
                : 'connecting',
        stream: peer.stream,
        media: peer.media,
        quality: peer.verdict?.level ?? null,
      })),
    ];
    return {
      roomId: this.roomId,
      caseId: this.caseId,
      phase,
      signaling: this.signaling.state.phase,
      me: { participantId: this.participantId, username: me.username, role: me.role },
      participants,
      localStream: this.media.isStopped ? null : this.media.stream,
      micMuted: this.media.muted,
      cameraOff: this.media.cameraOff,
      facing: this.media.facing,
      canSwitchCamera: this.canSwitchCamera,
      noiseReduction: this.media.noiseReduction,
      quality,
      qualityText: describeQuality(quality),
      encoding: worstDecision === null ? null : { ...worstDecision, appliedMaxBitrate: applied },
      audioOnly: this.anyAudioOnly(),
      chat: this.chat,
      unreadChat: this.unreadChat,
      stillRequest: this.stillRequest,
      stills: [...this.stills.values()].sort((a, b) => b.at - a.at),
      photosVersion: this.photosVersion,
      reconnects: this.reconnectCount(),
      connectedAt: this.connectedAt,
      error: this.error,
      ended: this.ended,
    };
  }
}
