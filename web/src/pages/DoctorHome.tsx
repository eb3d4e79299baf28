import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime } from '../format.ts';
import { describePerson, usePeople } from '../data/index.ts';
import { useCaseList } from '../hooks.ts';
import { casePath, PATHS } from '../routing/roles.ts';
import { WaitingRoomLink } from '../call/VisitLinks.tsx';
import { VisitsInProgress } from '../call/VisitsInProgress.tsx';
import { OpenCaseForm } from '../cases/OpenCaseForm.tsx';
import { FollowupWorklist } from '../followups/FollowupWorklist.tsx';
import { ActivityList } from '../worklist/ActivityList.tsx';
import { ConsultList } from '../worklist/ConsultList.tsx';
import { AwaitingReadList } from '../worklist/AwaitingReadList.tsx';
import { MyAgreementPanel } from '../consultation/AgreementPanels.tsx';
import { DiscussionDesk } from '../discussion/DiscussionDesk.tsx';

/** Desk layout: a scannable table of every case the doctor is assigned to or invited on. */
export function DoctorHome() {
  const { t } = useTranslation('worklist');
  const cases = useCaseList();
  const firstLoad = cases.loading && cases.items.length === 0;
  const people = usePeople(cases.items.map((item) => item.patientId));
  const [opening, setOpening] = useState(false);

  return (
    <section className="doctor-home" data-testid="home-doctor" aria-labelledby="doctor-home-title">
      <div className="page-heading">
        <h1 id="doctor-home-title">{t('doctorHome.title')}</h1>
        <WaitingRoomLink />
        <button
          type="button"
          className="button"
          data-testid="open-case"
          aria-expanded={opening}
          onClick={() => setOpening((was) => !was)}
        >
          {t('doctorHome.openCase')}
        </button>
        <Link className="button button--secondary" to={PATHS.doctorAnalytics} data-testid="open-clinic-analytics">
          {t('doctorHome.analytics')}
        </Link>
        <button
          type="button"
          className="button button--secondary"
          onClick={cases.reload}
          disabled={cases.loading}
        >
          {t('doctorHome.refresh')}
        </button>
      </div>

      {opening && <OpenCaseForm onClose={() => setOpening(false)} />}
      <VisitsInProgress />
      <ActivityList />
      <ConsultList />
      <AwaitingReadList />
      <DiscussionDesk />
      <FollowupWorklist />
      {cases.error !== null && <ErrorBanner error={cases.error} onRetry={cases.reload} />}
      {firstLoad && <Loading label={t('doctorHome.loading')} />}

      {!firstLoad && cases.error === null && cases.items.length === 0 && (
        <p className="empty">{t('doctorHome.empty')}</p>
      )}

      {cases.items.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <caption className="visually-hidden">{t('doctorHome.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('doctorHome.condition')}</th>
                <th scope="col">{t('doctorHome.patient')}</th>
                <th scope="col">{t('doctorHome.status')}</th>
                <th scope="col">{t('doctorHome.opened')}</th>
                <th scope="col">{t('doctorHome.updated')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('doctorHome.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="case-list">
              {cases.items.map((item) => (
                <tr key={item.caseId} data-testid="case-item">
                  <th scope="row" translate="no">{item.condition}</th>
                  <td data-testid="case-item-patient" translate="no">
                    {describePerson(people.get(item.patientId), t('doctorHome.patient'))}
                  </td>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td>{formatDateTime(item.openedAt)}</td>
                  <td>{formatDateTime(item.updatedAt)}</td>
                  <td>
                    <Link
                      className="button button--small"
                      to={casePath(item.caseId)}
                      aria-label={t('doctorHome.openCaseOf', { condition: item.condition })}
                    >
                      {t('doctorHome.open')}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {cases.hasMore && (
        <button
          type="button"
          className="button button--secondary"
          onClick={cases.loadMore}
          disabled={cases.loading}
        >
          {cases.loading ? t('doctorHome.loadingMore') : t('doctorHome.loadMore')}
        </button>
      )}
      <MyAgreementPanel />
    </section>
  );
}
