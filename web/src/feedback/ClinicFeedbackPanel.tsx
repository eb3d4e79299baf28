// The clinic analytics page: what patients said of their visits, month by month (figures only).

import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys } from '../data/index.ts';
import { formatMonth, formatNumber } from '../format.ts';
import { useServices } from '../services.tsx';

function mean(value: number | null): string {
  return value === null ? '–' : `${formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} / 5`;
}

export function ClinicFeedbackPanel() {
  const { t } = useTranslation('feedback');
  const { api } = useServices();
  const feedback = useQuery({ queryKey: queryKeys.clinicFeedback(), queryFn: ({ signal }) => api.clinicFeedback(signal) });
  const data = feedback.data;
  return (
    <section className="analytics-card" data-testid="clinic-feedback" aria-labelledby="feedback-title">
      <h2 id="feedback-title">{t('clinic.title')}</h2>
      {feedback.error !== null && <ErrorBanner error={feedback.error} onRetry={() => void feedback.refetch()} />}
      {data !== undefined && data.overall.n === 0 && <p className="empty">{t('clinic.empty')}</p>}
      {data !== undefined && data.overall.n > 0 && (
        <>
          <p data-testid="feedback-overall">
            {t('clinic.overall', {
              count: data.overall.n, call: mean(data.overall.callQualityMean), care: mean(data.overall.careMean),
            })}
          </p>
          <div className="table-scroll">
            <table className="case-table">
              <thead>
                <tr>
                  <th scope="col">{t('clinic.month')}</th><th scope="col">{t('clinic.ratings')}</th>
                  <th scope="col">{t('clinic.call')}</th><th scope="col">{t('clinic.care')}</th>
                </tr>
              </thead>
              <tbody>
                {data.months.filter((m) => m.n > 0).map((m) => (
                  <tr key={m.month} data-testid="feedback-month">
                    <th scope="row" data-month={m.month}>{formatMonth(m.month)}</th><td>{m.n}</td><td>{mean(m.callQualityMean)}</td><td>{mean(m.careMean)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
