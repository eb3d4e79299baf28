// The patient's care plan, in plain words, from the summary the API serves a patient (diagnoses,
// prescriptions, plans and follow-ups that are not retracted; notes never reach a patient's browser).

import { useQuery } from '@tanstack/react-query';
import type { RecordEntry } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDate } from '../format.ts';
import { useServices } from '../services.tsx';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.ts';

// A patient's summary is a handful of entries; one page of the API's largest size holds it.
const SUMMARY_LIMIT = 100;
const ACTIVE_DIAGNOSIS = new Set(['active', 'recurrence', 'relapse']);
const CURRENT_PRESCRIPTION = new Set(['active', 'on-hold']);
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 30 };
// Plain words for a patient, under record:carePlan.route.<code> and record:carePlan.modality.<code>.
const ROUTE_WORDS = new Set(['topical', 'oral', 'subcutaneous', 'intramuscular', 'intravenous', 'intralesional', 'transdermal']);
const MODALITY_WORDS = new Set(['video', 'in-person', 'photo-review', 'scores']);

const text = (entry: RecordEntry, field: string): string => {
  const value = entry.content[field];
  return typeof value === 'string' ? value : '';
};
const texts = (entry: RecordEntry, field: string): string[] => {
  const value = entry.content[field];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

/** The day a prescription runs out: written on + its duration (months counted as 30 days). */
export function prescriptionEnds(entry: RecordEntry): string | null {
  const duration = entry.content.duration as { value?: unknown; unit?: unknown } | undefined;
  if (typeof duration?.value !== 'number' || typeof duration.unit !== 'string') return null;
  const days = duration.value * (UNIT_DAYS[duration.unit] ?? 0);
  if (days === 0) return null;
  const start = new Date(entry.createdAt);
  return new Date(start.getTime() + days * 86_400_000).toISOString();
}

export interface CarePlanParts {
  diagnoses: RecordEntry[];
  prescriptions: RecordEntry[];
  plans: RecordEntry[];
  nextFollowUp: RecordEntry | null;
}

/** What the care plan shows, from the entries: current only, never a retracted entry or a note. */
export function carePlanParts(entries: readonly RecordEntry[], today: string): CarePlanParts {
  const live = entries.filter((entry) => entry.status === 'active' && entry.kind !== 'note');
  const upcoming = live
    .filter((entry) => entry.kind === 'followup' && text(entry, 'dueDate') >= today)
    .filter((entry) => !['completed', 'cancelled'].includes(text(entry, 'status')))
    .sort((a, b) => text(a, 'dueDate').localeCompare(text(b, 'dueDate')));
  return {
    diagnoses: live.filter((e) => e.kind === 'diagnosis' && ACTIVE_DIAGNOSIS.has(text(e, 'clinicalStatus'))),
    prescriptions: live.filter(
      (e) => e.kind === 'prescription' && CURRENT_PRESCRIPTION.has(text(e, 'status') || 'active'),
    ),
    plans: live.filter((e) => e.kind === 'plan' && !['completed', 'revoked'].includes(text(e, 'status'))),
    nextFollowUp: upcoming[0] ?? null,
  };
}

export function CarePlan({ caseId }: { caseId: string }) {
  const { api } = useServices();
  const { t } = useTranslation('record');
  const summary = useQuery({
    queryKey: [...queryKeys.case(caseId), 'care-plan'],
    queryFn: async ({ signal }) => (await api.listRecordEntries(caseId, { limit: SUMMARY_LIMIT }, signal)).items,
  });

  return (
    <section className="care-plan" data-testid="care-plan" aria-labelledby="care-plan-title">
      <h2 id="care-plan-title">{t('carePlan.title')}</h2>
      {summary.isPending && <Loading label={t('carePlan.loading')} />}
      {summary.error !== null && <ErrorBanner error={summary.error} onRetry={() => void summary.refetch()} />}
      {summary.data !== undefined && <CarePlanBody parts={carePlanParts(summary.data, new Date().toISOString().slice(0, 10))} />}
    </section>
  );
}

/** How a medicine is taken, in a patient's words; a route without such words as its code. */
function route(code: string): string {
  return ROUTE_WORDS.has(code) ? i18next.t(`record:carePlan.route.${code}` as 'record:carePlan.route.oral') : code;
}

function CarePlanBody({ parts }: { parts: CarePlanParts }) {
  const { diagnoses, prescriptions, plans, nextFollowUp } = parts;
  const { t } = useTranslation('record');
  if (diagnoses.length + prescriptions.length + plans.length === 0 && nextFollowUp === null) {
    return <p className="empty">{t('carePlan.empty')}</p>;
  }
  return (
    <div className="care-plan__body">
      {diagnoses.length > 0 && (
        <div>
          <h3>{t('carePlan.found')}</h3>
          <ul data-testid="care-plan-diagnoses">
            {diagnoses.map((entry) => (
              <li key={entry.entryId} data-testid="care-plan-diagnosis">
                <span translate="no">{text(entry, 'text')}</span>
                {text(entry, 'onsetDate') !== '' && t('carePlan.since', { date: formatDate(text(entry, 'onsetDate')) })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {prescriptions.length > 0 && (
        <div>
          <h3>{t('carePlan.treatment')}</h3>
          <ul data-testid="care-plan-prescriptions">
            {prescriptions.map((entry) => {
              const ends = prescriptionEnds(entry);
              return (
                <li key={entry.entryId} data-testid="care-plan-prescription">
                  <strong translate="no">{text(entry, 'drug')}</strong>: <span translate="no">{text(entry, 'dose')}</span>
                  {t('carePlan.comma')}
                  {route(text(entry, 'route'))}
                  {t('carePlan.comma')}
                  <span translate="no">{text(entry, 'frequency')}</span>
                  {ends !== null && t('carePlan.until', { date: formatDate(ends) })}
                  {t('carePlan.stop')}
                  {text(entry, 'instructions') !== '' && (
                    <span className="care-plan__note" translate="no"> {text(entry, 'instructions')}</span>
                  )}
                  {text(entry, 'status') === 'on-hold' && <span className="tag"> {t('carePlan.paused')}</span>}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {plans.length > 0 && (
        <div>
          <h3>{t('carePlan.goals')}</h3>
          {plans.map((entry) => (
            <div key={entry.entryId} data-testid="care-plan-plan">
              <p>
                <strong translate="no">{text(entry, 'title')}</strong>
              </p>
              <ul translate="no">
                {texts(entry, 'goals').map((goal) => (
                  <li key={goal} data-testid="care-plan-goal">
                    {goal}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      {nextFollowUp !== null && (
        <p className="care-plan__next" data-testid="care-plan-next">
          <strong>{t('carePlan.next')}</strong> {formatDate(text(nextFollowUp, 'dueDate'))}
          {t('carePlan.comma')}
          {MODALITY_WORDS.has(text(nextFollowUp, 'modality'))
            ? t(`carePlan.modality.${text(nextFollowUp, 'modality')}` as 'carePlan.modality.video')
            : t('carePlan.asAsked')}
          {t('carePlan.stop')}
          {text(nextFollowUp, 'instructions') !== '' && <span translate="no"> {text(nextFollowUp, 'instructions')}</span>}
        </p>
      )}
    </div>
  );
}
