// A doctor's home page: the case discussions with messages they have not read (by the case's
// condition and the patient's name), live over the WebSocket; the same socket's invitation notices
// reload "Asked to consult" (useLiveDiscussion).

import { Link } from 'react-router';
import { useSignaling } from '../call/useCallSupport.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { describePerson, usePeople } from '../data/index.ts';
import { useCaseList } from '../hooks.ts';
import { casePath } from '../routing/roles.ts';
import type { CaseUnread } from './types.ts';
import { useLiveDiscussion, useUnread } from './useDiscussion.ts';
import { useTranslation } from 'react-i18next';
import './discussion.css';

export function DiscussionDesk() {
  useLiveDiscussion();
  const { state } = useSignaling();
  const unread = useUnread();
  const { t } = useTranslation('discussion');
  const counts = unread.data ?? [];
  return (
    <section className="consult-desk" data-testid="consult-desk" data-live={state} aria-label={t('desk.label')}>
      {unread.error !== null && <ErrorBanner error={unread.error} onRetry={() => void unread.refetch()} />}
      {counts.length > 0 && <UnreadList counts={counts} />}
    </section>
  );
}

function UnreadList({ counts }: { counts: CaseUnread[] }) {
  const cases = useCaseList();
  const byId = new Map(cases.items.map((item) => [item.caseId, item]));
  const people = usePeople(cases.items.map((item) => item.patientId));
  const { t } = useTranslation('discussion');
  return (
    <div>
      <h2>{t('desk.title')}</h2>
      <ul className="consult-desk__list" data-testid="consult-unread">
        {counts.map(({ caseId, unread }) => {
          const known = byId.get(caseId);
          return (
            <li key={caseId} className="consult-desk__item" data-testid="consult-unread-case" data-case-id={caseId}>
              <Link to={casePath(caseId)}>
                {known !== undefined ? (
                  <span translate="no">{`${known.condition} · ${describePerson(people.get(known.patientId), t('desk.patient'))}`}</span>
                ) : (
                  t('desk.aCase')
                )}
              </Link>{' '}
              <span className="consult-badge" data-testid="consult-unread-count">
                {t('desk.unread', { count: unread })}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
