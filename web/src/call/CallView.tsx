import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { BodySite } from '../api/types.ts';
import { ChatPanel, ParticipantName, ParticipantsPanel, StillPanel, StillPrompt } from './CallPanels.tsx';
import { useDisplayName } from '../data/index.ts';
import { Icon, type IconName } from './icons.tsx';
import type { CallSession, CallSnapshot, ParticipantView } from './session.ts';
import { VideoTile } from './VideoTile.tsx';
import './call.css';

type Panel = 'none' | 'chat' | 'people' | 'still';

interface CallViewProps {
  session: CallSession;
  /** The body-site vocabulary (GET /body-sites), for stills. */
  sites: readonly BodySite[];
  defaultSite: string;
  /** Speaker chosen in the pre-call check. */
  sinkId?: string | undefined;
}

function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const QUALITY_LABEL = { good: 'Good connection', fair: 'Fair connection', poor: 'Poor connection' } as const;

function QualityBadge({ snapshot }: { snapshot: CallSnapshot }) {
  const level = snapshot.quality?.level ?? 'unknown';
  const label = level === 'unknown' ? 'Checking the connection' : QUALITY_LABEL[level];
  return (
    <span className={`quality quality--${level}`} role="status" aria-label={label} title={snapshot.qualityText} data-testid="call-quality" data-quality={level}>
      <Icon name="signal" size={20} />
      <span className="quality__text">{level === 'unknown' ? '…' : level[0]!.toUpperCase() + level.slice(1)}</span>
    </span>
  );
}

function EncodingInfo({ snapshot }: { snapshot: CallSnapshot }) {
  const encoding = snapshot.encoding;
  if (encoding === null) return null;
  const text = encoding.audioOnly
    ? 'Audio only'
    : `${encoding.scaleResolutionDownBy === 1 ? 'Full resolution' : `1/${encoding.scaleResolutionDownBy} resolution`} · ${Math.round(encoding.maxBitrate / 1000)} kbps`;
  return (
    <span
      className="encoding"
      data-testid="call-encoding"
      data-level={encoding.level}
      data-max-bitrate={encoding.maxBitrate}
      data-scale={encoding.scaleResolutionDownBy}
      data-audio-only={encoding.audioOnly}
    >
      {text}
    </span>
  );
}

function RemoteTile({ participant, large, sinkId, videoRef }: { participant: ParticipantView; large: boolean; sinkId?: string | undefined; videoRef?: (el: HTMLVideoElement | null) => void }) {
  const noVideo = participant.media.cameraOff || participant.media.audioOnly || participant.stream === null;
  const name = useDisplayName(participant.participantId, 'Participant');
  return (
    <div
      className={`remote${large ? ' remote--large' : ' remote--small'}`}
      data-testid="call-remote"
      data-participant={participant.participantId}
      data-role={participant.role}
      data-status={participant.status}
    >
      <VideoTile
        stream={participant.stream}
        testId="call-remote-video"
        label={`Video of ${name}`}
        sinkId={sinkId}
        {...(videoRef !== undefined ? { videoRef } : {})}
      />
      {noVideo && (
        <div className="remote__placeholder" aria-hidden="true">
          <span className="remote__initial">{name.charAt(0).toUpperCase()}</span>
          <span>
            {participant.stream === null
              ? 'Connecting…'
              : participant.media.audioOnly
                ? 'Video paused: weak connection'
                : 'Camera off'}
          </span>
        </div>
      )}
      <span className="remote__name">
        <ParticipantName userId={participant.participantId} />
        {participant.media.muted ? ' (muted)' : ''}
      </span>
    </div>
  );
}

function ControlButton({
  icon,
  label,
  onClick,
  pressed,
  testId,
  danger,
  disabled,
  badge,
}: {
  icon: IconName;
  label: string;
  onClick: () => void;
  pressed?: boolean;
  testId: string;
  danger?: boolean;
  disabled?: boolean;
  badge?: number;
}) {
  return (
    <button
      type="button"
      className={`control${danger === true ? ' control--danger' : ''}${pressed === true ? ' control--on' : ''}`}
      onClick={onClick}
      aria-label={label}
      title={label}
      {...(pressed !== undefined ? { 'aria-pressed': pressed } : {})}
      disabled={disabled}
      data-testid={testId}
    >
      <Icon name={icon} size={30} />
      {badge !== undefined && badge > 0 && (
        <span className="control__badge" data-testid={`${testId}-badge`}>
          {badge}
        </span>
      )}
    </button>
  );
}

