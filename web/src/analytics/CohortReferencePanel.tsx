import { useQuery } from '@tanstack/react-query';
import { Trans, useTranslation } from 'react-i18next';
import type { CohortReference } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { cohortHeadlineParts, cohortLayout, percent, statusText } from './cohortChart.ts';
import './analytics.css';

/** Doctors, on a case: how comparable patients of this clinic did (observational, small cells hidden). */
export function CohortReferencePanel({ caseId }: { caseId: string }) {
  const { t } = useTranslation('analytics');
  const { api } = useServices();
  const reference = useQuery({
    queryKey: queryKeys.cohortReference(caseId),
    queryFn: ({ signal }) => api.getCohortReference(caseId, signal),
  });

  return (
    <section className="cohort" aria-labelledby="cohort-title" data-testid="cohort-reference">
      <h3 id="cohort-title">{t('cohort.title')}</h3>
      <p className="cohort__label" data-testid="cohort-observational">
        {t('cohort.observational')}
      </p>
      {reference.isPending && <Loading label={t('cohort.loading')} />}
      {reference.error !== null && <ErrorBanner error={reference.error} onRetry={() => void reference.refetch()} />}
      {reference.data !== undefined && <CohortBody reference={reference.data} />}
    </section>
  );
}

function CohortBody({ reference }: { reference: CohortReference }) {
  const { t } = useTranslation('analytics');
  const headline = cohortHeadlineParts(reference);
  if (reference.status !== 'available' || headline === null) {
    return (
      <p className="cohort__status" data-testid="cohort-status" data-status={reference.status}>
        {statusText(reference.status)}
      </p>
    );
  }
  return (
    <>
      <p className="cohort__headline" data-testid="cohort-headline">
        <Trans ns="analytics" i18nKey="cohort.headline" values={headline.values}
          components={{ treatment: <span translate="no" /> }} />
      </p>
      <CohortChart reference={reference} />
      <p className="cohort__note">
        {/* The response definition and the note are the analysis's own words, sent by the server. */}
        {t('cohort.response')}<span translate="no">{reference.responder}</span>.{' '}
        <span translate="no">{reference.note}</span>
        {reference.computedAt ? ` ${t('cohort.computed', { when: formatDateTime(reference.computedAt) })}` : ''}
        {` ${t('cohort.minCell', { count: reference.minCell })}`}
      </p>
    </>
  );
}

function CohortChart({ reference }: { reference: CohortReference }) {
  const { t } = useTranslation('analytics');
  const layout = cohortLayout(reference.weeks ?? []);
  const box = { width: 320, height: 160 };
  return (
    <svg
      className="cohort__chart"
      viewBox={`0 0 ${box.width} ${box.height}`}
      role="img"
      aria-label={t('cohort.chartLabel', { instrument: reference.instrument })}
      data-testid="cohort-chart"
    >
      {layout.ticks.map((tick) => (
        <g key={tick.value}>
          <line x1={34} x2={308} y1={tick.y} y2={tick.y} className="cohort__grid" />
          <text x={30} y={tick.y + 3} className="cohort__tick" textAnchor="end">{percent(tick.value)}</text>
        </g>
      ))}
      {layout.weeks.map((week) => (
        <text key={week.week} x={week.x} y={156} className="cohort__tick" textAnchor="middle">
          {week.week === 0 ? t('cohort.start') : t('cohort.weekTick', { week: week.week })}
        </text>
      ))}
      {layout.band && <polygon points={layout.band} className="cohort__band" data-testid="cohort-iqr" />}
      {layout.path && <path d={layout.path} className="cohort__line" />}
      {layout.points.map((point) => (
        <circle key={point.week} cx={point.x} cy={point.yMedian} r={3.5} className="cohort__point"
          data-testid="cohort-point" data-week={point.week}>
          <title>{t('cohort.point', { week: point.week, median: percent(point.median) })}</title>
        </circle>
      ))}
    </svg>
  );
}
