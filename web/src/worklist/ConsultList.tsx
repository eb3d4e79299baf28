// The doctor's home page: cases colleagues asked this doctor to look at, by who asked and whose case,
// with how long the access lasts; each opens the case.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ConsultRequest } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { formatDate } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

type SentenceKey = 'patientCondition' | 'patient' | 'condition' | 'plain';

/** The sentence's key and values: names and the condition are data, "a colleague" is the app's. */
function sentenceParts(row: ConsultRequest): { key: `consult.sentence.${SentenceKey}`; values: { who: string; patient: string; condition: string } } {
  const named = Boolean(row.patientName);
  const withCondition = Boolean(row.condition);
  const which: SentenceKey = named ? (withCondition ? 'patientCondition' : 'patient') : withCondition ? 'condition' : 'plain';
  return {
    key: `consult.sentence.${which}`,
    values: {
      who: row.invitedByName || i18next.t('worklist:consult.aColleague'),
      patient: row.patientName ?? '',
      condition: row.condition ?? '',
    },
  };
}

/** "Dr. Mei Chen asked you to look at Alex Morgan's case (Plaque psoriasis)." */
export function consultSentence(row: ConsultRequest): string {
  const { key, values } = sentenceParts(row);
  const sentence: string = i18next.t(`worklist:${key}`, { ...values });
  return sentence.replace(/<\/?(who|patient|cond)>/g, '');
}

/** The same sentence on screen, with the names and condition marked as data (never translated). */
function ConsultSentence({ row }: { row: ConsultRequest }) {
  const { key, values } = sentenceParts(row);
  return (
    <Trans ns="worklist" i18nKey={key} values={values} components={{
      who: row.invitedByName ? <span translate="no" /> : <span />,
      patient: <span translate="no" />,
      cond: <span translate="no" />,
    }} />
  );
}

export function ConsultList() {
  const { t } = useTranslation('worklist');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const answer = useMutation({
    mutationFn: ({ caseId, accepted }: { caseId: string; accepted: boolean }) =>
      api.answerInvitation(caseId, accepted ? 'accepted' : 'declined'),
    // A declined case leaves this list and the doctor's cases.
    onSuccess: () => reloadChanged(queryClient, queryKeys.all),
  });
  const consults = useQuery({ queryKey: queryKeys.worklistConsults(), queryFn: ({ signal }) => api.worklistConsults(signal) });
  const items = consults.data?.items ?? [];
  return (
    <section className="worklist" data-testid="consult-list" aria-labelledby="consult-title">
      <h2 id="consult-title">{t('consult.title')}</h2>
      {consults.error !== null && <ErrorBanner error={consults.error} onRetry={() => void consults.refetch()} />}
      {consults.data !== undefined && items.length === 0 && <p className="empty">{t('consult.empty')}</p>}
      {answer.error !== null && <ErrorBanner error={answer.error} />}
      {items.length > 0 && (
        <ul className="consult-list">
          {items.map((row) => (
            <li key={row.caseId} data-testid="consult-item" data-case-id={row.caseId}>
              <span data-testid="consult-sentence"><ConsultSentence row={row} /></span>{' '}
              {row.until !== null && <span className="tag">{t('consult.until', { date: formatDate(row.until) })}</span>}{' '}
              {row.question !== null && (
                <blockquote className="consult-question" data-testid="consult-question" translate="no">{row.question}</blockquote>
              )}
              {row.answer === 'pending' ? (
                <span className="form-actions">
                  <button type="button" className="button button--small" data-testid="consult-accept"
                    disabled={answer.isPending} onClick={() => answer.mutate({ caseId: row.caseId, accepted: true })}>
                    {t('consult.accept')}
                  </button>
                  <button type="button" className="button button--small button--secondary" data-testid="consult-decline"
                    disabled={answer.isPending} onClick={() => answer.mutate({ caseId: row.caseId, accepted: false })}>
                    {t('consult.decline')}
                  </button>
                </span>
              ) : (
                <span className="tag" data-testid="consult-answered">{t('consult.accepted')}</span>
              )}{' '}
              <Link className="button button--small" to={casePath(row.caseId)}
                aria-label={!row.patientName ? t('consult.openCaseOfUnnamed') : t('consult.openCaseOf', { name: row.patientName })}>
                {t('consult.open')}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
