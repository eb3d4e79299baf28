import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { CallView } from '../call/CallView.tsx';
import { CasePanel } from '../call/CasePanel.tsx';
import { EndedSummary } from '../call/EndedSummary.tsx';
import { RateVisit } from '../feedback/RateVisit.tsx';
import { canRate } from '../feedback/rating.ts';
import { currentCall, iceServersFor, setCurrentCall } from '../call/hub.ts';
import { LocalMedia } from '../call/media.ts';
import { helpFor } from '../call/PreCallCheck.tsx';
import { CallSession } from '../call/session.ts';
import { defaultSiteFor, useBodySites, useKeepAwakeDuringCall, useSignaling } from '../call/useCallSupport.ts';
import { useCallSnapshot, useEndCallOnLeave } from '../call/useCallSession.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { useCaseDetail } from '../hooks.ts';
import { casePath, PATHS } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

/**
 * The call at /visits/:roomId. The doctor arrives here from the queue (the call is already
 * starting); anyone may also open it directly, e.g. after reloading the page mid-call: it then
 * joins the room again, which resumes this person's place.
 */
export function CallPage() {
  const { t } = useTranslation('call');
  const { roomId = '' } = useParams();
  const location = useLocation();
  const { api } = useServices();
  const me = useSignedInUser();
  const { client } = useSignaling();
  const sites = useBodySites();
  const [session, setSession] = useState<CallSession | null>(() => currentCall(roomId));
  const [mediaError, setMediaError] = useState<unknown>(() => mediaErrorFrom(location.state));
  const [attempt, setAttempt] = useState(0);
  const snapshot = useCallSnapshot(session);
  useEndCallOnLeave(session);
  useKeepAwakeDuringCall(session !== null && snapshot?.phase !== 'ended');

  // Only without a call in this tab (reload, link) is the visit looked up: the call set-up must not
  // queue behind page loads.
  const haveSession = session !== null;
  const visitQuery = useQuery({
    queryKey: queryKeys.visit(roomId),
    queryFn: ({ signal }) => api.getVisit(roomId, signal),
    enabled: !haveSession,
    // A visit's state moves on its own: never start from a copy kept from an earlier look.
    gcTime: 0,
  });
  const visit = visitQuery.data ?? null;
  const error = visitQuery.error;
  const caseId = snapshot?.caseId ?? visit?.caseId ?? null;

  const settled = snapshot === null || snapshot.phase !== 'starting';
  // The case waits for the call set-up too; without it the page still works (no names of sites).
  const clinicalCase = useCaseDetail(caseId ?? '', caseId !== null && settled).data ?? null;

  // No call in this tab yet (reload, link): join it if it is on.
  useEffect(() => {
    if (session !== null || client === null || visit === null || visit.status !== 'active') return undefined;
    let cancelled = false;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- clears the last attempt's camera error as this effect opens the camera again (an external system)
    setMediaError(null);
    void (async () => {
      // The ICE servers are fetched while the camera opens (one round trip less before the join).
      const iceServers = iceServersFor(api, me.userId).catch(() => undefined);
      let media: LocalMedia;
      try {
        media = await LocalMedia.open();
      } catch (failure) {
        if (!cancelled) setMediaError(failure);
        return;
      }
      if (cancelled) {
        media.stop();
        return;
      }
      const servers = await iceServers;
      if (cancelled) {
        media.stop();
        return;
      }
      const call = new CallSession({
        api,
        signaling: client,
        roomId,
        caseId: visit.caseId,
        me: { userId: me.userId, username: me.username, role: me.role === 'doctor' ? 'doctor' : 'patient' },
        media,
        iceServers: servers,
      });
      setCurrentCall(call);
      setSession(call);
      void call.start();
    })();
    return () => {
      cancelled = true;
    };
  }, [api, client, me, roomId, session, visit, attempt]);

  const doctor = me.role === 'doctor';
  const ended = snapshot?.phase === 'ended' || (session === null && visit?.status === 'ended');
  const backLink = doctor ? (
    <Link className="button button--primary" to={PATHS.doctorVisits} data-testid="call-back-to-queue">
      {t('callPage.backToQueue')}
    </Link>
  ) : caseId !== null ? (
    <Link className="button button--primary" to={casePath(caseId)}>
      {t('callPage.backToCase')}
    </Link>
  ) : null;

  if (ended) {
    return (
      <div className="call-page">
        <EndedSummary info={snapshot?.ended ?? { reason: visit?.endReason ?? 'ended', byMe: false, summary: null, summaryPosted: false }}>
          <div className="call-ended__actions">
            {backLink}
            {caseId !== null && (
              <Link className="button button--secondary" to={casePath(caseId)} data-testid="call-open-case">
                {t('callPage.openCase')}
              </Link>
            )}
          </div>
          {!doctor && canRate(snapshot?.ended?.reason ?? visit?.endReason) && (
            <RateVisit roomId={roomId} caseId={caseId} />
          )}
        </EndedSummary>
      </div>
    );
  }

  const help = mediaError !== null ? helpFor(mediaError) : null;
  return (
    <div className={`call-page${doctor ? ' call-page--desk' : ''}`} data-testid="call-page">
      {error !== null && <ErrorBanner error={error} />}
      {help !== null && (
        <div className="media-help" role="alert" data-testid="call-media-help">
          <p className="media-help__title">{help.title}</p>
          <ol className="media-help__steps">
            {help.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
          <button type="button" className="button button--primary" onClick={() => setAttempt((count) => count + 1)}>
            {t('callPage.tryAgain')}
          </button>
        </div>
      )}
      {visit !== null && visit.status === 'waiting' && session === null && (
        <p className="notice" role="status">
          {t('callPage.notStarted')} {doctor ? t('callPage.admitHint') : t('callPage.waitHint')}
        </p>
      )}
      {session === null && help === null && error === null && visit?.status !== 'waiting' && <Loading label={t('callPage.joining')} />}
      {session !== null && (
        <div className="call-layout">
          <CallView session={session} sites={sites} defaultSite={defaultSiteFor(sites, clinicalCase?.bodySites ?? [])} />
          {doctor && caseId !== null && (
            <CasePanel caseId={caseId} photosVersion={snapshot?.photosVersion ?? 0} sites={sites} clinicalCase={clinicalCase} ready={snapshot?.phase !== 'connecting' && settled} />
          )}
        </div>
      )}
    </div>
  );
}

/** The camera failure the queue page hands over when it admitted without one (router state is untyped). */
function mediaErrorFrom(state: unknown): unknown {
  return typeof state === 'object' && state !== null && 'mediaError' in state ? state.mediaError : null;
}
