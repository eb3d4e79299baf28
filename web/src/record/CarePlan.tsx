// The patient's care plan, in plain words, from the summary the API serves a patient (diagnoses,
// prescriptions, plans and follow-ups that are not retracted; notes never reach a patient's browser).

import { useQuery } from '@tanstack/react-query';
import type { RecordEntry } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDate } from '../format.ts';
import { useServices } from '../services.tsx';

// A patient's summary is a handful of entries; one page of the API's largest size holds it.
const SUMMARY_LIMIT = 100;
const ACTIVE_DIAGNOSIS = new Set(['active', 'recurrence', 'relapse']);
const CURRENT_PRESCRIPTION = new Set(['active', 'on-hold']);
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 30 };
const ROUTE_WORDS: Record<string, string> = {
  topical: 'on the skin',
  oral: 'by mouth',
  subcutaneous: 'as an injection under the skin',
  intramuscular: 'as an injection into a muscle',
  intravenous: 'into a vein',
  intralesional: 'into the lesion',
  transdermal: 'as a patch',
};
const MODALITY_WORDS: Record<string, string> = {
  video: 'a video visit',
  'in-person': 'a visit at the clinic',
  'photo-review': 'new photos for your doctor to review',
  scores: 'filling in your questionnaires',
};

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
  const summary = useQuery({
    queryKey: [...queryKeys.case(caseId), 'care-plan'],
    queryFn: async ({ signal }) => (await api.listRecordEntries(caseId, { limit: SUMMARY_LIMIT }, signal)).items,
  });

  return (
    <section className="care-plan" data-testid="care-plan" aria-labelledby="care-plan-title">
      <h2 id="care-plan-title">Your care plan</h2>
      {summary.isPending && <Loading label="Loading your care plan…" />}
      {summary.error !== null && <ErrorBanner error={summary.error} onRetry={() => void summary.refetch()} />}
      {summary.data !== undefined && <CarePlanBody parts={carePlanParts(summary.data, new Date().toISOString().slice(0, 10))} />}
    </section>
  );
}

function CarePlanBody({ parts }: { parts: CarePlanParts }) {
  const { diagnoses, prescriptions, plans, nextFollowUp } = parts;
  if (diagnoses.length + prescriptions.length + plans.length === 0 && nextFollowUp === null) {
    return <p className="empty">Your doctor has not written your care plan yet.</p>;
  }
  return (
    <div className="care-plan__body">
      {diagnoses.length > 0 && (
        <div>
          <h3>What your doctor found</h3>
          <ul data-testid="care-plan-diagnoses">
            {diagnoses.map((entry) => (
              <li key={entry.entryId} data-testid="care-plan-diagnosis">
                {text(entry, 'text')}
                {text(entry, 'onsetDate') !== '' && ` (since ${formatDate(text(entry, 'onsetDate'))})`}
              </li>
            ))}
          </ul>
        </div>
      )}
      {prescriptions.length > 0 && (
        <div>
          <h3>Your treatment</h3>
          <ul data-testid="care-plan-prescriptions">
            {prescriptions.map((entry) => {
              const ends = prescriptionEnds(entry);
              return (
                <li key={entry.entryId} data-testid="care-plan-prescription">
                  <strong>{text(entry, 'drug')}</strong>: {text(entry, 'dose')},{' '}
                  {ROUTE_WORDS[text(entry, 'route')] ?? text(entry, 'route')}, {text(entry, 'frequency')}
                  {ends !== null && <>, until {formatDate(ends)}</>}.
                  {text(entry, 'instructions') !== '' && <span className="care-plan__note"> {text(entry, 'instructions')}</span>}
                  {text(entry, 'status') === 'on-hold' && <span className="tag"> Paused</span>}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {plans.length > 0 && (
        <div>
          <h3>Your goals</h3>
          {plans.map((entry) => (
            <div key={entry.entryId} data-testid="care-plan-plan">
              <p>
                <strong>{text(entry, 'title')}</strong>
              </p>
              <ul>
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
          <strong>Next follow-up:</strong> {formatDate(text(nextFollowUp, 'dueDate'))},{' '}
          {MODALITY_WORDS[text(nextFollowUp, 'modality')] ?? 'as your doctor asked'}.
          {text(nextFollowUp, 'instructions') !== '' && ` ${text(nextFollowUp, 'instructions')}`}
        </p>
      )}
    </div>
  );
}
