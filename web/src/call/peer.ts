// One RTCPeerConnection to one remote participant (the call is a full mesh), negotiated with the
// "perfect negotiation" pattern (W3C WebRTC spec, section 10.7):
//
// - either side may (re)negotiate at any time from `negotiationneeded` (tracks, data channel,
//   restartIce());
// - when both offer at once (glare), the POLITE side rolls its own offer back and answers, the
//   IMPOLITE side ignores the incoming offer. Politeness must be decided the same way on both
//   sides without talking: here the participant with the lexicographically GREATER participantId
//   is polite (see `isPolite`).
//
// A chat DataChannel is pre-negotiated (`negotiated: true, id: 0`), so both sides create it and no
// `datachannel` event is needed. A description waits up to GATHER_WAIT_MS for the candidates being
// gathered (with no STUN/TURN server, only until the host candidates are in: HOST_SETTLE_MS) and
// carries them in its SDP; only those found later trickle through signaling (`null` ends them).

import type { EncodingLevel } from './adaptation.ts';
import type { CandidatePayload, RelayFrame, SdpPayload } from './protocol.ts';
import { MAX_SDP_CHARS } from './protocol.ts';
import { parsePeerMessage, type PeerMessage } from './messages.ts';

/** Who yields on glare: the participant whose id sorts after the other's. */
export function isPolite(myId: string, remoteId: string): boolean {
  return myId > remoteId;
}

/**
 * Whether the other side could ever use this candidate. A browser's TCP host candidates are all
 * `tcptype active` (it dials out, it never listens), and an active candidate pairs only with a
 * passive one; every participant here is a browser, so those can never make a pair. Chromium
 * gathers one per interface, as many as its UDP ones: leaving them out halves the candidates each
 * connection signals (a four-person mesh sends ~100 at the start, each one a relayed frame).
 * TCP as a fallback goes through TURN, whose relay candidates are kept.
 */
export function worthSignalling(candidate: string): boolean {
  return !/ tcptype active\b/.test(candidate);
}

/** The ICE ufrag of an SDP (the first one: the call is bundled), or null. */
export function iceUfrag(sdp: string | undefined): string | null {
  const match = sdp === undefined ? null : /^a=ice-ufrag:(\S+)/m.exec(sdp);
  return match?.[1] ?? null;
}

/**
 * Whether our offer still waiting for its answer already restarts ICE (new credentials next to the
 * description in use). Re-sending it is then the whole restart: asking for one more on top made
 * the answer to it start a second restart at once, and after a long outage (several restarts
 * asked for while offline, another when signaling came back) the pair went through two new ICE
 * generations in a row before media flowed again.
 */
export function offerRestartsIce(pendingOfferSdp: string | undefined, currentLocalSdp: string | undefined): boolean {
  const pending = iceUfrag(pendingOfferSdp);
  const current = iceUfrag(currentLocalSdp);
  return pending !== null && current !== null && pending !== current;
}

/** The `o=` session id of an SDP: it changes only when the other side makes a NEW peer connection. */
export function sdpSessionId(sdp: string): string | null {
  const match = /^o=\S+ (\d+) /m.exec(sdp);
  return match?.[1] ?? null;
}

/**
 * How long an offer or answer waits for ICE gathering, so that the candidates travel inside it
 * rather than as one relayed frame each. Host candidates take a few milliseconds; with no STUN/TURN
 * to ask, gathering is complete by then. A slow server (TURN over a long path) is not waited for
 * past this: its candidates trickle as before. Each relayed frame is a write and a post on the server,
 * and one socket's frames go one after another: a four-person newcomer's three offers and ~15
 * candidate frames took ~2 s to pass on a loaded machine, the candidates holding back the answers'
 * way as well. With the candidates inside, that is three frames.
 */
export const GATHER_WAIT_MS = 300;

/**
 * With no STUN or TURN server there is nothing to wait for once the host candidates are in: a
 * browser finds every interface's at once (two interfaces here 0-2 ms apart), then takes ~135 ms on
 * an idle machine, and past GATHER_WAIT_MS on a loaded one, to declare gathering complete. So such a
 * description goes this long after its last host candidate; the end of candidates trickles. In a
 * four-person room the newcomer's three offers and the three answers each waited the full 300 ms
 * under load (over half a second of the set-up); a late interface's candidate costs one frame.
 */
export const HOST_SETTLE_MS = 25;

/**
 * A page's first RTCPeerConnection also builds the browser's WebRTC machinery for the page (its
 * threads, audio device, codec factories): ~200 ms of the main thread on a loaded machine here,
 * against ~3 ms for each one after it. Done while the server is still answering our join (~0.2-0.4 s),
 * it is off the path to the first offer. Returns whether it could (WebRTC may be missing).
 */
