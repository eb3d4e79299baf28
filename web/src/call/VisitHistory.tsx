// The case's past video visits (consultation records): when, how long, who by name, how it ended,
// and how the call went, for the patient and the doctors alike.

import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { VisitQuality, VisitRating, VisitRecord } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { describePerson, queryKeys, usePeople } from '../data/index.ts';
import { useServices } from '../services.tsx';
import { formatDateTime } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { useCaseVisitRecordsQuery } from '../record/useRecordData.ts';
import { DEFAULT_THRESHOLDS, worse, type QualityLevel } from './quality.ts';

// End reasons with their own words (call:history.endReason.*); any other is shown as sent.
const END_REASONS = ['completed', 'cancelled', 'declined'] as const;
const isEndReason = (value: string): value is (typeof END_REASONS)[number] => (END_REASONS as readonly string[]).includes(value);

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
  return minutes === 0
    ? i18next.t('call:history.seconds', { seconds: rest })
    : i18next.t('call:history.minutesSeconds', { minutes, seconds: rest.toString().padStart(2, '0') });
}

export function VisitHistory({ caseId }: { caseId: string }) {
  const { t } = useTranslation('call');
  const visits = useCaseVisitRecordsQuery(caseId);
  const records = visits.data ?? [];
  const people = usePeople(records.flatMap((record) => record.participants.map((p) => p.participantId)));
  const { api } = useServices();
  const ratings = useQuery({
    queryKey: queryKeys.visitRatings(caseId),
    queryFn: ({ signal }) => api.caseVisitRatings(caseId, signal),
    enabled: records.length > 0,
  });
  const ratingOf = new Map((ratings.data?.items ?? []).map((rating) => [rating.roomId, rating]));

  return (
    <section className="visit-history" data-testid="visit-history" aria-labelledby="visit-history-title">
      <h2 id="visit-history-title">{t('history.title')}</h2>
      {visits.isPending && <Loading label={t('history.loading')} />}
      {visits.error !== null && <ErrorBanner error={visits.error} onRetry={() => void visits.refetch()} />}
      {visits.data !== undefined && records.length === 0 && <p className="empty">{t('history.empty')}</p>}
      {records.length > 0 && (
        <ul className="visit-history__list">
          {records.map((record) => (
            <VisitRow key={record.roomId} record={record} rating={ratingOf.get(record.roomId)}
              describe={(id) => describePerson(people.get(id), t('history.someone'))} />
          ))}
        </ul>
      )}
    </section>
  );
}

function VisitRow({ record, rating, describe }: {
  record: VisitRecord;
  rating: VisitRating | undefined;
  describe: (userId: string) => string;
}) {
  const { t } = useTranslation('call');
  const reports = Object.values(record.quality);
  const grade = callGrade(reports);
  const reconnects = reports.reduce((total, report) => total + report.reconnects, 0);
  return (
    <li className="visit-history__item" data-testid="visit-record" data-room-id={record.roomId}>
      <div className="visit-history__when">
        <strong>{formatDateTime(record.startedAt ?? record.requestedAt)}</strong>
        <span data-testid="visit-duration">{durationText(record.durationSeconds)}</span>
      </div>
      {record.participants.length > 0 ? (
        <div data-testid="visit-participants" translate="no">
          {record.participants.map((p) => describe(p.participantId)).join(', ')}
        </div>
      ) : (
        <div data-testid="visit-participants">{t('history.nobody')}</div>
      )}
      <div className="visit-history__outcome">
        <span data-testid="visit-end-reason">{record.endReason == null
            ? t('history.ended')
            : isEndReason(record.endReason)
              ? t(`history.endReason.${record.endReason}`)
              : record.endReason}</span>
        {grade !== null && (
          <span className={`tag tag--quality-${grade}`} data-testid="visit-quality" data-grade={grade}>
            {t('history.quality', { grade: t(`qualityWord.${grade}`) })}
            {reconnects > 0 && t('history.reconnects', { count: reconnects })}
          </span>
        )}
      </div>
      {rating !== undefined && (
        <div className="visit-history__rating" data-testid="visit-rating">
          {t('history.rating', { call: rating.callQuality, care: rating.care })}
          {rating.comment != null && rating.comment !== '' && (
            <q data-testid="visit-rating-comment" translate="no">
              {rating.comment}
            </q>
          )}
        </div>
      )}
    </li>
  );
}
