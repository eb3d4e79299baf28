// The case's past video visits (consultation records): when, how long, who by name, how it ended,
// and how the call went, for the patient and the doctors alike.

import type { VisitQuality, VisitRecord } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { describePerson, usePeople } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useCaseVisitRecordsQuery } from '../record/useRecordData.ts';
import { DEFAULT_THRESHOLDS, worse, type QualityLevel } from './quality.ts';

const END_REASONS: Record<string, string> = {
  completed: 'Completed',
  cancelled: 'Cancelled by the patient',
  declined: 'Declined by the clinic',
};

/** One word for a call: the worst of its participants' reports, each judged by the level its own
 * monitor reported or, failing that, by the same thresholds the live call uses (quality.ts). */
export function callGrade(reports: readonly VisitQuality[]): QualityLevel | null {
  if (reports.length === 0) return null;
  const judge = (value: number, limits: { fair: number; poor: number }): QualityLevel =>
    value >= limits.poor ? 'poor' : value >= limits.fair ? 'fair' : 'good';
  return reports
    .map((report) =>
      report.worstQuality ??
      worse(judge(report.rttMs, DEFAULT_THRESHOLDS.rttMs), judge(report.lossPct, DEFAULT_THRESHOLDS.lossPct)),
    )
    .reduce(worse);
}

export function durationText(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return minutes === 0 ? `${rest} s` : `${minutes} min ${rest.toString().padStart(2, '0')} s`;
}

export function VisitHistory({ caseId }: { caseId: string }) {
  const visits = useCaseVisitRecordsQuery(caseId);
  const records = visits.data ?? [];
  const people = usePeople(records.flatMap((record) => record.participants.map((p) => p.participantId)));

  return (
    <section className="visit-history" data-testid="visit-history" aria-labelledby="visit-history-title">
      <h2 id="visit-history-title">Past video visits</h2>
      {visits.isPending && <Loading label="Loading visits…" />}
      {visits.error !== null && <ErrorBanner error={visits.error} onRetry={() => void visits.refetch()} />}
      {visits.data !== undefined && records.length === 0 && <p className="empty">No video visit yet.</p>}
      {records.length > 0 && (
        <ul className="visit-history__list">
          {records.map((record) => (
            <VisitRow key={record.roomId} record={record} describe={(id) => describePerson(people.get(id), 'someone')} />
          ))}
        </ul>
      )}
    </section>
  );
}

function VisitRow({ record, describe }: { record: VisitRecord; describe: (userId: string) => string }) {
  const reports = Object.values(record.quality);
  const grade = callGrade(reports);
  const reconnects = reports.reduce((total, report) => total + report.reconnects, 0);
  return (
    <li className="visit-history__item" data-testid="visit-record" data-room-id={record.roomId}>
      <div className="visit-history__when">
        <strong>{formatDateTime(record.startedAt ?? record.requestedAt)}</strong>
        <span data-testid="visit-duration">{durationText(record.durationSeconds)}</span>
      </div>
      <div data-testid="visit-participants">
        {record.participants.map((p) => describe(p.participantId)).join(', ') || 'Nobody joined'}
      </div>
      <div className="visit-history__outcome">
        <span data-testid="visit-end-reason">{END_REASONS[record.endReason ?? ''] ?? record.endReason ?? 'Ended'}</span>
        {grade !== null && (
          <span className={`tag tag--quality-${grade}`} data-testid="visit-quality" data-grade={grade}>
            Call quality: {grade}
            {reconnects > 0 && `, ${reconnects} reconnect${reconnects === 1 ? '' : 's'}`}
          </span>
        )}
      </div>
    </li>
  );
}
