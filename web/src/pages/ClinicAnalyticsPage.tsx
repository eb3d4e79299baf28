import { useQuery } from '@tanstack/react-query';
import type { SVGProps } from 'react';
import { useTranslation } from 'react-i18next';
import { ClinicFeedbackPanel } from '../feedback/ClinicFeedbackPanel.tsx';
import { ClinicAgreementPanel } from '../consultation/AgreementPanels.tsx';
import { Link } from 'react-router';
import type { ClinicAnalytics, OutcomeCell } from '../api/types.ts';
import { barLayout, type Bar } from '../analytics/bars.ts';
import { percent } from '../analytics/cohortChart.ts';
import '../analytics/analytics.css';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { PATHS } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

// The conditions the nightly analysis covers; their names are keys `clinic.condition.<key>`.
const CONDITIONS: Record<string, { key: 'L40_0' | 'L20_9' | 'L70_0' | 'L80'; instrument: string }> = {
  'L40.0': { key: 'L40_0', instrument: 'PASI' },
  'L20.9': { key: 'L20_9', instrument: 'EASI' },
  'L70.0': { key: 'L70_0', instrument: 'IGA' },
  L80: { key: 'L80', instrument: 'DLQI' },
};

function conditionLabel(code: string): string {
  const condition = CONDITIONS[code];
  return condition === undefined ? code : i18next.t(`analytics:clinic.condition.${condition.key}`);
}

const BANDS = ['lt10', '10-20', 'gt20'] as const;

function bandLabel(band: string): string {
  const known = BANDS.find((code) => code === band);
  return known === undefined ? '' : i18next.t(`analytics:clinic.band.${known}`);
}

/** Doctors: the clinic's outcomes by diagnosis and treatment, and follow-up adherence (aggregates). */
export function ClinicAnalyticsPage() {
  const { t } = useTranslation('analytics');
  const { api } = useServices();
  const analytics = useQuery({
    queryKey: queryKeys.clinicAnalytics(),
    queryFn: ({ signal }) => api.getClinicAnalytics(signal),
  });
  return (
    <section className="analytics-page" data-testid="clinic-analytics" aria-labelledby="analytics-title">
      <div className="page-heading">
        <h1 id="analytics-title">{t('clinic.title')}</h1>
        <Link className="button button--secondary" to={PATHS.doctorHome}>{t('clinic.cases')}</Link>
      </div>
      <p className="cohort__label" data-testid="analytics-observational">
        {t('clinic.observational')}
      </p>
      {analytics.isPending && <Loading label={t('clinic.loading')} />}
      {analytics.error !== null && <ErrorBanner error={analytics.error} onRetry={() => void analytics.refetch()} />}
      {analytics.data !== undefined && <Charts analytics={analytics.data} />}
      <ClinicFeedbackPanel />
      <ClinicAgreementPanel />
    </section>
  );
}

function Charts({ analytics }: { analytics: ClinicAnalytics }) {
  const { t } = useTranslation('analytics');
  if (analytics.outcomes.length === 0 && analytics.adherence.length === 0) {
    return <p className="empty" data-testid="analytics-empty">{t('clinic.empty')}</p>;
  }
  const adherence: Bar[] = analytics.adherence.map((cell) => ({
    label: conditionLabel(cell.condition_code),
    value: cell.kept_on_time_share,
    text: t('clinic.keptOf', { percent: Math.round(cell.kept_on_time_share * 100), count: cell.followups_due }),
  }));
  const cadence: Bar[] = analytics.adherence
    .filter((cell) => cell.median_photo_interval_days != null)
    .map((cell) => ({
      label: conditionLabel(cell.condition_code),
      value: cell.median_photo_interval_days!,
      text: t('clinic.days', { count: Math.round(cell.median_photo_interval_days!) }),
    }));
  return (
    <>
      {analytics.computedAt && <p className="cohort__note">{t('clinic.computed', { when: formatDateTime(analytics.computedAt) })}</p>}
      <h2>{t('clinic.outcomes')}</h2>
      <p className="cohort__note">{t('clinic.outcomesNote')}</p>
      <div className="charts">
        {Object.entries(CONDITIONS).map(([code, condition]) => (
          <OutcomeChart key={code} title={conditionLabel(code)} cells={analytics.outcomes.filter(
            (cell) => cell.condition_code === code && cell.instrument === condition.instrument && cell.week === 12,
          )} instrument={condition.instrument} />
        ))}
      </div>
      <h2>{t('clinic.adherence')}</h2>
      <div className="charts">
        <BarChart title={t('clinic.keptOnTime')} bars={adherence} min={0} max={1} testId="chart-adherence" />
        <BarChart title={t('clinic.photoCadence')} bars={cadence} min={0}
          max={Math.max(1, ...cadence.map((bar) => bar.value))} testId="chart-photo-cadence" />
      </div>
      <h2>{t('clinic.response')}</h2>
      <table className="case-table" data-testid="response-table">
        <thead>
          <tr><th scope="col">{t('clinic.diagnosis')}</th><th scope="col">{t('clinic.treatment')}</th>
            <th scope="col">{t('clinic.score')}</th><th scope="col">{t('clinic.patients')}</th>
            <th scope="col">{t('clinic.responded')}</th><th scope="col">{t('clinic.medianDays')}</th></tr>
        </thead>
        <tbody>
          {analytics.response.map((cell) => (
            <tr key={`${cell.condition_code}-${cell.treatment}-${cell.instrument}`}>
              <td>{cell.condition_code}</td><td translate="no">{cell.treatment}</td><td>{cell.instrument}</td><td>{cell.n}</td>
              <td>{Math.round(cell.responder_share * 100)}%</td>
              <td>{cell.median_days_to_response ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function OutcomeChart({ title, cells, instrument }: { title: string; cells: OutcomeCell[]; instrument: string }) {
  const bars: Bar[] = cells.map((cell) => ({
    label: [cell.treatment, bandLabel(cell.baseline_band)].filter(Boolean).join(', '),
    value: cell.median_change_pct,
    text: `${percent(cell.median_change_pct)} (n = ${cell.n})`,
  }));
  // Labels start with the treatment as the clinic wrote it: data, never translated.
  return <BarChart title={`${title}: ${instrument}`} bars={bars} min={-100} max={0} testId="chart-outcome" labelsAreData />;
}

// `translate` is a global HTML attribute that React's SVG types leave out; browsers honour it on SVG text.
const NOT_TRANSLATED = { translate: 'no' } as unknown as SVGProps<SVGTextElement>;

function BarChart({ title, bars, min, max, testId, labelsAreData = false }: { title: string; bars: Bar[]; min: number;
  max: number; testId: string; labelsAreData?: boolean }) {
  const { t } = useTranslation('analytics');
  const layout = barLayout(bars, min, max);
  return (
    <figure className="bar-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? <p className="empty">{t('clinic.tooFew')}</p> : (
        <svg className="bars" viewBox={`0 0 320 ${layout.height}`} role="img" aria-label={title}>
          {layout.bars.map((bar) => (
            <g key={bar.label} data-testid="bar">
              <text x={4} y={bar.y + 13} className="bars__label" {...(labelsAreData ? NOT_TRANSLATED : {})}>{bar.label}</text>
              <rect x={bar.x} y={bar.y + 3} width={Math.max(bar.width, 1)} height={14} className="bars__bar" />
              <text x={Math.max(bar.x + bar.width, layout.zeroX) + 3} y={bar.y + 13} className="bars__value">{bar.text}</text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}
