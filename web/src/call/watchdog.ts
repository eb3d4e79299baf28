// Keeping each peer connection alive: ICE state changes and ticks go through iceReducer
// (reconnect.ts), whose commands restart ICE; twice a second the watchdog also checks that media
// bytes still arrive (a transport can stay "connected" while nothing gets through) and drops a
// peer that stayed away past its resumable time.

import { LADDER, type AdaptationDecision } from './adaptation.ts';
import type { CallLogger, PeerEntry } from './callTypes.ts';
import { iceReducer, type IceCommand, type IceEvent, type IceState } from './reconnect.ts';
import type { SignalingClient } from './signaling.ts';
import { inboundBytes, statsList } from './stats.ts';

export const WATCHDOG_INTERVAL_MS = 500;
/** No media bytes from a connected peer for this long shows "reconnecting". */
export const STALL_MS = 1200;
/** A peer away this long past the time it could resume in is gone. */
export const AWAY_GRACE_MS = 5000;

/** How long the connect timeout waits for a first offer/answer to complete (see holdConnectClock). */
export const NEGOTIATION_GRACE_MS = 15_000;

/**
 * The ICE state with the connect timeout's clock held at `now` while the first offer/answer is not
 * complete, for up to NEGOTIATION_GRACE_MS after the peer connection was made. The timeout (6 s) is
 * for candidates lost once both sides have each other's description; before that there is nothing
 * ICE could have done. Counted from the connection's creation, it fired in a four-person start on a
 * busy machine (the newcomer's notice reached two members 3 s late, then a glare round), and the
 * restart cost a whole extra offer/answer: ~7 s more to connect. Past the grace the timeout runs
 * again, so an offer or answer lost on the way is still recovered (the restart re-sends an offer
 * that is still waiting, see PeerLink.restartIce).
 */
export function holdConnectClock(ice: IceState, negotiated: boolean, createdAt: number, now: number): IceState {
  const hold = ice.phase === 'new' && !negotiated && now - createdAt < NEGOTIATION_GRACE_MS;
  return hold ? { ...ice, since: now } : ice;
}

export type StallCheck = 'flowing' | 'resumed' | 'stalled' | 'unchanged';

/** What the inbound byte count says about a connected peer's media (pure, for the watchdog). */
export function checkStall(
  peer: Pick<PeerEntry, 'lastBytes' | 'lastBytesAt' | 'stalled'>,
  bytes: number,
  now: number,
): StallCheck {
  if (bytes > peer.lastBytes) return peer.stalled ? 'resumed' : 'flowing';
  return !peer.stalled && now - peer.lastBytesAt >= STALL_MS ? 'stalled' : 'unchanged';
}

/** Whether a peer that dropped off signaling has stayed away too long to come back. */
export function awayTooLong(peer: Pick<PeerEntry, 'away' | 'ice'>, now: number): boolean {
  return peer.away !== null && now - peer.away.since > peer.away.resumableMs + AWAY_GRACE_MS && peer.ice.phase !== 'connected';
}

export interface WatchdogOptions {
  signaling: SignalingClient;
  peers: () => PeerEntry[];
  removePeer: (participantId: string) => void;
  /** A peer's connection came up (the first one starts the call's clock). */
  onConnected: () => void;
  changed: () => void;
  log: CallLogger;
}

export class Watchdog {
  private readonly options: WatchdogOptions;

  constructor(options: WatchdogOptions) {
    this.options = options;
  }

  /** Feeds an ICE event of `peer` to its reducer and runs what it asks for. */
  iceEvent(peer: PeerEntry, event: IceEvent): void {
    const { log, signaling } = this.options;
    const wasConnected = peer.ice.phase === 'connected';
    if (event.type === 'iceState') log(`ice ${peer.info.participantId}: ${event.state}`);
    const { state, commands } = iceReducer(peer.ice, event);
    peer.ice = state;
    for (const command of commands) this.run(peer, command);
    if (state.phase === 'connected' && !wasConnected) {
      this.options.onConnected();
      peer.lastBytesAt = Date.now();
      peer.stalled = false;
      peer.samples = []; // (as after a stall: a new start for the policy)
      if (peer.decision !== null) void peer.link.applyEncoding(peer.decision);
      else void peer.link.applyEncoding(LADDER[0] as AdaptationDecision);
    }
    if (state.phase !== 'connected' && wasConnected) {
      // Is signaling itself still alive? (If not, the restart's offer would be queued.)
      signaling.probe();
    }
    this.options.changed();
  }

  /** The network is back: restart every lost connection now rather than at its next retry. */
  onOnline(): void {
    const now = Date.now();
    for (const peer of this.options.peers()) this.iceEvent(peer, { type: 'networkUp', now });
  }

  /** ICE ticks and the media-stall check, twice a second. */
  async tick(): Promise<void> {
    const now = Date.now();
    let changed = false;
    for (const peer of this.options.peers()) {
      // A restart of a transport that kept working fires no state change: resync with the real state.
      const actual = peer.link.iceState;
      if (peer.ice.phase !== 'connected' && (actual === 'connected' || actual === 'completed')) {
        this.iceEvent(peer, { type: 'iceState', state: actual, now });
      }
      peer.ice = holdConnectClock(peer.ice, peer.link.negotiated, peer.createdAt, now);
      this.iceEvent(peer, { type: 'tick', now });
      if (awayTooLong(peer, now)) {
        this.options.removePeer(peer.info.participantId);
        continue;
      }
      if (peer.ice.phase !== 'connected' || peer.statsBusy) continue;
      try {
        const bytes = inboundBytes(statsList(await peer.link.getStats()));
        const check = checkStall(peer, bytes, now);
        if (check === 'flowing' || check === 'resumed') {
          peer.lastBytes = bytes;
          peer.lastBytesAt = now;
        }
        if (check === 'resumed') {
          peer.stalled = false;
          changed = true;
          // A new start for the policy: samples from before the outage say nothing now, and right
          // after it the congestion estimate is still climbing back (not a sign of a weak link).
          peer.samples = [];
          // Their packets are back, so ours are probably getting through again too: send a key
          // frame now rather than wait for their decoder's next request.
          if (!peer.decision?.audioOnly) void peer.link.refreshKeyFrame();
        } else if (check === 'stalled') {
          peer.stalled = true;
          changed = true;
          this.options.signaling.probe();
        }
      } catch {
        // the connection is closing
      }
    }
    if (changed) this.options.changed();
  }

  /** Only the impolite side restarts (no glare); the polite side asks it to with `iceRestart`. */
  private run(peer: PeerEntry, command: IceCommand): void {
    if (command.type !== 'restartIce') return;
    if (!peer.link.polite) {
      this.options.log(`ICE restart towards ${peer.info.participantId}`);
      peer.link.restartIce();
    } else {
      // The impolite side does the restart; ask it to.
      this.options.signaling.relay({ action: 'iceRestart', to: peer.info.participantId });
    }
  }
}
