import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ClinicAnalytics, OutcomeCell } from '../api/types.ts';
import { barLayout, type Bar } from '../analytics/bars.ts';
import { percent } from '../analytics/cohortChart.ts';
import '../analytics/analytics.css';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { PATHS } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

const CONDITIONS: Record<string, { label: string; instrument: string }> = {
  'L40.0': { label: 'Psoriasis (L40.0)', instrument: 'PASI' },
  'L20.9': { label: 'Atopic dermatitis (L20.9)', instrument: 'EASI' },
  'L70.0': { label: 'Acne (L70.0)', instrument: 'IGA' },
  L80: { label: 'Vitiligo (L80)', instrument: 'DLQI' },
};
const BANDS: Record<string, string> = { lt10: 'baseline < 10', '10-20': 'baseline 10-20', gt20: 'baseline > 20', all: '' };

/** Doctors: the clinic's outcomes by diagnosis and treatment, and follow-up adherence (aggregates). */
export function ClinicAnalyticsPage() {
  const { api } = useServices();
  const analytics = useQuery({
    queryKey: queryKeys.clinicAnalytics(),
    queryFn: ({ signal }) => api.getClinicAnalytics(signal),
  });
  return (
    <section className="analytics-page" data-testid="clinic-analytics" aria-labelledby="analytics-title">
      <div className="page-heading">
        <h1 id="analytics-title">Clinic analytics</h1>
        <Link className="button button--secondary" to={PATHS.doctorHome}>Cases</Link>
      </div>
      <p className="cohort__label" data-testid="analytics-observational">
        Observational data from this clinic's de-identified records, not trial results. Groups of fewer than 11
        patients are never shown.
      </p>
      {analytics.isPending && <Loading label="Loading the clinic's analytics…" />}
      {analytics.error !== null && <ErrorBanner error={analytics.error} onRetry={() => void analytics.refetch()} />}
      {analytics.data !== undefined && <Charts analytics={analytics.data} />}
    </section>
  );
}

function Charts({ analytics }: { analytics: ClinicAnalytics }) {
  if (analytics.outcomes.length === 0 && analytics.adherence.length === 0) {
    return <p className="empty" data-testid="analytics-empty">No analysis has run yet (it runs nightly).</p>;
  }
  const adherence: Bar[] = analytics.adherence.map((cell) => ({
    label: CONDITIONS[cell.condition_code]?.label ?? cell.condition_code,
    value: cell.kept_on_time_share,
    text: `${Math.round(cell.kept_on_time_share * 100)}% of ${cell.followups_due}`,
  }));
  const cadence: Bar[] = analytics.adherence
    .filter((cell) => cell.median_photo_interval_days != null)
    .map((cell) => ({
      label: CONDITIONS[cell.condition_code]?.label ?? cell.condition_code,
      value: cell.median_photo_interval_days!,
      text: `${Math.round(cell.median_photo_interval_days!)} days`,
    }));
  return (
    <>
      {analytics.computedAt && <p className="cohort__note">Computed {formatDateTime(analytics.computedAt)}.</p>}
      <h2>Outcomes at 12 weeks</h2>
      <p className="cohort__note">Median change of the condition's severity score from baseline, by treatment.</p>
      <div className="charts">
        {Object.entries(CONDITIONS).map(([code, condition]) => (
          <OutcomeChart key={code} title={condition.label} cells={analytics.outcomes.filter(
            (cell) => cell.condition_code === code && cell.instrument === condition.instrument && cell.week === 12,
          )} instrument={condition.instrument} />
        ))}
      </div>
      <h2>Adherence</h2>
      <div className="charts">
        <BarChart title="Follow-ups kept on time" bars={adherence} min={0} max={1} testId="chart-adherence" />
        <BarChart title="Median days between photos" bars={cadence} min={0}
          max={Math.max(1, ...cadence.map((bar) => bar.value))} testId="chart-photo-cadence" />
      </div>
      <h2>Time to response</h2>
      <table className="case-table" data-testid="response-table">
        <thead>
          <tr><th scope="col">Diagnosis</th><th scope="col">Treatment</th><th scope="col">Score</th>
            <th scope="col">Patients</th><th scope="col">Responded</th><th scope="col">Median days</th></tr>
        </thead>
        <tbody>
          {analytics.response.map((cell) => (
            <tr key={`${cell.condition_code}-${cell.treatment}-${cell.instrument}`}>
              <td>{cell.condition_code}</td><td>{cell.treatment}</td><td>{cell.instrument}</td><td>{cell.n}</td>
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
    label: [cell.treatment, BANDS[cell.baseline_band]].filter(Boolean).join(', '),
    value: cell.median_change_pct,
    text: `${percent(cell.median_change_pct)} (n = ${cell.n})`,
  }));
  return <BarChart title={`${title}: ${instrument}`} bars={bars} min={-100} max={0} testId="chart-outcome" />;
}

function BarChart({ title, bars, min, max, testId }: { title: string; bars: Bar[]; min: number; max: number;
  testId: string }) {
  const layout = barLayout(bars, min, max);
  return (
    <figure className="bar-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? <p className="empty">Too few patients to show.</p> : (
        <svg className="bars" viewBox={`0 0 320 ${layout.height}`} role="img" aria-label={title}>
          {layout.bars.map((bar) => (
            <g key={bar.label} data-testid="bar">
              <text x={4} y={bar.y + 13} className="bars__label">{bar.label}</text>
              <rect x={bar.x} y={bar.y + 3} width={Math.max(bar.width, 1)} height={14} className="bars__bar" />
              <text x={Math.max(bar.x + bar.width, layout.zeroX) + 3} y={bar.y + 13} className="bars__value">{bar.text}</text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}
