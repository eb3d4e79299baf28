// A video visit in progress. The session owns the call's lifecycle (join, hang up, the end) and
// dispatches signaling frames and peer messages to the units it composes:
//   negotiation.ts   the mesh of peer connections (one PeerLink per remote participant)
//   watchdog.ts      ICE state, restarts and the media-stall check
//   qualityMonitor.ts stats, verdicts and encoding adaptation
//   chatLog.ts       the chat (a pure reducer)
//   stillsDesk.ts    lesion stills: the doctor's request, the patient's capture and upload
//   callSnapshot.ts  the one object React reads through subscribe/getSnapshot
// Local media is media.ts; signaling is the shared socket of signaling.ts.

import { i18next } from '../i18n/index.ts';
import type { ApiClient } from '../api/client.ts';
import type { CallLogger, CallSnapshot, EndedInfo, PeerEntry } from './callTypes.ts';
import { buildSnapshot } from './callSnapshot.ts';
import { ChatLog } from './chatLog.ts';
import { fetchIceServers, hangUpEndsVisit, postSummary } from './lifecycle.ts';
import { callLog } from './log.ts';
import type { LocalMedia } from './media.ts';
import { MediaControls } from './mediaControls.ts';
import type { PeerMessage } from './messages.ts';
import { PeerMesh } from './negotiation.ts';
import { warmUpWebRtc } from './peer.ts';
import type { Role } from './protocol.ts';
import { QualityMonitor } from './qualityMonitor.ts';
import type { LinkState } from './reconnect.ts';
import { RoomFrames } from './roomFrames.ts';
import { SnapshotStore } from './snapshotStore.ts';
import type { SignalingClient } from './signaling.ts';
import { StillsDesk } from './stillsDesk.ts';
import { qualityReport, setupTime } from './summary.ts';
import { Watchdog, WATCHDOG_INTERVAL_MS } from './watchdog.ts';

export type { CallSnapshot, ChatEntry, EndedInfo, ParticipantView, RemoteMediaState, StillEntry } from './callTypes.ts';

export const STATS_INTERVAL_MS = 2000;

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
  log?: CallLogger;
}

export class CallSession {
  readonly roomId: string;
  private readonly options: CallSessionOptions;
  private readonly api: ApiClient;
  private readonly signaling: SignalingClient;
  private readonly media: LocalMedia;
  private readonly log: CallLogger;
  private readonly mesh: PeerMesh;
  private readonly watchdog: Watchdog;
  private readonly quality: QualityMonitor;
  private readonly stills: StillsDesk;
  private readonly frames: RoomFrames;
  private readonly controls: MediaControls;
  private readonly chat: ChatLog;
  private readonly caseId: string | null;
  private iceServers: RTCIceServer[] | null;
  private participantId: string;
  private readonly store: SnapshotStore<CallSnapshot>;
  private readonly cleanups: Array<() => void> = [];
  private signalingReconnects = 0;
  private connectedAt: number | null = null;
  private setupMs: number | null = null;
  private error: string | null = null;
  private ended: EndedInfo | null = null;
  private ending = false;
  private started = false;
  private joinedOnce = false;
  private canSwitchCamera = false;
  private lastLink: LinkState;
  private timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(options: CallSessionOptions) {
    this.options = options;
    this.log = options.log ?? callLog;
    this.roomId = options.roomId;
    this.api = options.api;
    this.signaling = options.signaling;
    this.media = options.media;
    this.caseId = options.caseId;
    this.iceServers = options.iceServers ?? null;
    this.participantId = options.me.userId;
    this.lastLink = this.signaling.state;
    const changed = () => this.changed();
    const log = this.log;
    this.mesh = new PeerMesh({
      signaling: this.signaling,
      media: this.media,
      participantId: () => this.participantId,
      iceServers: () => this.iceServers ?? [],
      onMessage: (peer, message) => this.onPeerMessage(peer, message),
      onChannelOpen: () => {
        this.controls.broadcast();
        this.changed();
      },
      onIceState: (peer, state) => this.watchdog.iceEvent(peer, { type: 'iceState', state, now: Date.now() }),
      changed,
      log,
    });
    const peers = () => this.mesh.all();
    const setError = (message: string, detail?: unknown) => this.setError(message, detail);
    this.chat = new ChatLog({ me: () => ({ participantId: this.participantId, username: options.me.username }), peers, setError, changed });
    this.controls = new MediaControls({ media: this.media, peers, setError, changed });
    const removePeer = (id: string) => this.mesh.remove(id);
    const onConnected = () => {
      if (this.connectedAt !== null) return;
      this.connectedAt = Date.now();
      this.setupMs = setupTime(this.mesh.all(), this.connectedAt);
    };
    this.watchdog = new Watchdog({ signaling: this.signaling, peers, removePeer, onConnected, changed, log });
    this.quality = new QualityMonitor({ peers, connected: () => this.connectedAt !== null, broadcastMedia: () => this.controls.broadcast(), changed, log });
    const participantId = () => this.participantId;
    const caseId = () => this.caseId;
    this.stills = new StillsDesk({ api: this.api, media: this.media, me: options.me, caseId, participantId, peers, changed, setError, log });
    this.frames = new RoomFrames({
      roomId: this.roomId,
      api: this.api,
      signaling: this.signaling,
      mesh: this.mesh,
      watchdog: this.watchdog,
      participantId,
      onJoined: (participantId) => {
        this.participantId = participantId;
        if (this.joinedOnce) this.signalingReconnects += 1;
        this.joinedOnce = true;
      },
      hasJoined: () => this.joinedOnce,
      finish: (reason) => void this.finish(reason, false, false),
      fail: (error) => this.fail(error),
      changed,
      log,
    });
    this.store = new SnapshotStore(this.buildSnapshot('starting'), () => this.buildSnapshot());
    this.subscribe = this.store.subscribe;
    this.getSnapshot = this.store.getSnapshot;
  }

