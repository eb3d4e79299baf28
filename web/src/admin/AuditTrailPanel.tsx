// The audit viewer (admins): one patient's trail, newest first, filtered by who, what and how it
// ended, with what the hourly verification last found for the chain holding it. People appear by
// their account name and role; no clinical content exists in the trail to show.

import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminUser, AuditEntry, AuditOutcome, AuditQuery, ChainVerification } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { usePagedList } from '../data/pagedList.ts';
import { formatDateTime } from '../format.ts';
import { i18next } from '../i18n/index.ts';
import { useServices } from '../services.tsx';

const OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'not_found', 'conflict'];

// Keys looked up by a code the server sends; the typed t() knows only literal keys.
const lookUp = i18next.t as unknown as (key: string, options?: Record<string, unknown>) => string;

/** An account's role in words ("doctor"); a role this app does not know is shown as its code. */
export function roleLabel(role: string): string {
  return i18next.exists(`admin:role.${role}`) ? lookUp(`admin:role.${role}`) : role;
}

/** An audited action in words, by its code ("record.read"); an action without words is its code. */
function actionLabel(action: string): string {
  return i18next.exists(`admin:action.${action}`) ? lookUp(`admin:action.${action}`) : action;
}

function outcomeLabel(outcome: string): string {
  return i18next.exists(`admin:outcome.${outcome}`) ? lookUp(`admin:outcome.${outcome}`) : outcome;
}

/** "dr.chen (doctor)" for an account the admin list knows; "an account no longer listed" otherwise. */
export function accountLabel(userId: string, accounts: ReadonlyMap<string, AdminUser>): string {
  const account = accounts.get(userId);
  return account === undefined
    ? i18next.t('admin:audit.unlisted')
    : i18next.t('admin:audit.account', { username: account.username, role: roleLabel(account.role) });
}

/** The same on screen, the username marked as data (never translated). */
function AccountName({ userId, accounts }: { userId: string; accounts: ReadonlyMap<string, AdminUser> }) {
  const account = accounts.get(userId);
  if (account === undefined) return <>{i18next.t('admin:audit.unlisted')}</>;
  return <><span translate="no">{account.username}</span> ({roleLabel(account.role)})</>;
}

/** The verification line: when it ran, and whether the chain held. */
export function verificationText(verification: ChainVerification | undefined): string {
  if (verification === undefined) return '';
  if (verification.checkedAt === null) return i18next.t('admin:audit.notVerified');
  const when = formatDateTime(verification.checkedAt);
  if (verification.ok === true) {
    return i18next.t('admin:audit.intact', { when, count: verification.entries ?? 0 });
  }
  return i18next.t('admin:audit.failed', {
    when, seq: verification.firstBadSeq ?? '?', problem: verification.problem ?? i18next.t('admin:audit.unknownProblem'),
  });
}

export function AuditTrailPanel({ users }: { users: AdminUser[] }) {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const accounts = useMemo(() => new Map(users.map((user) => [user.userId, user])), [users]);
  const patients = users.filter((user) => user.role === 'patient');
  const [patientId, setPatientId] = useState('');
  const [actorId, setActorId] = useState('');
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState<AuditOutcome | ''>('');

  const query: AuditQuery = {
    patientId,
    ...(actorId !== '' ? { actorId } : {}),
    ...(action.trim() !== '' ? { action: action.trim() } : {}),
    ...(outcome !== '' ? { outcome } : {}),
  };
  const trail = usePagedList<AuditEntry>({
    queryKey: queryKeys.auditTrail(query),
    fetchPage: (cursor, signal) => api.getAuditTrail(query, cursor, signal),
    itemKey: (entry) => `${entry.chain}#${entry.seq}`,
    enabled: patientId !== '',
  });
  const verification = (trail.firstPage as { verification?: ChainVerification } | undefined)?.verification;

  return (
    <section className="panel" data-testid="audit-panel" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('audit.title')}</h2>
      <div className="audit-filters">
        <label className="field">
          <span className="field__label">{t('audit.patient')}</span>
          <select className="field__input" value={patientId} onChange={(event) => setPatientId(event.target.value)}
            data-testid="audit-patient">
            <option value="">{t('audit.choosePatient')}</option>
            {patients.map((patient) => (
              <option key={patient.userId} value={patient.userId} translate="no">{patient.username}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">{t('audit.by')}</span>
          <select className="field__input" value={actorId} onChange={(event) => setActorId(event.target.value)}
            data-testid="audit-actor">
            <option value="">{t('audit.anyone')}</option>
            {users.map((user) => (
              <option key={user.userId} value={user.userId} translate="no">{user.username} ({roleLabel(user.role)})</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">{t('audit.action')}</span>
          <input className="field__input" value={action} placeholder={t('audit.actionPlaceholder')}
            onChange={(event) => setAction(event.target.value)} data-testid="audit-action" />
        </label>
        <label className="field">
          <span className="field__label">{t('audit.outcome')}</span>
          <select className="field__input" value={outcome}
            onChange={(event) => setOutcome(event.target.value as AuditOutcome | '')} data-testid="audit-outcome">
            <option value="">{t('audit.any')}</option>
            {OUTCOMES.map((choice) => (
              <option key={choice} value={choice}>{outcomeLabel(choice)}</option>
            ))}
          </select>
        </label>
      </div>

      {patientId === '' && <p className="empty">{t('audit.choosePrompt')}</p>}
      {verification !== undefined && (
        <p className={`notice${verification.ok === false ? ' notice--error' : ''}`} role="status"
          data-testid="audit-verification" data-ok={String(verification.ok ?? '')}>
          {verificationText(verification)}
        </p>
      )}
      {patientId !== '' && !trail.loaded && trail.loading && <Loading label={t('audit.loading')} />}
      {trail.error !== null && trail.error !== undefined && <ErrorBanner error={trail.error} onRetry={trail.reload} />}
      {trail.loaded && trail.items.length === 0 && <p className="empty" data-testid="audit-empty">{t('audit.empty')}</p>}
      {trail.items.length > 0 && (
        <div className="table-scroll">
          <table className="user-table">
            <caption className="visually-hidden">{t('audit.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.who')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.on')}</th>
                <th scope="col">{t('audit.outcome')}</th>
              </tr>
            </thead>
            <tbody data-testid="audit-entries">
              {trail.items.map((entry) => (
                <tr key={`${entry.chain}#${entry.seq}`} data-testid="audit-entry" data-outcome={entry.outcome}
                  data-action={entry.action}>
                  <td>{formatDateTime(entry.at)}</td>
                  <td data-testid="audit-entry-actor"><AccountName userId={entry.actorId} accounts={accounts} /></td>
                  <td>{actionLabel(entry.action)}</td>
                  {/* A route or resource type: a technical identifier, the same in every language. */}
                  <td translate="no">{entry.resource.type === 'route' ? entry.resource.id : entry.resource.type}</td>
                  <td>{outcomeLabel(entry.outcome)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {trail.hasMore && (
        <button type="button" className="button button--secondary" onClick={trail.loadMore}
          disabled={trail.loadingMore} data-testid="audit-more">
          {t('audit.more')}
        </button>
      )}
    </section>
  );
}
