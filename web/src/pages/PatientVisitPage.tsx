import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { Visit } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { CallView } from '../call/CallView.tsx';
import { EndedSummary } from '../call/EndedSummary.tsx';
import { RateVisit } from '../feedback/RateVisit.tsx';
import { canRate } from '../feedback/rating.ts';
import { iceServersFor, setCurrentCall } from '../call/hub.ts';
import { callLog } from '../call/log.ts';
import { LocalMedia } from '../call/media.ts';
import { PreCallCheck } from '../call/PreCallCheck.tsx';
import { CallSession, type EndedInfo } from '../call/session.ts';
import { defaultSiteFor, useBodySites, useKeepAwakeDuringCall, useSignaling } from '../call/useCallSupport.ts';
import { useCallSnapshot, useEndCallOnLeave } from '../call/useCallSession.ts';
import { VideoTile } from '../call/VideoTile.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { useCaseDetail } from '../hooks.ts';
import { i18next } from '../i18n/index.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

type Stage =
  | { name: 'check' }
  | { name: 'requesting' }
  | { name: 'waiting'; visit: Visit }
  | { name: 'call'; session: CallSession }
  | { name: 'over'; reason: 'declined' | 'cancelled' | 'expired' }
  | { name: 'ended'; info: EndedInfo | null; roomId: string };

const WAITING_POLL_MS = 10_000;

function formatWait(seconds: number): string {
  if (seconds < 60) return i18next.t('call:visit.lessThanMinute');
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? i18next.t('call:visit.aboutOneMinute') : i18next.t('call:visit.aboutMinutes', { minutes });
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <span data-testid="waiting-elapsed">
      {Math.floor(seconds / 60)}:{String(seconds % 60).padStart(2, '0')}
    </span>
  );
}

/**
 * Patient, phone first: check camera, microphone, speaker and network; ask for a video visit;
 * wait (self-preview, place in the queue, estimated wait, cancel); then the call.
 */
