// The shapes a call shows to React (CallSnapshot and its parts) and the per-peer record the
// session's units share. Kept apart from the units so that each imports types, not each other.

import type { VisitQuality } from '../api/types.ts';
import type { AdaptationDecision, AdaptationState } from './adaptation.ts';
import type { StillStatus } from './messages.ts';
import type { PeerLink } from './peer.ts';
import type { ParticipantInfo, Role } from './protocol.ts';
import type { QualityLevel, QualityVerdict } from './quality.ts';
import type { CallPhase, IceState, LinkState } from './reconnect.ts';
import type { StatsCounters, StatsSample } from './stats.ts';

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

export interface StillRequest {
  id: string;
  bodySite: string;
  fromName: string;
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
  stillRequest: StillRequest | null;
  stills: StillEntry[];
  /** Bumped when a still was accepted: case panels reload their photos. */
  photosVersion: number;
  reconnects: number;
  connectedAt: number | null;
  error: string | null;
  ended: EndedInfo | null;
}

/** Everything the session knows about one remote participant. */
export interface PeerEntry {
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
  /** When this peer connection was made (ms epoch). */
  createdAt: number;
}

/** Where a unit writes its diagnostics (callLog by default; never PHI). */
export type CallLogger = (message: string, detail?: unknown) => void;
