// The doctor's home page: follow-ups of their cases that are due or overdue, most overdue first,
// by patient name; each opens the case at its follow-up schedule.

import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { casePath } from '../routing/roles.ts';
import { useFollowupWorklist } from './useFollowups.ts';
import { askLabel, dueText, modalityLabel } from './wording.ts';
import './followups.css';

export function FollowupWorklist() {
  const { t } = useTranslation('followups');
  const worklist = useFollowupWorklist();
  const data = worklist.data;
  return (
    <section className="worklist" data-testid="followup-worklist" aria-labelledby="worklist-title">
      <h2 id="worklist-title">{t('worklist.title')}</h2>
      {worklist.error !== null && <ErrorBanner error={worklist.error} onRetry={() => void worklist.refetch()} />}
      {data !== undefined && data.items.length === 0 && <p className="empty">{t('worklist.empty')}</p>}
      {data !== undefined && data.items.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <thead>
              <tr>
                <th scope="col">{t('worklist.patient')}</th>
                <th scope="col">{t('worklist.case')}</th>
                <th scope="col">{t('worklist.when')}</th>
                <th scope="col">{t('worklist.askedFor')}</th>
                <th scope="col"><span className="visually-hidden">{t('worklist.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => (
                <tr key={item.followupId} data-testid="worklist-item" data-state={item.state}>
                  <th scope="row" data-testid="worklist-patient">
                    {!item.patientName ? t('worklist.aPatient') : <span translate="no">{item.patientName}</span>}
                  </th>
                  <td translate="no">{item.condition ?? ''}</td>
                  <td className={`followup-state--${item.state}`} data-testid="worklist-when">
                    {dueText(item.dueDate, data.today, item.state)}
                  </td>
                  <td>
                    {item.asks.length === 0 ? modalityLabel(item.modality)
                      : item.asks.map((ask) => `${askLabel(ask)}${item.met.includes(ask) ? ' ✓' : ''}`).join(', ')}
                  </td>
                  <td>
                    <Link className="button button--small" to={`${casePath(item.caseId)}#followups`}
                      aria-label={!item.patientName ? t('worklist.openCaseOfUnnamed') : t('worklist.openCaseOf', { name: item.patientName })}>
                      {t('worklist.open')}
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
