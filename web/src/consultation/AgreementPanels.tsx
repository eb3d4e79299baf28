// Agreement figures: the clinic's (analytics page) and the signed-in doctor's agreement with the
// consensus month by month (doctor's home). Figures only: no patient, no case, no text.

import { useQuery } from '@tanstack/react-query';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { formatMonth } from '../format.ts';
import { describePerson, queryKeys, usePeople } from '../data/index.ts';
import { useServices } from '../services.tsx';
import { estimateText, kappaWords, share } from './figures.ts';
import { Trans, useTranslation } from 'react-i18next';
import './consultation.css';

export function ClinicAgreementPanel() {
  const { api } = useServices();
  const me = useSignedInUser();
  const { t } = useTranslation('consultation');
  const figures = useQuery({ queryKey: queryKeys.clinicAgreement(), queryFn: ({ signal }) => api.clinicAgreement(signal) });
  const data = figures.data;
  const people = usePeople([
    ...(data?.cohenPairs.flatMap((pair) => pair.doctorIds) ?? []),
    ...(data?.withConsensus.map((row) => row.doctorId) ?? []),
  ]);
  const nameOf = (id: string) => (id === me.userId
    ? t('people.you', { name: describePerson(people.get(id), me.displayName) })
    : describePerson(people.get(id), t('people.colleague')));
  return (
    <section className="analytics-card" data-testid="clinic-agreement" aria-labelledby="agreement-title">
      <h2 id="agreement-title">{t('clinic.title')}</h2>
      {figures.error !== null && <ErrorBanner error={figures.error} onRetry={() => void figures.refetch()} />}
      {data !== undefined && data.rounds === 0 && <p className="empty">{t('clinic.none')}</p>}
      {data !== undefined && data.rounds > 0 && (
        <>
          <p className="cohort__note">
            {t('clinic.note', { rounds: data.rounds })}
          </p>
          <dl className="facts">
            <div>
              <dt>{t('clinic.raw')}</dt>
              <dd data-testid="agreement-raw">
                {t('clinic.rawValue', {
                  diagnosis: share(data.rawAgreement.diagnosis),
                  severity: share(data.rawAgreement.severity),
                  n: data.rawAgreement.n,
                })}
              </dd>
            </div>
            <div>
              <dt>{t('clinic.fleiss')}</dt>
              <dd data-testid="agreement-fleiss">
                {estimateText(data.fleissDiagnosis, 'rounds')}
                {data.fleissDiagnosis.value !== null && ` · ${kappaWords(data.fleissDiagnosis.value)}`}
                {data.fleissDiagnosis.readsPerRound !== null && t('clinic.readsPerRound', { reads: data.fleissDiagnosis.readsPerRound })}
              </dd>
            </div>
            <div>
              <dt>{t('clinic.alpha')}</dt>
              <dd data-testid="agreement-alpha">{estimateText(data.alphaSeverity, 'rounds')}</dd>
            </div>
          </dl>
          {data.cohenPairs.length > 0 && (
            <div className="table-scroll">
              <table className="case-table consult-agreement-table" data-testid="agreement-pairs">
                <caption>{t('clinic.pairs')}</caption>
                <thead><tr><th scope="col">{t('clinic.doctors')}</th><th scope="col">{t('clinic.kappa')}</th></tr></thead>
                <tbody>
                  {data.cohenPairs.map((pair) => (
                    <tr key={pair.doctorIds.join('-')} data-testid="agreement-pair">
                      <th scope="row">
                        <Trans
                          t={t}
                          i18nKey="clinic.pair"
                          values={{ first: nameOf(pair.doctorIds[0]), second: nameOf(pair.doctorIds[1]) }}
                          components={{ name: <span translate="no" /> }}
                        />
                      </th>
                      <td>{estimateText(pair, 'rounds')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.withConsensus.length > 0 && (
            <div className="table-scroll">
              <table className="case-table consult-agreement-table" data-testid="agreement-consensus">
                <caption>{t('clinic.withConsensus')}</caption>
                <thead><tr><th scope="col">{t('clinic.doctor')}</th><th scope="col">{t('clinic.diagnosis')}</th><th scope="col">{t('clinic.severity')}</th></tr></thead>
                <tbody>
                  {data.withConsensus.map((row) => (
                    <tr key={row.doctorId}>
                      <th scope="row" translate="no">{nameOf(row.doctorId)}</th>
                      <td>{estimateText(row.diagnosis, 'reads', true)}</td>
                      <td>{estimateText(row.severity, 'reads', true)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function MyAgreementPanel() {
  const { api } = useServices();
  const { t } = useTranslation('consultation');
  const figures = useQuery({ queryKey: queryKeys.myAgreement(), queryFn: ({ signal }) => api.myAgreement(signal) });
  const data = figures.data;
  const months = data?.months.filter((month) => month.diagnosis.n > 0) ?? [];
  return (
    <section className="analytics-card" data-testid="my-agreement" aria-labelledby="my-agreement-title">
      <h2 id="my-agreement-title">{t('mine.title')}</h2>
      {figures.error !== null && <ErrorBanner error={figures.error} onRetry={() => void figures.refetch()} />}
      {data !== undefined && data.overall.diagnosis.n === 0 && (
        <p className="empty">{t('mine.none')}</p>
      )}
      {data !== undefined && data.overall.diagnosis.n > 0 && (
        <>
          <p data-testid="my-agreement-overall">
            {t('mine.overall', { estimate: estimateText(data.overall.diagnosis, 'reads', true) })}
          </p>
          <div className="table-scroll">
            <table className="case-table consult-agreement-table">
              <thead><tr><th scope="col">{t('mine.month')}</th><th scope="col">{t('mine.reads')}</th><th scope="col">{t('mine.sameDiagnosis')}</th>
                <th scope="col">{t('mine.sameIga')}</th></tr></thead>
              <tbody>
                {months.map((month) => (
                  <tr key={month.month} data-testid="my-agreement-month">
                    <th scope="row" data-month={month.month}>{formatMonth(month.month)}</th>
                    <td>{month.diagnosis.n}</td>
                    <td>
                      <span className="consult-bar" style={{ width: `${Math.round((month.diagnosis.value ?? 0) * 60)}px` }} />{' '}
                      {share(month.diagnosis.value)}
                    </td>
                    <td>{share(month.severity.value)}</td>
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
