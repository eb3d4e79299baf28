import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import type { VisitQueueItem } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { iceServersFor, setCurrentCall } from '../call/hub.ts';
import { LocalMedia } from '../call/media.ts';
import { CallSession } from '../call/session.ts';
import { callLog } from '../call/log.ts';
import { useSignaling } from '../call/useCallSupport.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { nameOf, queryKeys, reloadChanged, usePeople } from '../data/index.ts';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { callPath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import '../call/call.css';

const QUEUE_POLL_MS = 15_000;

function waited(item: VisitQueueItem, loadedAt: number, now: number): string {
  const seconds = item.waitedSeconds + Math.max(0, Math.floor((now - loadedAt) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes === 0
    ? i18next.t('call:queue.seconds', { seconds })
    : i18next.t('call:queue.minutesSeconds', { minutes, seconds: String(seconds % 60).padStart(2, '0') });
}

/** Doctor's desk: the patients waiting for a video visit, live, with admit and decline. */
export function DoctorQueuePage() {
  const { t } = useTranslation('call');
  const { api } = useServices();
  const me = useSignedInUser();
  const navigate = useNavigate();
  const { client, state: linkState } = useSignaling();
  const queryClient = useQueryClient();
  const queueQuery = useQuery({
    queryKey: queryKeys.visitQueue(),
    queryFn: ({ signal }) => api.getVisitQueue(signal),
    refetchInterval: QUEUE_POLL_MS,
  });
  const queue = queueQuery.data?.items ?? null;
  const people = usePeople((queue ?? []).map((item) => item.patientId));
  const patientName = (item: VisitQueueItem): string => nameOf(people.get(item.patientId), t('queue.aPatient'));
  const loadedAt = queueQuery.dataUpdatedAt;
  const [now, setNow] = useState(() => Date.now());
  // A failed admit or decline; the queue's own failure is queueQuery.error.
  const [actionError, setActionError] = useState<unknown>(null);
  const error = actionError ?? queueQuery.error;
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(
    () => void reloadChanged(queryClient, queryKeys.visitQueue()),
    [queryClient],
  );

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    // Warm the ICE servers now, so admitting costs nothing extra.
    void iceServersFor(api, me.userId).catch(() => undefined);
    return () => clearInterval(tick);
  }, [api, me.userId]);

  // Live: a new request, a cancellation, or a colleague taking one.
  useEffect(() => {
    if (client === null) return undefined;
    return client.on((frame) => {
      if (frame.type === 'visit.waiting' || frame.type === 'visit.cancelled' || frame.type === 'queue.changed') load();
    });
  }, [client, load]);

  // Back online after a drop: catch up on what was missed.
  useEffect(() => {
    if (linkState === 'open') load();
  }, [linkState, load]);

  // Which case each request is about (condition): one query per case, shared with the case page.
  const caseIds = useMemo(() => [...new Set((queue ?? []).map((item) => item.caseId))], [queue]);
  const caseAnswers = useQueries({
    queries: caseIds.map((caseId) => ({
      queryKey: queryKeys.caseDetail(caseId),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.getCase(caseId, signal),
      // The case changes rarely while its patient waits; the queue itself is what moves.
      staleTime: QUEUE_POLL_MS,
    })),
  });
  const conditions = new Map(caseIds.map((caseId, index) => [caseId, caseAnswers[index]?.data?.condition]));

  const admit = async (item: VisitQueueItem) => {
    if (client === null) return;
    // eslint-disable-next-line react-hooks/purity -- an async click handler, never run during render
    const clicked = performance.now();
    setBusy(item.roomId);
    setNotice(null);
    setActionError(null);
    // Camera, ICE servers and the admit go in parallel: the clock of the call set-up is running.
    const media = LocalMedia.open().then(
      (local) => {
        callLog(`camera ready after ${Math.round(performance.now() - clicked)} ms`);
        return { local, failure: null };
      },
      (failure: unknown) => ({ local: null, failure }),
    );
    const iceServers = iceServersFor(api, me.userId).catch(() => undefined);
    try {
      await api.admitVisit(item.roomId);
      // eslint-disable-next-line react-hooks/purity -- (the same click handler)
      callLog(`admitted after ${Math.round(performance.now() - clicked)} ms`);
    } catch (failure) {
      void media.then(({ local }) => local?.stop());
      setBusy(null);
      if (failure instanceof ApiError && failure.code === 'visit_state_changed') {
        setNotice(t('queue.noLongerWaiting', { name: patientName(item) }));
      } else {
        setActionError(failure);
      }
      load();
      return;
    }
    const { local, failure } = await media;
    if (local === null) {
      // Admitted; the call page asks for the camera again and explains what is wrong.
      void navigate(callPath(item.roomId), { state: { mediaError: String(failure) } });
      return;
    }
    const session = new CallSession({
      api,
      signaling: client,
      roomId: item.roomId,
      caseId: item.caseId,
      me: { userId: me.userId, username: me.username, role: 'doctor' },
      media: local,
      iceServers: await iceServers,
    });
    setCurrentCall(session);
    void session.start();
    void navigate(callPath(item.roomId));
  };

  const decline = async (item: VisitQueueItem) => {
    setBusy(item.roomId);
    setActionError(null);
    try {
      await api.declineVisit(item.roomId);
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.code === 'visit_state_changed')) setActionError(failure);
    }
    setBusy(null);
    load();
  };

  return (
    <section className="visit-queue" data-testid="visit-queue-page" aria-labelledby="visit-queue-title">
      <div className="page-heading">
        <h1 id="visit-queue-title">{t('queue.title')}</h1>
        <span className={`live live--${linkState === 'open' ? 'on' : 'off'}`} role="status" data-testid="visit-queue-live">
          {linkState === 'open' ? t('queue.live') : t('queue.reconnecting')}
        </span>
      </div>
      {error !== null && (
        <ErrorBanner
          error={error}
          onRetry={() => {
            setActionError(null);
            load();
          }}
        />
      )}
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {queue === null && error === null && <Loading label={t('queue.loading')} />}
      {queue !== null && queue.length === 0 && <p className="empty" data-testid="visit-queue-empty">{t('queue.empty')}</p>}
      {queue !== null && queue.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <caption className="visually-hidden">{t('queue.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('queue.patient')}</th>
                <th scope="col">{t('queue.case')}</th>
                <th scope="col">{t('queue.waitingFor')}</th>
                <th scope="col">{t('queue.askedAt')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('queue.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="visit-queue">
              {queue.map((item) => (
                <tr key={item.roomId} data-testid="visit-queue-item" data-room-id={item.roomId} data-case-id={item.caseId}>
                  <td>{item.position}</td>
                  <th scope="row" translate="no">
                    {patientName(item)}
                  </th>
                  <td translate="no">{conditions.get(item.caseId) ?? <span className="mono">{item.caseId}</span>}</td>
                  <td data-testid="visit-queue-waited">{waited(item, loadedAt, now)}</td>
                  <td>{formatDateTime(item.requestedAt)}</td>
                  <td className="visit-queue__actions">
                    <button
                      type="button"
                      className="button button--primary"
                      disabled={busy !== null}
                      onClick={() => void admit(item)}
                      aria-label={t('queue.admitName', { name: patientName(item) })}
                      data-testid="visit-admit"
                    >
                      {busy === item.roomId ? t('queue.starting') : t('queue.admit')}
                    </button>
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={busy !== null}
                      onClick={() => void decline(item)}
                      aria-label={t('queue.declineName', { name: patientName(item) })}
                      data-testid="visit-decline"
                    >
                      {t('queue.decline')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
