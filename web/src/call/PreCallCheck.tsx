import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiClient } from '../api/client.ts';
import { LevelMeter, playTestTone } from './audio.ts';
import { MediaAccessError, type LocalMedia } from './media.ts';
import { detectPlatform, mediaHelp, type MediaHelp } from './mediaErrors.ts';
import { median } from './quality.ts';
import { VideoTile } from './VideoTile.tsx';
import './call.css';

type CheckStatus = 'pending' | 'ok' | 'warning' | 'error';

function platform() {
  return detectPlatform(navigator.userAgent, navigator.maxTouchPoints ?? 0);
}

export function helpFor(error: unknown): MediaHelp {
  if (error instanceof MediaAccessError) return mediaHelp(error.problem, platform(), error.device);
  return mediaHelp('unknown', platform());
}

function CheckRow({ name, status, testId, children }: { name: string; status: CheckStatus; testId: string; children: React.ReactNode }) {
  const { t } = useTranslation('call');
  const mark = { pending: '…', ok: '✓', warning: '!', error: '✕' }[status];
  return (
    <li className={`check check--${status}`} data-testid={testId} data-status={status}>
      <span className="check__mark" aria-hidden="true">
        {mark}
      </span>
      <div className="check__body">
        <span className="check__name">
          {name}
          <span className="visually-hidden">: {t(`precall.checkStatus.${status}`)}</span>
        </span>
        {children}
      </div>
    </li>
  );
}

function MicMeter({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation('call');
  const [level, setLevel] = useState(0);
  const [heard, setHeard] = useState(false);
  useEffect(() => {
    if (track === null) return undefined;
    const meter = LevelMeter.create(track);
    if (meter === null) return undefined;
    const timer = setInterval(() => {
      const value = meter.level();
      setLevel(value);
      if (value > 0.25) setHeard(true);
    }, 100);
    // Phones start Web Audio only after a tap: the first one anywhere wakes the meter up.
    const wake = () => meter.resume();
    window.addEventListener('pointerdown', wake, { once: true });
    return () => {
      clearInterval(timer);
      window.removeEventListener('pointerdown', wake);
      meter.close();
    };
  }, [track]);
  return (
    <>
      <span className="meter" role="meter" aria-label={t('precall.micLevel')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(level * 100)}>
        <span className="meter__fill" style={{ width: `${Math.round(level * 100)}%` }} />
      </span>
      <span className="check__hint">{heard ? t('precall.heard') : t('precall.saySomething')}</span>
    </>
  );
}

/** The result as a text key (call:precall.network.*), so a change of language re-words it. */
type NetworkResult = { status: CheckStatus; text: 'checking' | 'offline' | 'unreachable' | 'slow' | 'ok'; ms?: number };

async function measureNetwork(api: ApiClient): Promise<NetworkResult> {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    return { status: 'error', text: 'offline' };
  }
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    try {
      await api.health();
      times.push(performance.now() - started);
    } catch {
      return { status: 'error', text: 'unreachable' };
    }
  }
  const rtt = median(times) ?? 0;
  if (rtt > 600) return { status: 'warning', text: 'slow', ms: Math.round(rtt) };
  return { status: 'ok', text: 'ok', ms: Math.round(rtt) };
}

interface PreCallCheckProps {
  api: ApiClient;
  media: LocalMedia | null;
  mediaError: unknown;
  onRetry: () => void;
  /** Whether the live-notice socket is connected (needed to hear that the doctor admitted us). */
  signalingOpen: boolean;
  speakerId: string;
  onSpeakerChange: (id: string) => void;
}

