// Reconnection, as pure state machines (no timers, sockets or peer connections in here):
//
// 1. `linkReducer`: the signaling WebSocket. Connect, and after a drop reconnect with exponential
//    backoff and jitter, with a new ticket each time; the caller re-sends `join`, which resumes the
//    same room (the server keeps a dropped participant's place for 60 s).
// 2. `iceReducer`: one peer connection's ICE. `disconnected` for longer than 2 s, or `failed`,
//    asks for an ICE restart; a restart that does not bring the connection back is retried with
//    growing spacing, and again as soon as signaling is back (the restart's offer may have been
//    lost while the socket was down) and as soon as the browser reports the network back.
// 3. `callPhase`: what the user is told: connecting, connected, reconnecting or failed.
//
// The session (session.ts) feeds events in, carries out the returned commands and owns the timers.

// --- backoff -------------------------------------------------------------------------------------

export interface BackoffPolicy {
  /** Delay before the first retry (before jitter). */
  baseMs: number;
  /** Ceiling of the delay. */
  maxMs: number;
  /** Share of the delay that is random: 0.5 spreads a delay of d over [d/2, d]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 300, maxMs: 8000, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (1-based): base x 2^(attempt-1), capped, minus up to
 * `jitter` of itself at random so that many clients dropped together do not return together.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 20));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling * (1 - policy.jitter * r));
}

// --- the signaling link ---------------------------------------------------------------------------

export type LinkPhase =
  | 'idle' // not started
  | 'connecting' // fetching a ticket and opening the socket
  | 'open' // socket open (the caller joins or resumes its room)
  | 'backoff' // dropped; waiting before the next attempt
  | 'stopped' // closed on purpose (hang up, sign-out, replaced by another tab)
  | 'failed'; // gave up

export interface LinkState {
  phase: LinkPhase;
  /** Attempts since the link was last open (0 while open). */
  attempt: number;
  /** When the current outage began (null while open or before the first connection). */
  downSince: number | null;
  /** Whether the link has ever been open: a drop after that is a REconnection. */
  everOpen: boolean;
  /** Why it stopped or failed. */
  reason: string | null;
}

export type LinkEvent =
  | { type: 'start' }
  | { type: 'opened' }
  /** The socket closed, or the handshake failed. */
  | { type: 'closed'; code?: number }
  /** The ticket could not be had. `fatal` when the session itself is gone (signed out). */
  | { type: 'ticketFailed'; fatal: boolean }
  /** No pong in time, or a probe went unanswered: the socket is dead even if it looks open. */
  | { type: 'pongTimeout' }
  | { type: 'retryDue' }
  /** The browser reports the network is back: retry now instead of waiting out the backoff. */
  | { type: 'online' }
  | { type: 'stop'; reason: string }
  /** The server moved this person's place to another socket (another tab). */
  | { type: 'replaced' };

export type LinkCommand =
  | { type: 'connect' }
  | { type: 'scheduleRetry'; delayMs: number }
  | { type: 'cancelRetry' }
  | { type: 'closeSocket' }
  | { type: 'startHeartbeat' }
  | { type: 'stopHeartbeat' }
  /** Open again: (re)join the room if there is one. */
  | { type: 'rejoin' };

export interface LinkContext {
  now: number;
  random: () => number;
  policy?: BackoffPolicy;
  /** Give up after this long without a connection (default 5 minutes). */
  giveUpAfterMs?: number;
}

export const INITIAL_LINK: LinkState = {
  phase: 'idle',
  attempt: 0,
  downSince: null,
  everOpen: false,
  reason: null,
};

export const DEFAULT_GIVE_UP_MS = 5 * 60 * 1000;

export interface Transition<S, C> {
  state: S;
  commands: C[];
}

function dropped(state: LinkState, ctx: LinkContext, extra: LinkCommand[]): Transition<LinkState, LinkCommand> {
  const downSince = state.downSince ?? ctx.now;
  if (ctx.now - downSince >= (ctx.giveUpAfterMs ?? DEFAULT_GIVE_UP_MS)) {
    return {
      state: { ...state, phase: 'failed', downSince, reason: 'unreachable' },
      commands: [...extra, { type: 'cancelRetry' }],
    };
  }
  const attempt = state.attempt + 1;
  return {
    state: { ...state, phase: 'backoff', attempt, downSince },
    commands: [...extra, { type: 'scheduleRetry', delayMs: backoffDelay(attempt, ctx.random, ctx.policy) }],
  };
}