  // --- React binding ------------------------------------------------------------------------

  readonly subscribe: SnapshotStore<CallSnapshot>['subscribe'];
  readonly getSnapshot: SnapshotStore<CallSnapshot>['getSnapshot'];

  // --- lifecycle ----------------------------------------------------------------------------

  /** Joins the room and starts monitoring. Resolves once joined (media follows asynchronously). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cleanups.push(this.signaling.on((frame) => this.ended === null && this.frames.handle(frame)));
    this.cleanups.push(this.signaling.onState((state) => this.onLinkState(state)));
    this.cleanups.push(this.media.onChange(() => this.changed()));
    if (typeof window !== 'undefined') {
      const online = () => this.watchdog.onOnline();
      window.addEventListener('online', online);
      this.cleanups.push(() => window.removeEventListener('online', online));
    }
    void this.media.canSwitchCamera().then((can) => {
      this.canSwitchCamera = can;
      this.changed();
    });
    // Noise reduction on by default where Web Audio runs (the chain needs a user gesture first).
    void this.media.setNoiseReduction(true).then(() => this.controls.replaceAudioEverywhere());

    const iceServers = this.iceServers === null ? fetchIceServers(this.api, this.log) : Promise.resolve(this.iceServers);
    const joined = this.signaling.join(this.roomId);
    warmUpWebRtc(); // while the server answers the join
    try {
      const [servers] = await Promise.all([iceServers, joined]);
      this.iceServers = servers;
    } catch (error) {
      this.fail(error);
      return;
    }
    const whileOn = (task: () => Promise<void>) => () => {
      if (this.ended === null) void task();
    };
    this.timers = [
      setInterval(whileOn(() => this.quality.collect()), STATS_INTERVAL_MS),
      setInterval(whileOn(() => this.watchdog.tick()), WATCHDOG_INTERVAL_MS),
    ];
    this.changed();
  }

  /** Hang up. Ends the visit for everyone, unless other doctors stay on (then just leave). */
  async hangUp(): Promise<void> {
    const endForAll = hangUpEndsVisit(this.options.me.role, this.mesh.all());
    await this.finish(endForAll ? 'completed' : 'left', true, endForAll);
  }

