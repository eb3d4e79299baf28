// The one object React reads (CallSnapshot), built from the session's units in one pure step.

import type { AdaptationDecision } from './adaptation.ts';
import type { CallSnapshot, ChatEntry, EndedInfo, ParticipantView, PeerEntry } from './callTypes.ts';
import type { LocalMedia } from './media.ts';
import type { Role } from './protocol.ts';
import { describeQuality } from './quality.ts';
import { anyAudioOnly, worstVerdict } from './qualityMonitor.ts';
import { callPhase, type LinkState } from './reconnect.ts';
import { stillList, type StillsState } from './stillsDesk.ts';

export interface SnapshotInput {
  roomId: string;
  caseId: string | null;
  /** Overrides the computed phase (the first snapshot, before anything happened). */
  forcedPhase?: CallSnapshot['phase'];
  ended: EndedInfo | null;
  joinedOnce: boolean;
  signaling: LinkState['phase'];
  me: { participantId: string; username: string; role: Role };
  peers: PeerEntry[];
  media: Pick<LocalMedia, 'isStopped' | 'stream' | 'muted' | 'cameraOff' | 'facing' | 'noiseReduction'>;
  canSwitchCamera: boolean;
  chat: { entries: ChatEntry[]; unread: number };
  stills: StillsState;
  reconnects: number;
  connectedAt: number | null;
  error: string | null;
}

/** How a remote participant's tile describes them. */
export function participantStatus(peer: Pick<PeerEntry, 'away' | 'ice' | 'stalled'>): ParticipantView['status'] {
  if (peer.away !== null && peer.ice.phase !== 'connected') return 'away';
  if (peer.ice.phase === 'connected') return peer.stalled ? 'reconnecting' : 'connected';
  return peer.ice.everConnected ? 'reconnecting' : 'connecting';
}

export function buildSnapshot(input: SnapshotInput): CallSnapshot {
  const { peers, me, media } = input;
  const phase: CallSnapshot['phase'] =
    input.forcedPhase ??
    (input.ended !== null
      ? 'ended'
      : !input.joinedOnce
        ? 'starting'
        : callPhase({
            link: input.signaling,
            peers: peers
              .filter((peer) => peer.away === null || peer.ice.phase === 'connected')
              .map((peer) => ({ ice: peer.ice.phase, everConnected: peer.ice.everConnected, mediaStalled: peer.stalled })),
          }));
  const quality = worstVerdict(peers);
  const decisions = peers.map((peer) => peer.decision).filter((d): d is AdaptationDecision => d !== null);
  const worstDecision = decisions.sort((a, b) => b.level - a.level)[0] ?? null;
  const applied = peers.map((peer) => peer.link.currentEncoding()?.maxBitrate).find((v) => v !== undefined) ?? null;
  const audioOnly = anyAudioOnly(peers);
  const participants: ParticipantView[] = [
    {
      participantId: me.participantId,
      username: me.username,
      role: me.role,
      me: true,
      status: 'connected',
      stream: null,
      media: { cameraOff: media.cameraOff, audioOnly, muted: media.muted },
      quality: quality?.level ?? null,
    },
    ...peers.map((peer): ParticipantView => ({
      ...peer.info,
      me: false,
      status: participantStatus(peer),
      stream: peer.stream,
      media: peer.media,
      quality: peer.verdict?.level ?? null,
    })),
  ];
  return {
    roomId: input.roomId,
    caseId: input.caseId,
    phase,
    signaling: input.signaling,
    me,
    participants,
    localStream: media.isStopped ? null : media.stream,
    micMuted: media.muted,
    cameraOff: media.cameraOff,
    facing: media.facing,
    canSwitchCamera: input.canSwitchCamera,
    noiseReduction: media.noiseReduction,
    quality,
    qualityText: describeQuality(quality),
    encoding: worstDecision === null ? null : { ...worstDecision, appliedMaxBitrate: applied },
    audioOnly,
    chat: input.chat.entries,
    unreadChat: input.chat.unread,
    stillRequest: input.stills.request,
    stills: stillList(input.stills),
    photosVersion: input.stills.photosVersion,
    reconnects: input.reconnects,
    connectedAt: input.connectedAt,
    error: input.error,
    ended: input.ended,
  };
}