export function linkReducer(state: LinkState, event: LinkEvent, ctx: LinkContext): Transition<LinkState, LinkCommand> {
  const final = state.phase === 'stopped' || state.phase === 'failed';
  if (final && event.type !== 'start') return { state, commands: [] };

  switch (event.type) {
    case 'start':
      if (state.phase === 'idle' || final) {
        return {
          state: { ...INITIAL_LINK, everOpen: state.everOpen, phase: 'connecting' },
          commands: [{ type: 'connect' }],
        };
      }
      return { state, commands: [] };

    case 'opened':
      if (state.phase !== 'connecting') return { state, commands: [] };
      return {
        state: { ...state, phase: 'open', attempt: 0, downSince: null, everOpen: true, reason: null },
        commands: [{ type: 'startHeartbeat' }, { type: 'rejoin' }],
      };

    case 'closed':
      if (state.phase === 'open') {
        return dropped({ ...state, downSince: null }, ctx, [{ type: 'stopHeartbeat' }]);
      }
      if (state.phase === 'connecting') return dropped(state, ctx, []);
      return { state, commands: [] };

    case 'ticketFailed':
      if (state.phase !== 'connecting') return { state, commands: [] };
      if (event.fatal) {
        return { state: { ...state, phase: 'failed', reason: 'signed_out' }, commands: [] };
      }
      return dropped(state, ctx, []);

    case 'pongTimeout':
      if (state.phase !== 'open') return { state, commands: [] };
      return dropped({ ...state, downSince: null }, ctx, [{ type: 'stopHeartbeat' }, { type: 'closeSocket' }]);

    case 'retryDue':
      if (state.phase !== 'backoff') return { state, commands: [] };
      return { state: { ...state, phase: 'connecting' }, commands: [{ type: 'connect' }] };

    case 'online':
      // The outage is over as far as the browser knows: the backoff starts again from its base. The
      // first attempt may still fail (the `online` event can come a moment before the network
      // stack really sends again); after a 35 s outage the delay before the next one had grown to
      // 4-8 s, which was most of the time the call took to come back.
      if (state.phase === 'connecting') return { state: { ...state, attempt: 0 }, commands: [] };
      if (state.phase !== 'backoff') return { state, commands: [] };
      return { state: { ...state, phase: 'connecting', attempt: 0 }, commands: [{ type: 'cancelRetry' }, { type: 'connect' }] };

    case 'stop':
    case 'replaced': {
      const reason = event.type === 'stop' ? event.reason : 'replaced';
      return {
        state: { ...state, phase: 'stopped', reason },
        commands: [{ type: 'cancelRetry' }, { type: 'stopHeartbeat' }, { type: 'closeSocket' }],
      };
    }
  }
}

// --- one peer connection's ICE ----------------------------------------------------------------------

export type IcePhase =
  | 'new' // not connected yet (first negotiation)
  | 'connected'
  | 'disconnected' // lost consent; may come back by itself
  | 'restarting'; // an ICE restart was asked for and has not brought the connection back yet

export interface IceState {
  phase: IcePhase;
  /** When the current phase began. */
  since: number;
  everConnected: boolean;
  /** Restarts asked for in the current outage. */
  restarts: number;
  lastRestartAt: number | null;
  /** Restarts over the whole call (for the quality summary). */
  totalRestarts: number;
}

