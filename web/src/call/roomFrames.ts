// What the signaling server tells a call, frame by frame: who is in the room, who came and went,
// the peers' descriptions and candidates, restart requests, errors and the end of the visit.

import { i18next } from '../i18n/index.ts';
import type { ApiClient } from '../api/client.ts';
import type { CallLogger } from './callTypes.ts';
import { mergeInfo, type PeerMesh } from './negotiation.ts';
import { MAX_PARTICIPANTS, type ParticipantInfo, type ServerFrame } from './protocol.ts';
import type { SignalingClient } from './signaling.ts';
import type { Watchdog } from './watchdog.ts';

/** How long a participant missing from our `joined` list may take to come back. */
export const ASSUMED_RESUMABLE_MS = 60_000;
/** A `participant.left` (disconnected) without a figure: the server's default of 60 s. */
const DEFAULT_RESUMABLE_S = 60;

export interface RoomFramesOptions {
  roomId: string;
  api: Pick<ApiClient, 'getVisit'>;
  signaling: SignalingClient;
  mesh: PeerMesh;
  watchdog: Watchdog;
  /** The server's id for us in the room (it may differ from the user id). */
  participantId: () => string;
  /** We are in the room with this id (again, after a lost socket). */
  onJoined: (participantId: string) => void;
  hasJoined: () => boolean;
  /** The visit is over for us (`reason` as the end screen shows it). */
  finish: (reason: string) => void;
  fail: (error: Error) => void;
  changed: () => void;
  log: CallLogger;
}

export class RoomFrames {
  private readonly options: RoomFramesOptions;

  constructor(options: RoomFramesOptions) {
    this.options = options;
  }

  handle(frame: ServerFrame): void {
    const { mesh, log, roomId } = this.options;
    if (frame.type !== 'pong') {
      log(
        `<- ${frame.type}${'from' in frame ? ` from ${frame.from}` : ''}${frame.type === 'ice' ? ` ${frame.candidate === null ? 'end' : frame.candidate.candidate.split(' ').slice(4, 8).join(' ')}` : ''}`,
        frame.type === 'joined' ? frame : undefined,
      );
    }
    switch (frame.type) {
      case 'joined':
        if (frame.roomId !== roomId) return;
        this.joined(frame.participantId, frame.participants);
        break;
      case 'participant.joined':
        if (frame.participantId === this.options.participantId()) return;
        mesh.joined(frame, frame.resumed);
        this.options.changed();
        break;
      case 'participant.left':
        this.left(frame.participantId, frame.reason, frame.resumableForSeconds);
        break;
      case 'offer':
      case 'answer':
        void mesh.onDescription(frame.from, frame.sdp);
        break;
      case 'ice':
        void mesh.get(frame.from)?.link.handleCandidate(frame.candidate);
        break;
      case 'iceRestart': {
        // The (polite) other side lost us and asks us, the side that restarts, to do it.
        const peer = mesh.get(frame.from);
        if (peer !== undefined && !peer.link.polite) this.options.watchdog.iceEvent(peer, { type: 'peerAsked', now: Date.now() });
        break;
      }
      case 'visit.ended':
        if (frame.roomId === roomId) this.options.finish(frame.reason);
        break;
      case 'session.replaced':
        this.options.finish('replaced');
        break;
      case 'error':
        this.error(frame.code, frame.message, frame.ref);
        break;
      default:
        break;
    }
  }

  private joined(participantId: string, others: ParticipantInfo[]): void {
    const { mesh, signaling, watchdog } = this.options;
    this.options.onJoined(participantId);
    // Someone missing from the list may be reconnecting too (a network blip drops every socket at
    // once): treat them as away, not gone. Their media may still be flowing peer to peer.
    // Restart requests queued while our socket was down are stale for peers connected again.
    signaling.dropQueued((frame) => frame.action === 'iceRestart' && mesh.get(frame.to ?? '')?.link.iceState === 'connected');
    const present = new Set(others.map((other) => other.participantId));
    for (const peer of mesh.all()) {
      if (!present.has(peer.info.participantId) && peer.away === null) {
        peer.away = { since: Date.now(), resumableMs: ASSUMED_RESUMABLE_MS };
      }
    }
    for (const other of others) {
      if (other.participantId === participantId) continue;
      const existing = mesh.get(other.participantId);
      if (existing !== undefined) {
        existing.info = mergeInfo(existing.info, other);
        existing.away = null;
        // Back after a drop of OUR socket: a restart asked for meanwhile may never have left.
        watchdog.iceEvent(existing, { type: 'signalingUp', now: Date.now() });
      } else {
        mesh.startNegotiation(mesh.ensure(other), 'listed');
      }
    }
    this.options.changed();
  }

  private left(participantId: string, reason: 'left' | 'disconnected' | 'grant_ended', resumableForSeconds?: number): void {
    const peer = this.options.mesh.get(participantId);
    if (peer === undefined) return;
    if (reason === 'left' || reason === 'grant_ended') {
      // Gone for good (left, or their access to the case ended): close that peer connection.
      this.options.mesh.remove(participantId);
    } else {
      // Their socket dropped; media may well still flow peer to peer. Keep the connection.
      peer.away = { since: Date.now(), resumableMs: (resumableForSeconds ?? DEFAULT_RESUMABLE_S) * 1000 };
    }
    this.options.changed();
  }

  private error(code: string, message: string, ref?: string): void {
    if (code === 'peer_not_found' && this.options.mesh.offerLost(ref)) return;
    if (ref?.startsWith('join') && (code === 'room_not_active' || code === 'visit_not_found')) {
      this.options.finish('ended');
      return;
    }
    if (code === 'room_full' || code === 'grant_ended') {
      // Ends the call here only (the visit goes on for the others); the ended view says why.
      this.options.finish(code);
      return;
    }
    if (code === 'not_in_room' && this.options.hasJoined()) {
      // The visit may have ended while our socket was away: ask.
      void this.options.api.getVisit(this.options.roomId).then(
        (visit) => {
          if (visit.status === 'ended') this.options.finish(visit.endReason ?? 'completed');
        },
        () => undefined,
      );
      return;
    }
    this.options.log(`signaling error ${code}: ${message}`);
  }
}

/** What a fifth person reads: the cap comes from protocol.json, like the server's. */
export function roomFullMessage(): string {
  return i18next.t('call:ended.reason.room_full', { doctors: MAX_PARTICIPANTS - 1 });
}