/** Camera, microphone, speaker and network, with specific help when something is wrong. */
export function PreCallCheck({ api, media, mediaError, onRetry, signalingOpen, speakerId, onSpeakerChange }: PreCallCheckProps) {
  const { t } = useTranslation('call');
  const [network, setNetwork] = useState<NetworkResult>({ status: 'pending', text: 'checking' });
  const [speakers, setSpeakers] = useState<MediaDeviceInfo[]>([]);
  const [tone, setTone] = useState<'idle' | 'playing' | 'played' | 'confirmed' | 'failed'>('idle');
  // A new stream for each camera track (switching cameras replaces the track).
  const videoTrack = media?.videoTrack ?? null;
  const preview = useMemo(() => (media === null || videoTrack === null ? null : media.previewStream()), [media, videoTrack]);

  useEffect(() => {
    let cancelled = false;
    void measureNetwork(api).then((result) => !cancelled && setNetwork(result));
    return () => {
      cancelled = true;
    };
  }, [api]);

  useEffect(() => {
    if (media === null || typeof navigator.mediaDevices?.enumerateDevices !== 'function') return;
    void navigator.mediaDevices.enumerateDevices().then((devices) => setSpeakers(devices.filter((d) => d.kind === 'audiooutput')));
  }, [media]);

  const help = mediaError !== null && mediaError !== undefined ? helpFor(mediaError) : null;
  const cameraFailed = help !== null && (help.problem === 'unsupported' || help.problem === 'insecure' || (mediaError instanceof MediaAccessError && mediaError.device !== 'microphone'));
  const micFailed = help !== null && (!(mediaError instanceof MediaAccessError) || mediaError.device !== 'camera');
  const sinkSelectable = typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId === 'function' && speakers.length > 1;

  const testSpeaker = async () => {
    setTone('playing');
    try {
      await playTestTone(speakerId);
      setTone('played');
    } catch {
      setTone('failed');
    }
  };

  const networkStatus: CheckStatus = network.status === 'ok' && !signalingOpen ? 'pending' : network.status;

  return (
    <section className="precall" aria-labelledby="precall-title" data-testid="precall">
      <h2 id="precall-title" className="precall__title">
        {t('precall.title')}
      </h2>
      <div className="precall__preview">
        {media !== null ? (
          <VideoTile stream={preview} muted mirror testId="precall-preview" label={t('precall.preview')} className="precall__video" />
        ) : (
          <div className="precall__video precall__video--empty" aria-hidden="true">
            {help === null ? t('precall.startingCamera') : t('precall.noPicture')}
          </div>
        )}
      </div>

      {help !== null && (
        <div className="media-help" role="alert" data-testid="precall-help" data-problem={help.problem}>
          <p className="media-help__title">{help.title}</p>
          <ol className="media-help__steps">
            {help.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
          {help.problem !== 'unsupported' && help.problem !== 'insecure' && (
            <button type="button" className="button button--primary" onClick={onRetry} data-testid="precall-retry">
              {t('precall.tryAgain')}
            </button>
          )}
        </div>
      )}

      <ul className="checks">
        <CheckRow name={t('precall.camera')} status={media !== null ? 'ok' : cameraFailed ? 'error' : 'pending'} testId="precall-camera">
          <span className="check__hint">
            {media !== null ? t('precall.seeYourself') : cameraFailed ? help?.title : t('precall.starting')}
          </span>
        </CheckRow>
        <CheckRow name={t('precall.microphone')} status={media !== null ? 'ok' : micFailed ? 'error' : 'pending'} testId="precall-mic">
          {media !== null ? <MicMeter track={media.rawAudioTrack} /> : <span className="check__hint">{micFailed ? help?.title : t('precall.starting')}</span>}
        </CheckRow>
        <CheckRow
          name={t('precall.speaker')}
          status={tone === 'confirmed' ? 'ok' : tone === 'failed' ? 'warning' : 'pending'}
          testId="precall-speaker"
        >
          {sinkSelectable && (
            <label className="field precall__speaker-select">
              <span className="visually-hidden">{t('precall.speaker')}</span>
              <select className="field__input" value={speakerId} onChange={(event) => onSpeakerChange(event.target.value)}>
                {speakers.map((device, index) => (
                  <option key={device.deviceId || index} value={device.deviceId} translate={device.label ? 'no' : undefined}>
                    {device.label || t('precall.speakerN', { n: index + 1 })}
                  </option>
                ))}
              </select>
            </label>
          )}
          <span className="check__actions">
            <button type="button" className="button button--secondary" onClick={() => void testSpeaker()} disabled={tone === 'playing'} data-testid="precall-speaker-test">
              {tone === 'playing' ? t('precall.playing') : t('precall.playTest')}
            </button>
            {(tone === 'played' || tone === 'confirmed') && (
              <button type="button" className="button button--secondary" onClick={() => setTone('confirmed')} aria-pressed={tone === 'confirmed'} data-testid="precall-speaker-ok">
                {t('precall.heardIt')}
              </button>
            )}
          </span>
          {tone === 'played' && <span className="check__hint">{t('precall.noSound')}</span>}
          {tone === 'failed' && <span className="check__hint">{t('precall.soundFailed')}</span>}
        </CheckRow>
        <CheckRow name={t('precall.networkName')} status={networkStatus} testId="precall-network">
          <span className="check__hint">{network.status === 'ok' && !signalingOpen ? t('precall.network.waitingRoom') : t(`precall.network.${network.text}`, { ms: network.ms })}</span>
        </CheckRow>
      </ul>
    </section>
  );
}
