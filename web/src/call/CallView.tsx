import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
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

function QualityBadge({ snapshot }: { snapshot: CallSnapshot }) {
  const { t } = useTranslation('call');
  const level = snapshot.quality?.level ?? 'unknown';
  const label = level === 'unknown' ? t('quality.checking') : t(`quality.label.${level}`);
  return (
    <span className={`quality quality--${level}`} role="status" aria-label={label} title={snapshot.qualityText} data-testid="call-quality" data-quality={level}>
      <Icon name="signal" size={20} />
      <span className="quality__text">{level === 'unknown' ? '…' : t(`quality.short.${level}`)}</span>
    </span>
  );
}

function EncodingInfo({ snapshot }: { snapshot: CallSnapshot }) {
  const { t } = useTranslation('call');
  const encoding = snapshot.encoding;
  if (encoding === null) return null;
  const text = encoding.audioOnly
    ? t('encoding.audioOnly')
    : `${encoding.scaleResolutionDownBy === 1 ? t('encoding.full') : t('encoding.scaled', { factor: encoding.scaleResolutionDownBy })} · ${Math.round(encoding.maxBitrate / 1000)} kbps`;
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
  const { t } = useTranslation('call');
  const noVideo = participant.media.cameraOff || participant.media.audioOnly || participant.stream === null;
  const name = useDisplayName(participant.participantId, t('participants.fallbackName'));
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
        label={t('remote.videoOf', { name })}
        sinkId={sinkId}
        {...(videoRef !== undefined ? { videoRef } : {})}
      />
      {noVideo && (
        <div className="remote__placeholder" aria-hidden="true">
          <span className="remote__initial" translate="no">
            {name.charAt(0).toUpperCase()}
          </span>
          <span>
            {participant.stream === null
              ? t('remote.connecting')
              : participant.media.audioOnly
                ? t('remote.audioOnly')
                : t('remote.cameraOff')}
          </span>
        </div>
      )}
      <span className="remote__name">
        <span translate="no">
          <ParticipantName userId={participant.participantId} />
        </span>
        {participant.media.muted ? t('remote.mutedSuffix') : ''}
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
  const { t } = useTranslation('call');
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

  return (
    <section className={`call call--${snapshot.me.role}`} aria-label={t('view.label')} data-testid="call" data-phase={snapshot.phase}>
      <div className="call__stage">
        {main !== undefined ? (
          <RemoteTile participant={main} large sinkId={sinkId} videoRef={(element) => (mainVideo.current = element)} />
        ) : (
          <div className="call__waiting" role="status">
            <span className="loading__spinner" aria-hidden="true" /> {doctor ? t('view.waitingForPatient') : t('view.waitingForDoctor')}
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
          label={t('view.yourCamera')}
        />
        <div className="call__topbar">
          <QualityBadge snapshot={snapshot} />
          {snapshot.connectedAt !== null && (
            <span className="call__timer" aria-label={t('view.duration')} data-testid="call-timer">
              {formatDuration(now - snapshot.connectedAt)}
            </span>
          )}
          {doctor && <EncodingInfo snapshot={snapshot} />}
        </div>
        <div className="call__banners">
          {snapshot.phase === 'reconnecting' && (
            <p className="banner banner--reconnecting" role="status" data-testid="call-reconnecting">
              <span className="loading__spinner" aria-hidden="true" /> {t('view.reconnecting')}
            </p>
          )}
          {snapshot.phase === 'failed' && (
            <p className="banner banner--error" role="alert" data-testid="call-failed">
              {t('view.failed')}
            </p>
          )}
          {snapshot.phase !== 'reconnecting' && snapshot.quality?.level === 'poor' && (
            <p className="banner banner--warning" role="alert" data-testid="call-network-warning">
              {snapshot.qualityText}
            </p>
          )}
          {snapshot.audioOnly && (
            <p className="banner banner--warning" role="status" data-testid="call-audio-only">
              {t('view.audioOnly')}
            </p>
          )}
          {snapshot.signaling === 'backoff' && snapshot.phase === 'connected' && (
            <p className="banner banner--quiet" role="status" data-testid="call-signaling-down">
              {t('view.signalingDown')}
            </p>
          )}
          {snapshot.error !== null && (
            <p className="banner banner--error" role="alert" data-testid="call-error">
              {snapshot.error}{' '}
              <button type="button" className="banner__dismiss" onClick={() => session.clearError()} aria-label={t('view.dismiss')}>
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

      <div className="call__controls" role="toolbar" aria-label={t('controls.label')}>
        <ControlButton
          icon={snapshot.micMuted ? 'micOff' : 'mic'}
          label={snapshot.micMuted ? t('controls.unmute') : t('controls.mute')}
          pressed={snapshot.micMuted}
          onClick={() => session.toggleMute()}
          testId="call-mute"
        />
        <ControlButton
          icon={snapshot.cameraOff ? 'cameraOff' : 'camera'}
          label={snapshot.cameraOff ? t('controls.cameraOn') : t('controls.cameraOff')}
          pressed={snapshot.cameraOff}
          onClick={() => session.toggleCamera()}
          testId="call-camera"
        />
        {snapshot.canSwitchCamera && (
          <ControlButton
            icon="switchCamera"
            label={snapshot.facing === 'user' ? t('controls.switchBack') : t('controls.switchFront')}
            onClick={() => void session.switchCamera()}
            testId="call-switch-camera"
          />
        )}
        <ControlButton
          icon="noise"
          label={snapshot.noiseReduction ? t('controls.noiseOff') : t('controls.noiseOn')}
          pressed={snapshot.noiseReduction}
          onClick={() => void session.setNoiseReduction(!snapshot.noiseReduction)}
          testId="call-noise"
        />
        <ControlButton icon="chat" label={t('controls.chat')} pressed={panel === 'chat'} onClick={() => toggle('chat')} testId="call-chat-toggle" badge={panel === 'chat' ? 0 : snapshot.unreadChat} />
        <ControlButton
          icon="capture"
          label={doctor ? t('controls.captureDoctor') : t('controls.capturePatient')}
          pressed={panel === 'still'}
          onClick={() => toggle('still')}
          testId="call-capture"
        />
        {pipSupported && <ControlButton icon="pip" label={t('controls.pip')} onClick={() => void pictureInPicture()} testId="call-pip" disabled={main === undefined} />}
        <ControlButton icon="people" label={t('controls.participants')} pressed={panel === 'people'} onClick={() => toggle('people')} testId="call-participants-toggle" />
        <ControlButton icon="hangUp" label={t('controls.hangUp')} danger onClick={() => void session.hangUp()} testId="call-hangup" />
      </div>

    </section>
  );
}
