// The signaling WebSocket client (docs/signaling.md).
//
// - A fresh single-use ticket (POST /ws/tickets) for every connection attempt.
// - Reconnects after a drop with exponential backoff and jitter (reconnect.ts decides), at once
//   when the browser reports the network is back.
// - Heartbeat: a ping every 30 s (the server's idle limit is 10 min); no pong within 10 s means
//   (and no other frame either) means the socket is dead even if the browser has not noticed yet. `probe()` asks the same question
//   right away (used when the media connection hiccups).
// - Resume: once open again it re-sends `join` for the room it was in; the server answers
//   `joined` with `resumed: true` and keeps this person's place.
// - Relayed frames (offer/answer/ice/iceRestart) sent while the socket is down are queued and sent
//   after the room is joined again.

import { i18next } from '../i18n/index.ts';
import type { WsTicket } from '../api/types.ts';
import {
  parseServerFrame,
  validateClientFrame,
  type ClientFrame,
  type RelayFrame,
  type ServerFrame,
} from './protocol.ts';
import { INITIAL_LINK, linkReducer, type LinkCommand, type LinkEvent, type LinkState } from './reconnect.ts';

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type Schedule = (callback: () => void, delayMs: number) => () => void;

export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export interface SignalingOptions {
  getTicket: () => Promise<Pick<WsTicket, 'ticket' | 'wsUrl'>>;
  /** Used when a ticket answer carries no wsUrl (e.g. runtime config's wsUrl). */
  fallbackWsUrl?: string | undefined;
  /** Whether a failure to get a ticket means the session is gone (no point retrying). */
  isFatalTicketError?: (error: unknown) => boolean;
  createSocket?: (url: string) => SocketLike;
  schedule?: Schedule;
  now?: () => number;
  random?: () => number;
  network?: NetworkEvents | null;
  heartbeatMs?: number;
  pongTimeoutMs?: number;
  /** Check every frame against protocol.json before sending (development builds). */
  validate?: boolean;
  log?: (message: string, detail?: unknown) => void;
}

export type JoinedFrame = Extract<ServerFrame, { type: 'joined' }>;

export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const OPEN = 1;
const MAX_OUTBOX = 256;
export const HEARTBEAT_MS = 30_000;
export const PONG_TIMEOUT_MS = 10_000;

const defaultSchedule: Schedule = (callback, delayMs) => {
  const handle = setTimeout(callback, delayMs);
  return () => clearTimeout(handle);
};

export class SignalingClient {
  private link: LinkState = INITIAL_LINK;
  private socket: SocketLike | null = null;
  private attemptToken = 0;
  private cancelRetryTimer: (() => void) | null = null;
  private cancelHeartbeat: (() => void) | null = null;
  private cancelPongWait: (() => void) | null = null;
  private roomId: string | null = null;
  private joinedRoom = false;
  private refCounter = 0;
  private outbox: RelayFrame[] = [];
  private readonly frameListeners = new Set<(frame: ServerFrame) => void>();
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private pendingJoins: Array<{
    ref: string;
    roomId: string;
    resolve: (frame: JoinedFrame) => void;
    reject: (error: Error) => void;
  }> = [];
  private readonly options: Required<Omit<SignalingOptions, 'fallbackWsUrl' | 'network' | 'log'>> &
    Pick<SignalingOptions, 'fallbackWsUrl' | 'network' | 'log'>;
  /** Round trip of the last ping (ms), a rough measure of the signaling path. */
  lastPingRttMs: number | null = null;
  participantId: string | null = null;

  constructor(options: SignalingOptions) {
    this.options = {
      isFatalTicketError: () => false,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      schedule: defaultSchedule,
      now: () => Date.now(),
      random: Math.random,
      heartbeatMs: HEARTBEAT_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      validate: false,
      ...options,
    };
    this.options.network?.addEventListener('online', this.onOnline);
  }

  // --- public API ---------------------------------------------------------------------------

  get state(): LinkState {
    return this.link;
  }

  get room(): string | null {
    return this.roomId;
  }

  /** Whether relayed frames reach the room right now. */
  get inRoom(): boolean {
    return this.joinedRoom && this.socket?.readyState === OPEN;
  }

  start(): void {
    this.dispatch({ type: 'start' });
  }

  stop(reason = 'closed'): void {
    this.dispatch({ type: 'stop', reason });
    this.options.network?.removeEventListener('online', this.onOnline);
    this.failPendingJoins(new SignalingError('stopped', i18next.t('call:errors.closed')));
  }

