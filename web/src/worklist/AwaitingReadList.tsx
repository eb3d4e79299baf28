// The doctor's home page: consultation rounds waiting for this doctor's read, by who asked and whose
// case; each opens the round on its case's page. Blinded like the round itself: nothing of the other
// readers shows here.

import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { AwaitingRead } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys } from '../data/index.ts';
import { usePagedList } from '../data/pagedList.ts';
import { formatDateTime } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { roundPath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

type SentenceKey = 'patientCondition' | 'patient' | 'condition' | 'plain';

// Rounds a page asks for; the server walks the doctor's cases until it has found this many.
const PAGE_SIZE = 20;

function sentenceParts(row: AwaitingRead): { key: `awaiting.sentence.${SentenceKey}`; values: { who: string; patient: string; condition: string } } {
  const named = Boolean(row.patientName);
  const withCondition = Boolean(row.condition);
  const which: SentenceKey = named ? (withCondition ? 'patientCondition' : 'patient') : withCondition ? 'condition' : 'plain';
  return {
    key: `awaiting.sentence.${which}`,
    values: {
      who: row.leadName || i18next.t('worklist:awaiting.aColleague'),
      patient: row.patientName ?? '',
      condition: row.condition ?? '',
    },
  };
}

/** "Dr. Mei Chen asks for your read on Alex Morgan's case (Plaque psoriasis)." */
export function awaitingSentence(row: AwaitingRead): string {
  const { key, values } = sentenceParts(row);
  const sentence: string = i18next.t(`worklist:${key}`, { ...values });
  return sentence.replace(/<\/?(who|patient|cond)>/g, '');
}

function AwaitingSentence({ row }: { row: AwaitingRead }) {
  const { key, values } = sentenceParts(row);
  return (
    <Trans ns="worklist" i18nKey={key} values={values} components={{
      who: row.leadName ? <span translate="no" /> : <span />,
      patient: <span translate="no" />,
      cond: <span translate="no" />,
    }} />
  );
}

export function AwaitingReadList() {
  const { t } = useTranslation('worklist');
  const { api } = useServices();
  const list = usePagedList<AwaitingRead>({
    queryKey: queryKeys.worklistReads(),
    fetchPage: (cursor, signal) => api.worklistReads(cursor === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, cursor }, signal),
    itemKey: (row) => row.roundId,
  });
  return (
    <section className="worklist" data-testid="awaiting-reads" aria-labelledby="awaiting-title">
      <h2 id="awaiting-title">{t('awaiting.title')}</h2>
      {list.error !== null && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.loaded && list.items.length === 0 && !list.hasMore && <p className="empty">{t('awaiting.empty')}</p>}
      {list.items.length > 0 && (
        <ul className="consult-list">
          {list.items.map((row) => (
            <li key={row.roundId} data-testid="awaiting-item" data-round-id={row.roundId} data-case-id={row.caseId}>
              <span data-testid="awaiting-sentence"><AwaitingSentence row={row} /></span>{' '}
              <span className="tag">{t('awaiting.openedAt', { date: formatDateTime(row.openedAt) })}</span>
              <blockquote className="consult-question" translate="no">{row.question}</blockquote>
              <Link className="button button--small" to={roundPath(row.caseId, row.roundId)} data-testid="awaiting-open"
                aria-label={row.patientName ? t('awaiting.openRoundOf', { name: row.patientName }) : t('awaiting.openRoundOfUnnamed')}>
                {t('awaiting.open')}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {list.hasMore && (
        <button type="button" className="button button--secondary button--small" onClick={list.loadMore}
          disabled={list.loading}>
          {list.loadingMore ? t('awaiting.loadingMore') : t('awaiting.loadMore')}
        </button>
      )}
    </section>
  );
}
