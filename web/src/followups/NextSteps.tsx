// The patient's home page: what the next follow-up asks, one tap to where it is done, overdue said
// plainly; then their notices (reminders), live while the app is open, and their reminder settings.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { CaseSummary } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import { useLiveNotices, useMyFollowups, useNotices } from './useFollowups.ts';
import { askLabel, askTarget, dueText, noticeText } from './wording.ts';
import './followups.css';

export function NextSteps({ cases }: { cases: readonly CaseSummary[] }) {
  const { t } = useTranslation('followups');
  useLiveNotices();
  const followups = useMyFollowups();
  const conditions = new Map(cases.map((c) => [c.caseId, c.condition]));
  const data = followups.data;
  if (followups.error !== null) return <ErrorBanner error={followups.error} onRetry={() => void followups.refetch()} />;
  if (data === undefined || data.items.length === 0) return null;
  return (
    <section className="next-steps" data-testid="next-steps" aria-labelledby="next-steps-title">
      <h2 id="next-steps-title" className="section-title">{t('next.title')}</h2>
      <ul className="next-steps__list">
        {data.items.map((f) => (
          <li key={f.followupId} className={`next-step next-step--${f.state}`} data-testid="next-step" data-state={f.state}>
            <p className="next-step__when" data-testid="next-step-when">
              {f.state === 'overdue' && <span aria-hidden="true">⚠ </span>}
              {dueText(f.dueDate, data.today, f.state)}
            </p>
            {conditions.get(f.caseId) === undefined
              ? <p className="next-step__case">{t('next.yourCase')}</p>
              : <p className="next-step__case" translate="no">{conditions.get(f.caseId)}</p>}
            <ul className="next-step__asks">
              {f.asks.filter((ask) => !f.met.includes(ask)).map((ask) => (
                <li key={ask}>
                  <Link className="button button--block" to={askTarget(casePath(f.caseId), ask)}
                    data-testid={`next-step-do-${ask}`}>
                    {askLabel(ask)}
                  </Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function NoticeList() {
  const { t } = useTranslation('followups');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const notices = useNotices();
  const read = useMutation({
    mutationFn: (noticeId: string) => api.readNotice(noticeId),
    onSuccess: () => reloadChanged(queryClient, queryKeys.notices()),
  });
  const data = notices.data;
  if (data === undefined || data.items.length === 0) return null;
  return (
    <section className="notices" data-testid="notices" aria-labelledby="notices-title">
      <h2 id="notices-title" className="section-title">
        {t('notices.title')}{' '}
        {data.unread > 0 && <span className="badge" data-testid="notices-unread">{t('notices.unread', { count: data.unread })}</span>}
      </h2>
      <ul className="notices__list">
        {data.items.map((n) => (
          <li key={n.noticeId} className={n.read ? 'notice' : 'notice notice--unread'} data-testid="notice"
            data-kind={n.kind}>
            <Link to={casePath(n.caseId)} onClick={() => { if (!n.read) read.mutate(n.noticeId); }}>
              {noticeText(n.kind, n.dueDate)}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