export function warmUpWebRtc(): boolean {
  if (typeof RTCPeerConnection === 'undefined') return false;
  try {
    new RTCPeerConnection().close();
    return true;
  } catch {
    return false; // the real connection will say what is wrong
  }
}

/** Resolves `settleMs` after the last candidate it is told of (the first one starts the clock). */
export class CandidateSettle {
  readonly done: Promise<void>;
  private resolve: () => void = () => undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly settleMs: number;

  constructor(settleMs: number) {
    this.settleMs = settleMs;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  found(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.resolve(), this.settleMs);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Resolves once `pc` has gathered its candidates, or after `timeoutMs` (whichever is first). */
export function gatheringDone(pc: Pick<RTCPeerConnection, 'iceGatheringState' | 'addEventListener' | 'removeEventListener'>,
  timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete' && timer !== null) return;
      if (timer !== null) clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    };
    let timer: ReturnType<typeof setTimeout> | null = setTimeout(() => {
      timer = null;
      done();
    }, timeoutMs);
    pc.addEventListener('icegatheringstatechange', done);
  });
}

export interface LocalTracks {
  stream: MediaStream;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

export interface PeerLinkOptions {
  remoteId: string;
  polite: boolean;
  iceServers: RTCIceServer[];
  /** Relays a frame to the remote participant through signaling (`to` is filled in here). */
  send: (frame: RelayFrame) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onMessage: (message: PeerMessage) => void;
  onChannelOpen: () => void;
  onIceState: (state: RTCIceConnectionState) => void;
  onError: (context: string, error: unknown) => void;
  /** Called after a remote offer is applied and before answering (e.g. to add our tracks now, so
   * they reuse the offer's transceivers and no second negotiation is needed). */
  beforeAnswer?: () => void;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly remoteId: string;
  readonly polite: boolean;
  /** Session id (`o=` line) of the remote peer connection we talk to. */
  remoteSessionId: string | null = null;
  private channel: RTCDataChannel | null = null;
  private makingOffer = false;
  /** Descriptions waiting for gathering (an answer may overlap a rolled-back offer's wait): while
   * any does, candidates go inside it rather than one frame each. */
  private holdingCandidates = 0;
  /** Waiting descriptions' clocks for host candidates (used only without STUN/TURN servers). */
  private readonly settles = new Set<CandidateSettle>();
  private ignoreOffer = false;
  private settingRemoteAnswerPending = false;
  private mediaAttached = false;
  private audioSender: RTCRtpSender | null = null;
  private videoSender: RTCRtpSender | null = null;
  private remoteStream: MediaStream | null = null;
  private closed = false;
  /** setParameters calls must not interleave (each needs a fresh getParameters): one at a time. */
  private parametersQueue: Promise<unknown> = Promise.resolve();
  private readonly options: PeerLinkOptions;

  constructor(options: PeerLinkOptions) {
    this.options = options;
    this.remoteId = options.remoteId;
    this.polite = options.polite;
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle' });
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.onicecandidate = ({ candidate }) => {
      const payload: CandidatePayload | null =
        candidate === null || candidate.candidate === '' ? null : (candidate.toJSON() as CandidatePayload);
      if (payload !== null && !worthSignalling(payload.candidate)) return;
      // Found while our description waits: the description will carry it (its end too).
      if (this.holdingCandidates > 0) {
        if (payload !== null) for (const settle of this.settles) settle.found();
        return;
      }
      this.send({ action: 'ice', candidate: payload === null ? null : cleanCandidate(payload) });
    };
    this.pc.oniceconnectionstatechange = () => this.options.onIceState(this.pc.iceConnectionState);
    this.pc.ontrack = (event) => {
      const stream = event.streams[0] ?? this.remoteStream ?? new MediaStream();
      if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
      this.remoteStream = stream;
      this.options.onRemoteStream(stream);
    };
  }

  get hasMedia(): boolean {
    return this.mediaAttached;
  }

  /** Whether a first offer/answer has completed (both descriptions applied). */
  get negotiated(): boolean {
    return this.pc.currentLocalDescription !== null && this.pc.currentRemoteDescription !== null;
  }

  /** Whether an offer of ours is being made or waits for its answer. */
  get offering(): boolean {
    return this.makingOffer || this.pc.signalingState === 'have-local-offer';
  }

  get channelOpen(): boolean {
    return this.channel?.readyState === 'open';
  }

