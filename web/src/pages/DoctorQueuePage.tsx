import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import type { Case, VisitQueueItem } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { iceServersFor, setCurrentCall } from '../call/hub.ts';
import { LocalMedia } from '../call/media.ts';
import { CallSession } from '../call/session.ts';
import { callLog } from '../call/log.ts';
import { useSignaling } from '../call/useCallSupport.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { callPath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import '../call/call.css';

const QUEUE_POLL_MS = 15_000;

function waited(item: VisitQueueItem, loadedAt: number, now: number): string {
  const seconds = item.waitedSeconds + Math.max(0, Math.floor((now - loadedAt) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds} s` : `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Doctor's desk: the patients waiting for a video visit, live, with admit and decline. */
export function DoctorQueuePage() {
  const { api } = useServices();
  const me = useSignedInUser();
  const navigate = useNavigate();
  const { client, state: linkState } = useSignaling();
  const [queue, setQueue] = useState<VisitQueueItem[] | null>(null);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  const [cases, setCases] = useState<Record<string, Case>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const requestedCases = useRef(new Set<string>());

  const load = useCallback(async () => {
    try {
      const answer = await api.getVisitQueue();
      setQueue(answer.items);
      setLoadedAt(Date.now());
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [api]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- load sets state only when the queue answers (after an await)
    void load();
    const poll = setInterval(() => void load(), QUEUE_POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    // Warm the ICE servers now, so admitting costs nothing extra.
    void iceServersFor(api, me.userId).catch(() => undefined);
    return () => {
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [api, load, me.userId]);

  // Live: a new request, a cancellation, or a colleague taking one.
  useEffect(() => {
    if (client === null) return undefined;
    return client.on((frame) => {
      if (frame.type === 'visit.waiting' || frame.type === 'visit.cancelled' || frame.type === 'queue.changed') void load();
    });
  }, [client, load]);

  // Back online after a drop: catch up on what was missed.
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- as above: state changes when the answer comes
    if (linkState === 'open') void load();
  }, [linkState, load]);

  // Which case each request is about (condition), fetched once per case.
  useEffect(() => {
    for (const item of queue ?? []) {
      if (requestedCases.current.has(item.caseId)) continue;
      requestedCases.current.add(item.caseId);
      api.getCase(item.caseId).then(
        (clinicalCase) => setCases((known) => ({ ...known, [clinicalCase.caseId]: clinicalCase })),
        () => requestedCases.current.delete(item.caseId),
      );
    }
  }, [api, queue]);

  const admit = async (item: VisitQueueItem) => {
    if (client === null) return;
    // eslint-disable-next-line react-hooks/purity -- an async click handler, never run during render
    const clicked = performance.now();
    setBusy(item.roomId);
    setNotice(null);
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
        setNotice(`${item.patient} is no longer waiting (another doctor admitted them, or they cancelled).`);
      } else {
        setError(failure);
      }
      void load();
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
    try {
      await api.declineVisit(item.roomId);
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.code === 'visit_state_changed')) setError(failure);
    }
    setBusy(null);
    void load();
  };

  return (
    <section className="visit-queue" data-testid="visit-queue-page" aria-labelledby="visit-queue-title">
      <div className="page-heading">
        <h1 id="visit-queue-title">Video visits: waiting room</h1>
        <span className={`live live--${linkState === 'open' ? 'on' : 'off'}`} role="status" data-testid="visit-queue-live">
          {linkState === 'open' ? 'Live' : 'Reconnecting…'}
        </span>
      </div>
      {error !== null && <ErrorBanner error={error} onRetry={() => void load()} />}
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {queue === null && error === null && <Loading label="Loading the waiting room…" />}
      {queue !== null && queue.length === 0 && <p className="empty" data-testid="visit-queue-empty">Nobody is waiting.</p>}
      {queue !== null && queue.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <caption className="visually-hidden">Patients waiting for a video visit, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Patient</th>
                <th scope="col">Case</th>
                <th scope="col">Waiting for</th>
                <th scope="col">Asked at</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="visit-queue">
              {queue.map((item) => (
                <tr key={item.roomId} data-testid="visit-queue-item" data-room-id={item.roomId} data-case-id={item.caseId}>
                  <td>{item.position}</td>
                  <th scope="row">{item.patient}</th>
                  <td>{cases[item.caseId]?.condition ?? <span className="mono">{item.caseId}</span>}</td>
                  <td data-testid="visit-queue-waited">{waited(item, loadedAt, now)}</td>
                  <td>{formatDateTime(item.requestedAt)}</td>
                  <td className="visit-queue__actions">
                    <button
                      type="button"
                      className="button button--primary"
                      disabled={busy !== null}
                      onClick={() => void admit(item)}
                      aria-label={`Admit ${item.patient}`}
                      data-testid="visit-admit"
                    >
                      {busy === item.roomId ? 'Starting…' : 'Admit'}
                    </button>
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={busy !== null}
                      onClick={() => void decline(item)}
                      aria-label={`Decline ${item.patient}`}
                      data-testid="visit-decline"
                    >
                      Decline
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
