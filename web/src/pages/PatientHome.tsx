import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDate } from '../format.ts';
import { useCaseList } from '../hooks.ts';
import { NextSteps, NoticeList } from '../followups/NextSteps.tsx';
import { NoticeSettingsPanel } from '../followups/NoticeSettingsForm.tsx';
import { MyDataDownload } from '../record/MyDataDownload.tsx';
import { casePath } from '../routing/roles.ts';

/** Phone-first: one column of large, tappable case cards. */
export function PatientHome() {
  const { t } = useTranslation('cases');
  const me = useSignedInUser();
  const cases = useCaseList();
  const firstLoad = cases.loading && cases.items.length === 0;

  return (
    <section className="patient-home" data-testid="home-patient" aria-labelledby="patient-home-title">
      <h1 id="patient-home-title">
        <Trans t={t} i18nKey="patientHome.hello" values={{ name: me.displayName }} components={{ name: <span translate="no" /> }} />
      </h1>
      <NextSteps cases={cases.items} />
      <NoticeList />
      <h2 className="section-title">{t('patientHome.yourCases')}</h2>

      {cases.error !== null && <ErrorBanner error={cases.error} onRetry={cases.reload} />}
      {firstLoad && <Loading label={t('patientHome.loading')} />}

      {!firstLoad && cases.error === null && cases.items.length === 0 && (
        <p className="empty">{t('patientHome.empty')}</p>
      )}

      {cases.items.length > 0 && (
        <ul className="case-cards" data-testid="case-list">
          {cases.items.map((item) => (
            <li key={item.caseId} data-testid="case-item">
              <Link className="case-card" to={casePath(item.caseId)}>
                <span className="case-card__condition" translate="no">
                  {item.condition}
                </span>
                <span className="case-card__meta">
                  <StatusBadge status={item.status} />
                  <span>{t('patientHome.updated', { date: formatDate(item.updatedAt) })}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}

      {cases.hasMore && (
        <button
          type="button"
          className="button button--secondary button--block"
          onClick={cases.loadMore}
          disabled={cases.loading}
        >
          {cases.loading ? t('patientHome.loadingMore') : t('patientHome.showMore')}
        </button>
      )}

      <NoticeSettingsPanel />
      <MyDataDownload patientId={me.userId} />
    </section>
  );
}