export interface IcePolicy {
  /** `disconnected` for this long triggers a restart (libwebrtc itself waits longer). */
  disconnectedGraceMs: number;
  /** Never connected this long after the peer connection was made: restart (lost candidates). */
  connectTimeoutMs: number;
  /** A restart that has not reconnected after this long is retried, doubling up to the max. */
  retryAfterMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_ICE_POLICY: IcePolicy = {
  disconnectedGraceMs: 2000,
  connectTimeoutMs: 6000,
  retryAfterMs: 4000,
  maxRetryAfterMs: 16000,
};

export type IceEvent =
  | { type: 'iceState'; state: RTCIceConnectionState; now: number }
  /** Periodic check (the session ticks every few hundred ms). */
  | { type: 'tick'; now: number }
  /** Signaling came back (rejoined): a restart asked for while it was down may never have left. */
  | { type: 'signalingUp'; now: number }
  /** The other side says it lost us (iceRestart frame) or came back from a drop. */
  | { type: 'peerAsked'; now: number }
  /** The browser reports the network is back (`online`): restart now, not at the next retry. */
  | { type: 'networkUp'; now: number };

export type IceCommand = { type: 'restartIce' };

export function initialIce(now: number): IceState {
  return { phase: 'new', since: now, everConnected: false, restarts: 0, lastRestartAt: null, totalRestarts: 0 };
}

function restart(state: IceState, now: number): Transition<IceState, IceCommand> {
  return {
    state: {
      ...state,
      phase: 'restarting',
      since: state.phase === 'restarting' ? state.since : now,
      restarts: state.restarts + 1,
      lastRestartAt: now,
      totalRestarts: state.totalRestarts + 1,
    },
    commands: [{ type: 'restartIce' }],
  };
}

export function retryDelay(restarts: number, policy: IcePolicy = DEFAULT_ICE_POLICY): number {
  return Math.min(policy.maxRetryAfterMs, policy.retryAfterMs * 2 ** Math.max(0, restarts - 1));
}

export function iceReducer(state: IceState, event: IceEvent, policy: IcePolicy = DEFAULT_ICE_POLICY): Transition<IceState, IceCommand> {
  const none = (next: IceState = state): Transition<IceState, IceCommand> => ({ state: next, commands: [] });
  switch (event.type) {
    case 'iceState':
      switch (event.state) {
        case 'connected':
        case 'completed':
          return none({ ...state, phase: 'connected', since: event.now, everConnected: true, restarts: 0 });
        case 'disconnected':
          if (state.phase === 'restarting') return none();
          return none({ ...state, phase: 'disconnected', since: event.now });
        case 'failed':
          // Right after a restart was asked for, the old generation's failure is not news.
          if (state.phase === 'restarting' && state.lastRestartAt !== null && event.now - state.lastRestartAt < 1000) {
            return none();
          }
          return restart(state, event.now);
        default:
          // new / checking: during a restart they are expected; otherwise nothing to do yet.
          return none();
      }

    case 'tick':
      if (state.phase === 'disconnected' && event.now - state.since >= policy.disconnectedGraceMs) {
        return restart(state, event.now);
      }
      if (state.phase === 'new' && event.now - state.since >= policy.connectTimeoutMs) {
        return restart(state, event.now);
      }
      if (
        state.phase === 'restarting' &&
        state.lastRestartAt !== null &&
        event.now - state.lastRestartAt >= retryDelay(state.restarts, policy)
      ) {
        return restart(state, event.now);
      }
      return none();

    case 'signalingUp':
      if (state.phase === 'restarting' || (state.phase === 'disconnected' && state.everConnected)) {
        return restart(state, event.now);
      }
      return none();

    case 'networkUp': {
      // A connection that was lost while we were offline restarts at once: waiting for the retry
      // timer (spaced 4, 8, 16 s over a long outage) or for libwebrtc's own recovery costs seconds.
      // The retry spacing starts over too, so that a restart lost on the way is retried in 4 s.
      if (!state.everConnected || state.phase === 'connected' || state.phase === 'new') return none();
      if (state.phase === 'restarting' && state.lastRestartAt !== null && event.now - state.lastRestartAt < 1000) {
        return none();
      }
      return restart({ ...state, restarts: 0 }, event.now);
    }

    case 'peerAsked': {
      // They lost us, even if our side still looks connected: restart. While our side is connected,
      // it stays so (the restart renegotiates a working transport; no state change may follow).
      if (state.phase === 'restarting' && state.lastRestartAt !== null && event.now - state.lastRestartAt < 1000) {
        return none();
      }
      const restarted = restart(state, event.now);
      if (state.phase !== 'connected') return restarted;
      return { ...restarted, state: { ...restarted.state, phase: 'connected', since: state.since, restarts: 0 } };
    }
  }
}

// --- what the user sees -------------------------------------------------------------------------

export type CallPhase = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface CallPhaseInput {
  link: LinkPhase;
  /** One entry per remote participant with a peer connection. */
  peers: ReadonlyArray<{ ice: IcePhase; everConnected: boolean; mediaStalled: boolean }>;
}

/**
 * - failed: signaling gave up;
 * - reconnecting: media to someone who was connected is interrupted (ICE down or no packets),
 *   or signaling is down while no media flows;
 * - connected: every peer's media flows;
 * - connecting: nobody connected yet (waiting for the other side, or first negotiation).
 */
export function callPhase(input: CallPhaseInput): CallPhase {
  if (input.link === 'failed') return 'failed';
  const interrupted = input.peers.some(
    (peer) => peer.everConnected && (peer.ice !== 'connected' || peer.mediaStalled),
  );
  if (interrupted) return 'reconnecting';
  const anyConnected = input.peers.some((peer) => peer.ice === 'connected');
  const linkDown = input.link === 'backoff' || input.link === 'connecting';
  if (linkDown && !anyConnected && input.peers.some((peer) => peer.everConnected)) return 'reconnecting';
  if (input.peers.length > 0 && input.peers.every((peer) => peer.ice === 'connected')) return 'connected';
  if (linkDown && input.peers.length === 0 && input.link === 'backoff') return 'reconnecting';
  return 'connecting';
}