export function CallView({ session, sites, defaultSite, sinkId }: CallViewProps) {
  const snapshot = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const [panel, setPanel] = useState<Panel>('none');
  const mainVideo = useRef<HTMLVideoElement | null>(null);
  const now = useNow(1000);
  const remotes = snapshot.participants.filter((participant) => !participant.me);
  const [main, ...others] = remotes;
  const doctor = snapshot.me.role === 'doctor';
  const pipSupported = typeof document !== 'undefined' && document.pictureInPictureEnabled === true;

  const toggle = (next: Panel) => setPanel((current) => (current === next ? 'none' : next));

  const pictureInPicture = async () => {
    try {
      if (document.pictureInPictureElement) await document.exitPictureInPicture();
      else await mainVideo.current?.requestPictureInPicture();
    } catch {
      // Refused (no video yet, or the browser's policy): nothing to do.
    }
  };

  const waitingFor = doctor ? 'the patient' : 'the doctor';
  return (
    <section className={`call call--${snapshot.me.role}`} aria-label="Video visit" data-testid="call" data-phase={snapshot.phase}>
      <div className="call__stage">
        {main !== undefined ? (
          <RemoteTile participant={main} large sinkId={sinkId} videoRef={(element) => (mainVideo.current = element)} />
        ) : (
          <div className="call__waiting" role="status">
            <span className="loading__spinner" aria-hidden="true" /> Waiting for {waitingFor} to join…
          </div>
        )}
        {others.length > 0 && (
          <div className="call__others">
            {others.map((participant) => (
              <RemoteTile key={participant.participantId} participant={participant} large={false} sinkId={sinkId} />
            ))}
          </div>
        )}
        <VideoTile
          stream={snapshot.localStream}
          muted
          mirror={snapshot.facing === 'user'}
          className={`call__self${snapshot.cameraOff ? ' call__self--off' : ''}`}
          testId="call-local-video"
          label="Your camera"
        />
        <div className="call__topbar">
          <QualityBadge snapshot={snapshot} />
          {snapshot.connectedAt !== null && (
            <span className="call__timer" aria-label="Call duration" data-testid="call-timer">
              {formatDuration(now - snapshot.connectedAt)}
            </span>
          )}
          {doctor && <EncodingInfo snapshot={snapshot} />}
        </div>
        <div className="call__banners">
          {snapshot.phase === 'reconnecting' && (
            <p className="banner banner--reconnecting" role="status" data-testid="call-reconnecting">
              <span className="loading__spinner" aria-hidden="true" /> Reconnecting… The call continues as soon as the connection is back.
            </p>
          )}
          {snapshot.phase === 'failed' && (
            <p className="banner banner--error" role="alert" data-testid="call-failed">
              The connection was lost. Check your internet connection, then reload this page to rejoin.
            </p>
          )}
          {snapshot.phase !== 'reconnecting' && snapshot.quality?.level === 'poor' && (
            <p className="banner banner--warning" role="alert" data-testid="call-network-warning">
              {snapshot.qualityText}
            </p>
          )}
          {snapshot.audioOnly && (
            <p className="banner banner--warning" role="status" data-testid="call-audio-only">
              Video is paused to keep the call going on this weak connection. It comes back by itself.
            </p>
          )}
          {snapshot.signaling === 'backoff' && snapshot.phase === 'connected' && (
            <p className="banner banner--quiet" role="status" data-testid="call-signaling-down">
              Reconnecting to DermaFollow… (the call itself goes on)
            </p>
          )}
          {snapshot.error !== null && (
            <p className="banner banner--error" role="alert" data-testid="call-error">
              {snapshot.error}{' '}
              <button type="button" className="banner__dismiss" onClick={() => session.clearError()} aria-label="Dismiss">
                ×
              </button>
            </p>
          )}
        </div>
        <StillPrompt session={session} snapshot={snapshot} sites={sites} />
        {panel === 'chat' && <ChatPanel session={session} snapshot={snapshot} onClose={() => setPanel('none')} />}
        {panel === 'people' && <ParticipantsPanel snapshot={snapshot} onClose={() => setPanel('none')} />}
        {panel === 'still' && <StillPanel session={session} snapshot={snapshot} sites={sites} defaultSite={defaultSite} onClose={() => setPanel('none')} />}
      </div>

      <div className="call__controls" role="toolbar" aria-label="Call controls">
        <ControlButton
          icon={snapshot.micMuted ? 'micOff' : 'mic'}
          label={snapshot.micMuted ? 'Unmute microphone' : 'Mute microphone'}
          pressed={snapshot.micMuted}
          onClick={() => session.toggleMute()}
          testId="call-mute"
        />
        <ControlButton
          icon={snapshot.cameraOff ? 'cameraOff' : 'camera'}
          label={snapshot.cameraOff ? 'Turn camera on' : 'Turn camera off'}
          pressed={snapshot.cameraOff}
          onClick={() => session.toggleCamera()}
          testId="call-camera"
        />
        {snapshot.canSwitchCamera && (
          <ControlButton
            icon="switchCamera"
            label={snapshot.facing === 'user' ? 'Switch to the back camera' : 'Switch to the front camera'}
            onClick={() => void session.switchCamera()}
            testId="call-switch-camera"
          />
        )}
        <ControlButton
          icon="noise"
          label={snapshot.noiseReduction ? 'Turn noise reduction off' : 'Turn noise reduction on'}
          pressed={snapshot.noiseReduction}
          onClick={() => void session.setNoiseReduction(!snapshot.noiseReduction)}
          testId="call-noise"
        />
        <ControlButton icon="chat" label="Chat" pressed={panel === 'chat'} onClick={() => toggle('chat')} testId="call-chat-toggle" badge={panel === 'chat' ? 0 : snapshot.unreadChat} />
        <ControlButton
          icon="capture"
          label={doctor ? 'Ask for a lesion photo' : 'Take a photo of the skin'}
          pressed={panel === 'still'}
          onClick={() => toggle('still')}
          testId="call-capture"
        />
        {pipSupported && <ControlButton icon="pip" label="Picture in picture" onClick={() => void pictureInPicture()} testId="call-pip" disabled={main === undefined} />}
        <ControlButton icon="people" label="Participants" pressed={panel === 'people'} onClick={() => toggle('people')} testId="call-participants-toggle" />
        <ControlButton icon="hangUp" label="Hang up" danger onClick={() => void session.hangUp()} testId="call-hangup" />
      </div>

    </section>
  );
}