  // --- controls: each is one unit's (the call screen talks to the session only) ---------------

  toggleMute = (): void => this.controls.toggleMute();
  toggleCamera = (): void => this.controls.toggleCamera();
  switchCamera = (): Promise<void> => this.controls.switchCamera();
  setNoiseReduction = (on: boolean): Promise<void> => this.controls.setNoiseReduction(on);
  sendChat = (text: string): boolean => this.chat.send(text);
  markChatRead = (): void => this.chat.markRead();
  /** Doctor: asks the patient's app for a full-resolution still of `bodySite`. */
  requestStill = (bodySite: string): boolean => this.stills.request(bodySite);
  dismissStillRequest = (): void => this.stills.dismissRequest();
  /** Patient: a full-resolution still of `bodySite` to the case; `requestId` answers a request. */
  takeStill = (bodySite: string, requestId?: string): Promise<void> => this.stills.take(bodySite, requestId);

  clearError(): void {
    this.error = null;
    this.changed();
  }

  /** The remote participant's peer connection (tests and diagnostics). */
  peerConnection(participantId: string): RTCPeerConnection | null {
    return this.mesh.get(participantId)?.link.pc ?? null;
  }

  // --- peers --------------------------------------------------------------------------------

  private onPeerMessage(peer: PeerEntry, message: PeerMessage): void {
    if (this.stills.receive(peer, message) || this.chat.receive(peer, message)) return;
    if (message.t === 'media') {
      peer.media = { cameraOff: message.cameraOff, audioOnly: message.audioOnly, muted: message.muted };
      this.changed();
    }
  }

  private onLinkState(state: LinkState): void {
    const before = this.lastLink;
    this.lastLink = state;
    if (state.phase === 'failed' && before.phase !== 'failed') {
      this.setError(i18next.t('call:errors.linkLost'));
    }
    this.changed();
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
        this.log('end visit failed', error);
      }
    }
    const durationSeconds = this.connectedAt === null ? 0 : Math.round((Date.now() - this.connectedAt) / 1000);
    const summary = this.joinedOnce ? qualityReport(this.quality.summary, { reconnects: this.reconnectCount(), durationSeconds, setupMs: this.setupMs }) : null;
    this.release();
    this.ended = { reason, byMe, summary, summaryPosted: false };
    this.changed();
    if (summary !== null) {
      this.ended = { ...this.ended, summaryPosted: await postSummary(this.api, this.roomId, summary, this.log) };
      this.changed();
    }
    this.options.onEnded?.(this.ended);
  }

  /** Stops everything that holds a device, a timer, a socket or a peer connection. */
  private release(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const id of this.mesh.ids()) this.mesh.remove(id, false);
    if (this.signaling.room === this.roomId) this.signaling.leave();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.media.stop();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error && error.message !== '' ? error.message : i18next.t('call:errors.notStarted');
    this.setError(message, error);
    void this.finish('failed', false, false);
  }

  private setError(message: string, detail?: unknown): void {
    this.error = message;
    if (detail !== undefined) this.log(message, detail);
    this.changed();
  }

  private reconnectCount(): number {
    return this.signalingReconnects + this.mesh.totalRestarts();
  }

  // --- snapshot -------------------------------------------------------------------------------

  private changed(): void {
    this.store.changed();
  }

  private buildSnapshot(forcedPhase?: CallSnapshot['phase']): CallSnapshot {
    return buildSnapshot({
      roomId: this.roomId,
      caseId: this.caseId,
      ...(forcedPhase === undefined ? {} : { forcedPhase }),
      ended: this.ended,
      joinedOnce: this.joinedOnce,
      signaling: this.signaling.state.phase,
      me: { participantId: this.participantId, username: this.options.me.username, role: this.options.me.role },
      peers: this.mesh.all(),
      media: this.media,
      canSwitchCamera: this.canSwitchCamera,
      chat: this.chat.current,
      stills: this.stills.current,
      reconnects: this.reconnectCount(),
      connectedAt: this.connectedAt,
      error: this.error,
    });
  }
}