  get stream(): MediaStream | null {
    return this.remoteStream;
  }

  get iceState(): RTCIceConnectionState {
    return this.pc.iceConnectionState;
  }

  /**
   * Adds our tracks and the chat channel (idempotent). The first call triggers negotiation, unless
   * it happens while answering an offer, when the offer's transceivers are reused.
   */
  attachMedia(local: LocalTracks): void {
    if (this.mediaAttached || this.closed) return;
    this.mediaAttached = true;
    if (local.audio !== null) this.audioSender = this.pc.addTrack(local.audio, local.stream);
    if (local.video !== null) this.videoSender = this.pc.addTrack(local.video, local.stream);
    const channel = this.pc.createDataChannel('chat', { negotiated: true, id: 0, ordered: true });
    channel.onopen = () => this.options.onChannelOpen();
    channel.onmessage = (event) => {
      const message = parsePeerMessage(event.data);
      if (message !== null) this.options.onMessage(message);
    };
    this.channel = channel;
  }

  async handleDescription(description: SdpPayload): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    // An answer may arrive while our offer is still being set locally; that is not a collision.
    const readyForOffer =
      !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswerPending);
    // An answer with no offer of ours pending is a repeat (our offer went twice): nothing to apply.
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
    const offerCollision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && offerCollision;
    if (this.ignoreOffer) return;