export function PatientVisitPage() {
  const { t } = useTranslation('call');
  const { caseId = '' } = useParams();
  const { api } = useServices();
  const me = useSignedInUser();
  const { client, state: linkState } = useSignaling();
  const sites = useBodySites();
  const [media, setMedia] = useState<LocalMedia | null>(null);
  const [mediaError, setMediaError] = useState<unknown>(null);
  const [mediaAttempt, setMediaAttempt] = useState(0);
  const [stage, setStage] = useState<Stage>({ name: 'check' });
  const [error, setError] = useState<unknown>(null);
  const [speakerId, setSpeakerId] = useState('');
  const [waitingSince, setWaitingSince] = useState(() => Date.now());
  const iceServers = useRef<Promise<RTCIceServer[] | undefined> | null>(null);
  const adopted = useRef<LocalMedia | null>(null);
  const starting = useRef<string | null>(null);

  const preview = useMemo(() => media?.previewStream() ?? null, [media]);
  const session = stage.name === 'call' ? stage.session : null;
  const snapshot = useCallSnapshot(session);
  useEndCallOnLeave(session);
  useKeepAwakeDuringCall(session !== null);

  const clinicalCase = useCaseDetail(caseId).data ?? null;

  // Camera and microphone for the check, the waiting room's self-view and then the call.
  const needsMedia = stage.name === 'check' || stage.name === 'requesting' || stage.name === 'waiting';
  useEffect(() => {
    if (!needsMedia) return undefined;
    let opened: LocalMedia | null = null;
    let cancelled = false;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- clears the last attempt's camera error as this effect opens the camera again (an external system)
    setMediaError(null);
    LocalMedia.open().then(
      (local) => {
        if (cancelled) {
          local.stop();
          return;
        }
        opened = local;
        setMedia(local);
      },
      (failure: unknown) => !cancelled && setMediaError(failure),
    );
    return () => {
      cancelled = true;
      // Handed to the call: the call releases it. Otherwise the camera goes off here.
      if (opened !== null && adopted.current !== opened) opened.stop();
      setMedia((current) => (current === opened ? null : current));
    };
  }, [needsMedia, mediaAttempt]);

  const startCall = useCallback(
    async (roomId: string) => {
      // The admitted notice and the status poll may both report the start: one call only.
      if (client === null || media === null || starting.current === roomId) return;
      starting.current = roomId;
      adopted.current = media;
      const servers = (await iceServers.current?.catch(() => undefined)) ?? undefined;
      const call = new CallSession({
        api,
        signaling: client,
        roomId,
        caseId,
        me: { userId: me.userId, username: me.username, role: 'patient' },
        media,
        iceServers: servers,
        onEnded: (info) => setStage({ name: 'ended', info, roomId }),
      });
      setCurrentCall(call);
      setStage({ name: 'call', session: call });
      callLog('joining');
      void call.start();
    },
    [api, caseId, client, me, media],
  );

  const waitingRoom = stage.name === 'waiting' ? stage.visit.roomId : null;

  // Live notices while waiting: admitted, declined, expired.
  useEffect(() => {
    if (client === null || waitingRoom === null) return undefined;
    return client.on((frame) => {
      if (!('roomId' in frame) || frame.roomId !== waitingRoom) return;
      if (frame.type === 'visit.admitted') {
        callLog('admitted by the doctor');
        void startCall(waitingRoom);
      }
      else if (frame.type === 'visit.declined') setStage({ name: 'over', reason: 'declined' });
      else if (frame.type === 'visit.ended') setStage({ name: 'over', reason: 'expired' });
    });
  }, [client, waitingRoom, startCall]);

  // The queue position, and a safety net for a notice lost while the socket was down.
  useEffect(() => {
    if (waitingRoom === null) return undefined;
    let cancelled = false;
    const poll = () =>
      api.getVisit(waitingRoom).then(
        (visit) => {
          if (cancelled) return;
          if (visit.status === 'active') void startCall(waitingRoom);
          else if (visit.status === 'ended') setStage({ name: 'over', reason: visit.endReason === 'declined' ? 'declined' : 'expired' });
          else setStage((current) => (current.name === 'waiting' ? { name: 'waiting', visit } : current));
        },
        (failure: unknown) => !cancelled && setError(failure),
      );
    const timer = setInterval(() => void poll(), WAITING_POLL_MS);
    if (linkState === 'open') void poll();
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, waitingRoom, startCall, linkState]);

  const requestVisit = async () => {
    setError(null);
    starting.current = null;
    setStage({ name: 'requesting' });
    iceServers.current = iceServersFor(api, me.userId).catch(() => undefined);
    try {
      const visit = await api.requestVisit(caseId);
      if (visit.status === 'active') {
        await startCall(visit.roomId);
      } else if (visit.status === 'waiting') {
        setWaitingSince(Date.now() - (visit.waitedSeconds ?? 0) * 1000);
        setStage({ name: 'waiting', visit });
      } else {
        setStage({ name: 'over', reason: 'expired' });
      }
    } catch (failure) {
      setError(failure);
      setStage({ name: 'check' });
    }
  };

  const cancel = async () => {
    if (stage.name !== 'waiting') return;
    try {
      await api.cancelVisit(stage.visit.roomId);
      setStage({ name: 'over', reason: 'cancelled' });
    } catch (failure) {
      setError(failure);
    }
  };

  const back = (
    <Link className="button button--secondary button--block" to={casePath(caseId)} data-testid="visit-back">
      {t('visit.backToCase')}
    </Link>
  );

  return (
    <div className={`visit-page visit-page--${stage.name}`} data-testid="visit-page" data-stage={stage.name}>
      {stage.name !== 'call' && (
        <nav aria-label={t('visit.back')}>
          <Link className="back-link" to={casePath(caseId)}>
            ← {clinicalCase !== null ? <span translate="no">{clinicalCase.condition}</span> : t('visit.myCase')}
          </Link>
        </nav>
      )}
      {error !== null && <ErrorBanner error={error} />}

      {(stage.name === 'check' || stage.name === 'requesting') && (
        <>
          <h1>
            {t('visit.title')}
            {clinicalCase !== null && (
              <>
                : <span translate="no">{clinicalCase.condition}</span>
              </>
            )}
          </h1>
          <PreCallCheck
            api={api}
            media={media}
            mediaError={mediaError}
            onRetry={() => setMediaAttempt((count) => count + 1)}
            signalingOpen={linkState === 'open'}
            speakerId={speakerId}
            onSpeakerChange={setSpeakerId}
          />
          <button
            type="button"
            className="button button--primary button--block button--large"
            disabled={media === null || client === null || stage.name === 'requesting'}
            onClick={() => void requestVisit()}
            data-testid="visit-request"
          >
            {stage.name === 'requesting' ? t('visit.asking') : t('visit.ask')}
          </button>
        </>
      )}

      {stage.name === 'waiting' && (
        <section className="waiting-room" aria-labelledby="waiting-title" data-testid="waiting-room">
          <h1 id="waiting-title">{t('visit.waitingTitle')}</h1>
          <VideoTile stream={preview} muted mirror className="waiting-room__preview" testId="waiting-preview" label={t('visit.preview')} />
          <dl className="facts waiting-room__facts">
            <div>
              <dt>{t('visit.yourPlace')}</dt>
              <dd data-testid="waiting-position">
                {stage.visit.position !== undefined
                  ? stage.visit.position === 1
                    ? t('visit.next')
                    : t('visit.position', { position: stage.visit.position })
                  : t('visit.inQueue')}
              </dd>
            </div>
            <div>
              <dt>{t('visit.estimatedWait')}</dt>
              <dd data-testid="waiting-eta">
                {stage.visit.estimatedWaitSeconds !== undefined ? formatWait(stage.visit.estimatedWaitSeconds) : t('visit.fewMinutes')}
              </dd>
            </div>
            <div>
              <dt>{t('visit.waitingFor')}</dt>
              <dd>
                <Elapsed since={waitingSince} />
              </dd>
            </div>
          </dl>
          <p className="waiting-room__hint" role="status">
            {linkState === 'open' ? t('visit.keepOpen') : t('visit.reconnecting')}
          </p>
          <button type="button" className="button button--secondary button--block" onClick={() => void cancel()} data-testid="visit-cancel">
            {t('visit.cancel')}
          </button>
        </section>
      )}

      {stage.name === 'call' && snapshot !== null && (
        <CallView session={stage.session} sites={sites} defaultSite={defaultSiteFor(sites, clinicalCase?.bodySites ?? [])} sinkId={speakerId} />
      )}

      {stage.name === 'over' && (
        <section className="call-ended" data-testid="visit-over" data-reason={stage.reason}>
          <h1>
            {t(`visit.over.${stage.reason}`)}
          </h1>
          <p>{t('visit.askAgainHint')}</p>
          <button
            type="button"
            className="button button--primary button--block"
            onClick={() => {
              setStage({ name: 'check' });
              setMediaAttempt((count) => count + 1);
            }}
          >
            {t('visit.askAgain')}
          </button>
          {back}
        </section>
      )}

      {stage.name === 'ended' && (
        <EndedSummary info={stage.info}>
          {back}
          {canRate(stage.info?.reason) && <RateVisit roomId={stage.roomId} caseId={caseId} />}
        </EndedSummary>
      )}
    </div>
  );
}
