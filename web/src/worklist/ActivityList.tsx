// The doctor's home page: cases with something new from the patient since the doctor last marked
// them reviewed, meaningful worsening first; each opens the case's timeline.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { formatDateTime } from '../format.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import { arrivals, lesionChanges, worsening } from './activity.ts';

export function ActivityList() {
  const { t } = useTranslation('worklist');
  const { api } = useServices();
  const activity = useQuery({ queryKey: queryKeys.worklistActivity(), queryFn: ({ signal }) => api.worklistActivity(signal) });
  const items = activity.data?.items ?? [];
  return (
    <section className="worklist" data-testid="activity-list" aria-labelledby="activity-title">
      <h2 id="activity-title">{t('activity.title')}</h2>
      {activity.error !== null && <ErrorBanner error={activity.error} onRetry={() => void activity.refetch()} />}
      {activity.data !== undefined && items.length === 0 && <p className="empty">{t('activity.empty')}</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <thead>
              <tr>
                <th scope="col">{t('activity.patient')}</th>
                <th scope="col">{t('activity.case')}</th>
                <th scope="col">{t('activity.new')}</th>
                <th scope="col">{t('activity.latest')}</th>
                <th scope="col"><span className="visually-hidden">{t('activity.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((row) => (
                <tr key={row.caseId} data-testid="activity-item" data-case-id={row.caseId}>
                  <th scope="row" data-testid="activity-patient">
                    {!row.patientName ? t('activity.aPatient') : <span translate="no">{row.patientName}</span>}
                  </th>
                  <td translate="no">{row.condition ?? ''}</td>
                  <td>
                    <span data-testid="activity-arrivals">{arrivals(row)}</span>
                    {row.worsened.length > 0 && (
                      <span className="tag followup-state--overdue" data-testid="activity-worse"> {worsening(row)}</span>
                    )}
                    {row.changedLesions.length > 0 && (
                      <span className="tag followup-state--overdue" data-testid="activity-lesion-change"> {lesionChanges(row)}</span>
                    )}
                  </td>
                  <td>{formatDateTime(row.latestAt)}</td>
                  <td>
                    <Link className="button button--small" to={`${casePath(row.caseId)}?tab=${row.changedLesions.length > 0 ? 'measure' : 'timeline'}`}
                      aria-label={!row.patientName ? t('activity.openCaseOfUnnamed') : t('activity.openCaseOf', { name: row.patientName })}>
                      {t('activity.open')}
                    </Link>
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

/** On the case page (doctors): "I have seen what is new here." */
export function MarkReviewedButton({ caseId }: { caseId: string }) {
  const { t } = useTranslation('worklist');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const mark = useMutation({
    mutationFn: () => api.markCaseReviewed(caseId),
    onSuccess: () => reloadChanged(queryClient, queryKeys.worklistActivity()),
  });
  return (
    <p className="review-mark">
      <button type="button" className="button button--small button--secondary" data-testid="mark-reviewed"
        disabled={mark.isPending} onClick={() => mark.mutate()}>
        {t('review.mark')}
      </button>
      {mark.data !== undefined && (
        <span role="status" data-testid="reviewed-at"> {t('review.done', { when: formatDateTime(mark.data.reviewedAt) })}</span>
      )}
    </p>
  );
}