    this.settingRemoteAnswerPending = description.type === 'answer';
    try {
      // For the polite side on collision this rolls our offer back implicitly.
      await pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswerPending = false;
    }
    this.remoteSessionId = sdpSessionId(description.sdp) ?? this.remoteSessionId;
    if (description.type === 'offer') {
      this.options.beforeAnswer?.();
      await this.describe(() => pc.setLocalDescription(), 'answer');
    }
  }

  async handleCandidate(candidate: CandidatePayload | null): Promise<void> {
    if (this.closed) return;
    try {
      if (candidate === null) await this.pc.addIceCandidate();
      else await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored (glare) or of an older ICE generation are expected to fail.
      if (!this.ignoreOffer) this.options.onError('addIceCandidate', error);
    }
  }

  /**
   * ICE restart (a new offer with new credentials follows from `negotiationneeded`, once the
   * connection is stable). An offer of ours still waiting for its answer is sent again, never
   * rolled back: the other side may already have applied it and answered (the answer is merely
   * slow), and after a rollback Chromium numbers our m-lines afresh, so that side then refuses
   * every later offer of ours ("the order of m-lines in subsequent offer doesn't match"): the
   * pair never connects. Answering the same offer twice changes nothing; a second answer is
   * dropped in handleDescription. A first offer still unanswered has nothing to restart: its
   * answer starts ICE; nor has an offer that is itself a restart (see offerRestartsIce).
   */
  restartIce(): void {
    if (this.closed) return;
    if (this.pc.signalingState === 'have-local-offer' && !this.makingOffer) {
      this.resendOffer();
      if (this.pc.currentRemoteDescription === null) return;
      if (offerRestartsIce(this.pc.pendingLocalDescription?.sdp, this.pc.currentLocalDescription?.sdp)) return;
    }
    this.pc.restartIce();
  }

  /**
   * Sends our pending offer again, unchanged (the server could not deliver it: the other side's
   * socket was down). The same offer, not a new one: if the first did arrive after all, answering
   * it twice changes nothing. Returns whether there was an offer to send.
   */
  resendOffer(): boolean {
    if (this.closed || this.pc.signalingState !== 'have-local-offer') return false;
    this.sendDescription('offer');
    return true;
  }

  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const sender = kind === 'audio' ? this.audioSender : this.videoSender;
    if (sender !== null && sender.track !== track) await sender.replaceTrack(track);
  }

  /** Applies an adaptation decision to the video sender; false if it is not negotiated yet. */
  applyEncoding(level: EncodingLevel): Promise<boolean> {
    return this.serialised(() => this.setEncoding(level));
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.parametersQueue.then(task, task);
    this.parametersQueue = run.catch(() => undefined);
    return run;
  }

  private async setEncoding(level: EncodingLevel): Promise<boolean> {
    const sender = this.videoSender;
    if (sender === null || this.closed) return false;
    const params = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
    const encoding = params.encodings?.[0];
    if (encoding === undefined) return false;
    encoding.active = !level.audioOnly;
    if (!level.audioOnly) {
      encoding.maxBitrate = level.maxBitrate;
      encoding.scaleResolutionDownBy = level.scaleResolutionDownBy;
    }
    params.degradationPreference = 'maintain-resolution';
    try {
      await sender.setParameters(params);
    } catch (error) {
      // Older engines refuse degradationPreference in setParameters; the track's contentHint
      // ('detail') asks for the same thing.
      delete params.degradationPreference;
      try {
        await sender.setParameters(params);
      } catch (retryError) {
        this.options.onError('setParameters', retryError ?? error);
        return false;
      }
    }
    return true;
  }

  /**
   * Makes our encoder start over with a key frame. After an outage the other side cannot decode
   * until it gets one, and its own key-frame requests may have been lost with the outage (it
   * repeats them only every few seconds). Restarting the encoding (active off, then on) is the one
   * way a page can force a key frame without renegotiating.
   */
  refreshKeyFrame(): Promise<void> {
    return this.serialised(() => this.restartEncoding());
  }

  private async restartEncoding(): Promise<void> {
    const sender = this.videoSender;
    if (sender === null || this.closed) return;
    const params = sender.getParameters();
    const encoding = params.encodings?.[0];
    if (encoding === undefined || encoding.active === false) return;
    try {
      encoding.active = false;
      await sender.setParameters(params);
      const again = sender.getParameters();
      const restored = again.encodings?.[0];
      if (restored !== undefined) {
        restored.active = true;
        await sender.setParameters(again);
      }
    } catch (error) {
      this.options.onError('refreshKeyFrame', error);
    }
  }

  /** What the video sender is set to now (for the UI and the end-to-end test). */
  currentEncoding(): { maxBitrate?: number; scaleResolutionDownBy?: number; active?: boolean } | null {
    const encoding = this.videoSender?.getParameters().encodings?.[0];
    if (encoding === undefined) return null;
    return {
      ...(encoding.maxBitrate !== undefined ? { maxBitrate: encoding.maxBitrate } : {}),
      ...(encoding.scaleResolutionDownBy !== undefined ? { scaleResolutionDownBy: encoding.scaleResolutionDownBy } : {}),
      ...(encoding.active !== undefined ? { active: encoding.active } : {}),
    };
  }

  sendMessage(message: PeerMessage): boolean {
    if (this.channel?.readyState !== 'open') return false;
    try {
      this.channel.send(JSON.stringify(message));
      return true;
    } catch (error) {
      this.options.onError('datachannel', error);
      return false;
    }
  }

  getStats(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel?.close();
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.close();
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.describe(() => this.pc.setLocalDescription(), 'offer');
    } catch (error) {
      this.options.onError('negotiation', error);
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * Sets our description and sends it once gathering is done, GATHER_WAIT_MS has passed, or (no
   * STUN/TURN server) HOST_SETTLE_MS after the last host candidate, with the
   * candidates found meanwhile in its SDP (the browser adds them to `localDescription` as it finds
   * them); later ones trickle.
   */
  private async describe(setLocal: () => Promise<void>, type: 'offer' | 'answer'): Promise<void> {
    this.holdingCandidates += 1;
    // Registered before the description is set: its first candidates can come right after.
    const settle = this.options.iceServers.length === 0 ? new CandidateSettle(HOST_SETTLE_MS) : null;
    if (settle !== null) this.settles.add(settle);
    try {
      await setLocal();
      const gathered = gatheringDone(this.pc, GATHER_WAIT_MS);
      await (settle === null ? gathered : Promise.race([gathered, settle.done]));
      this.sendDescription(type);
    } finally {
      this.holdingCandidates -= 1;
      if (settle !== null) {
        settle.cancel();
        this.settles.delete(settle);
      }
    }
  }

  private sendDescription(type: 'offer' | 'answer'): void {
    const local = this.pc.localDescription;
    if (local === null || local.type !== type) return;
    if (local.sdp.length > MAX_SDP_CHARS) {
      this.options.onError('sdp', new Error(`The ${type} is too large to signal (${local.sdp.length} characters).`));
      return;
    }
    this.send({ action: type, sdp: { type, sdp: local.sdp } });
  }

  private send(frame: RelayFrame): void {
    if (!this.closed) this.options.send({ ...frame, to: this.remoteId });
  }
}

/** The candidate fields the protocol allows (toJSON may add more in future browsers). */
function cleanCandidate(candidate: CandidatePayload): CandidatePayload {
  const clean: CandidatePayload = { candidate: candidate.candidate };
  if (candidate.sdpMid !== undefined) clean.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== undefined) clean.sdpMLineIndex = candidate.sdpMLineIndex;
  if (candidate.usernameFragment !== undefined) clean.usernameFragment = candidate.usernameFragment;
  return clean;
}