  on(listener: (frame: ServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Joins (or resumes) a room; resolves with the `joined` answer. The room is remembered, so
   * every reconnection joins it again until `leave()`.
   */
  join(roomId: string): Promise<JoinedFrame> {
    if (this.roomId !== roomId) {
      this.roomId = roomId;
      this.joinedRoom = false;
    }
    const ref = this.nextRef('join');
    const promise = new Promise<JoinedFrame>((resolve, reject) => {
      this.pendingJoins.push({ ref, roomId, resolve, reject });
    });
    if (this.link.phase === 'idle') this.start();
    else if (this.socket?.readyState === OPEN) this.sendNow({ action: 'join', roomId, ref });
    return promise;
  }

  leave(): void {
    if (this.roomId !== null && this.socket?.readyState === OPEN) this.sendNow({ action: 'leave' });
    this.roomId = null;
    this.joinedRoom = false;
    this.outbox = [];
  }

  /** Sends a relayed frame now, or after the room is joined again if the socket is down. */
  relay(frame: RelayFrame): void {
    if (this.inRoom) {
      this.sendNow(frame);
      return;
    }
    // One pending restart request per peer is enough.
    if (frame.action === 'iceRestart' && this.outbox.some((queued) => queued.action === 'iceRestart' && queued.to === frame.to)) {
      return;
    }
    // A newer offer to a peer supersedes a queued one and the candidates that went with it: sent
    // together, the peer would answer both and the first answer would be applied to the second offer.
    if (frame.action === 'offer') this.outbox = this.outbox.filter((queued) => !supersededBy(queued, frame));
    this.outbox.push(frame);
    if (this.outbox.length > MAX_OUTBOX) {
      // Old candidates are the least useful thing to keep.
      const index = this.outbox.findIndex((queued) => queued.action === 'ice');
      this.outbox.splice(index >= 0 ? index : 0, 1);
    }
  }

  /** Drops queued (not yet sent) relayed frames, e.g. requests made stale by events meanwhile. */
  dropQueued(stale: (frame: RelayFrame) => boolean): void {
    this.outbox = this.outbox.filter((frame) => !stale(frame));
  }

  /** Is the socket really alive? A ping that is not answered within `timeoutMs` drops it. */
  probe(timeoutMs = 3000): void {
    if (this.link.phase !== 'open' || this.cancelPongWait !== null) return;
    this.ping(timeoutMs);
  }

  // --- the state machine and its commands ---------------------------------------------------

  private dispatch(event: LinkEvent): void {
    const before = this.link;
    const { state, commands } = linkReducer(this.link, event, {
      now: this.options.now(),
      random: this.options.random,
    });
    this.link = state;
    for (const command of commands) this.run(command);
    if (state.phase === 'failed' && before.phase !== 'failed') {
      this.failPendingJoins(new SignalingError('unreachable', i18next.t('call:errors.unreachable')));
    }
    if (state !== before) for (const listener of this.stateListeners) listener(state);
  }

  private run(command: LinkCommand): void {
    switch (command.type) {
      case 'connect':
        void this.connect();
        break;
      case 'scheduleRetry':
        this.cancelRetryTimer?.();
        this.cancelRetryTimer = this.options.schedule(() => {
          this.cancelRetryTimer = null;
          this.dispatch({ type: 'retryDue' });
        }, command.delayMs);
        break;
      case 'cancelRetry':
        this.cancelRetryTimer?.();
        this.cancelRetryTimer = null;
        break;
      case 'closeSocket':
        this.dropSocket();
        break;
      case 'startHeartbeat':
        this.scheduleHeartbeat();
        break;
      case 'stopHeartbeat':
        this.cancelHeartbeat?.();
        this.cancelHeartbeat = null;
        this.cancelPongWait?.();
        this.cancelPongWait = null;
        break;
      case 'rejoin': {
        if (this.roomId === null) break;
        const roomId = this.roomId;
        const pending = this.pendingJoins.find((join) => join.roomId === roomId);
        this.sendNow({ action: 'join', roomId, ref: pending?.ref ?? this.nextRef('join') });
        break;
      }
    }
  }

  private async connect(): Promise<void> {
    const token = ++this.attemptToken;
    this.dropSocket();
    let ticket: Pick<WsTicket, 'ticket' | 'wsUrl'>;
    try {
      ticket = await this.options.getTicket();
    } catch (error) {
      if (token !== this.attemptToken) return;
      this.options.log?.('ticket failed', error);
      this.dispatch({ type: 'ticketFailed', fatal: this.options.isFatalTicketError(error) });
      return;
    }
    if (token !== this.attemptToken || this.link.phase !== 'connecting') return;

    const base = ticket.wsUrl || this.options.fallbackWsUrl || '';
    const url = `${base}${base.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket.ticket)}`;
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(url);
    } catch (error) {
      this.options.log?.('socket failed', error);
      this.dispatch({ type: 'closed' });
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) this.dispatch({ type: 'opened' });
    };
    socket.onmessage = (event) => {
      if (this.socket === socket && typeof event.data === 'string') this.receive(event.data);
    };
    socket.onerror = () => undefined; // a close event always follows
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.joinedRoom = false;
      this.dispatch({ type: 'closed', code: event.code });
    };
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.joinedRoom = false;
    if (socket === null) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    try {
      socket.close(1000, 'bye');
    } catch {
      // already closed
    }
  }

  private scheduleHeartbeat(): void {
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = this.options.schedule(() => {
      this.cancelHeartbeat = null;
      if (this.link.phase !== 'open') return;
      if (this.cancelPongWait === null) this.ping(this.options.pongTimeoutMs);
      this.scheduleHeartbeat();
    }, this.options.heartbeatMs);
  }

  private ping(timeoutMs: number): void {
    this.sendNow({ action: 'ping', ts: this.options.now() });
    this.cancelPongWait = this.options.schedule(() => {
      this.cancelPongWait = null;
      this.options.log?.('no pong: the socket is dead');
      this.dispatch({ type: 'pongTimeout' });
    }, timeoutMs);
  }

  private readonly onOnline = (): void => {
    this.dispatch({ type: 'online' });
    this.probe();
  };

  private sendNow(frame: ClientFrame): void {
    if (this.options.validate) {
      const problem = validateClientFrame(frame);
      if (problem !== null) {
        this.options.log?.(`refusing to send an invalid ${frame.action} frame: ${problem}`);
        return;
      }
    }
    try {
      this.socket?.send(JSON.stringify(frame));
    } catch (error) {
      this.options.log?.('send failed', error);
    }
  }

  private receive(text: string): void {
    // Any frame proves the socket alive, not only the pong (even one we cannot read, such as the
    // gateway's "Internal server error"). The server answers one socket's frames in order, so a
    // ping sent behind a burst of candidates can wait seconds for its pong on a loaded server while
    // frames keep arriving; declaring that socket dead made everyone renegotiate and loaded the
    // server further.
    this.cancelPongWait?.();
    this.cancelPongWait = null;
    const frame = parseServerFrame(text);
    if (frame === null) return;
    switch (frame.type) {
      case 'pong':
        if (typeof frame.ts === 'number') this.lastPingRttMs = this.options.now() - frame.ts;
        break;
      case 'joined':
        if (frame.roomId === this.roomId) {
          this.joinedRoom = true;
          this.participantId = frame.participantId;
          const queued = this.outbox;
          this.outbox = [];
          for (const pending of this.pendingJoins.filter((join) => join.roomId === frame.roomId)) pending.resolve(frame);
          this.pendingJoins = this.pendingJoins.filter((join) => join.roomId !== frame.roomId);
          // Listeners see `joined` before the queued frames go out (they may want to drop some).
          this.emit(frame);
          for (const queuedFrame of queued) this.sendNow(queuedFrame);
          return;
        }
        break;
      case 'left':
      case 'session.replaced':
        this.joinedRoom = false;
        if (frame.type === 'session.replaced') {
          this.roomId = null;
          this.dispatch({ type: 'replaced' });
        }
        break;
      case 'error': {
        const pending = this.pendingJoins.find((join) => join.ref === frame.ref);
        if (pending !== undefined) {
          this.pendingJoins = this.pendingJoins.filter((join) => join !== pending);
          pending.reject(new SignalingError(frame.code, frame.message));
        } else if (frame.ref?.startsWith('join') && this.roomId !== null) {
          // A rejoin after a reconnection was refused (the visit ended meanwhile): stop rejoining.
          if (frame.code === 'room_not_active' || frame.code === 'visit_not_found') this.roomId = null;
        }
        break;
      }
      default:
        break;
    }
    this.emit(frame);
  }

  private emit(frame: ServerFrame): void {
    for (const listener of [...this.frameListeners]) {
      try {
        listener(frame);
      } catch (error) {
        this.options.log?.('listener failed', error);
      }
    }
  }

  private failPendingJoins(error: Error): void {
    const pending = this.pendingJoins;
    this.pendingJoins = [];
    for (const join of pending) join.reject(error);
  }

  private nextRef(prefix: string): string {
    this.refCounter += 1;
    return `${prefix}-${this.refCounter}`;
  }
}

function supersededBy(queued: RelayFrame, offer: RelayFrame): boolean {
  return queued.to === offer.to && (queued.action === 'offer' || queued.action === 'ice');
}
