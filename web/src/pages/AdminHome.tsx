import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AuditTrailPanel, roleLabel } from '../admin/AuditTrailPanel.tsx';
import { HealthPanel } from '../admin/HealthPanel.tsx';
import { NewAccountForm } from '../admin/NewAccountForm.tsx';
import type { AdminUser } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useAdminUsers } from '../hooks.ts';
import { useServices } from '../services.tsx';

/** Operations only: accounts, health and the audit trail; never clinical content (admins get no case data). */
export function AdminHome() {
  const { t } = useTranslation('admin');
  const users = useAdminUsers();
  const reload = () => void users.refetch();

  return (
    <section className="admin-home" data-testid="home-admin" aria-labelledby="admin-home-title">
      <div className="page-heading">
        <h1 id="admin-home-title">{t('home.title')}</h1>
        <button
          type="button"
          className="button button--secondary"
          onClick={reload}
          disabled={users.isFetching}
        >
          {t('home.refresh')}
        </button>
      </div>

      <NewAccountForm />

      {users.isPending && <Loading label={t('home.loading')} />}
      {users.error !== null && <ErrorBanner error={users.error} onRetry={reload} />}
      {users.data !== undefined && users.data.items.length === 0 && (
        <p className="empty">{t('home.empty')}</p>
      )}
      {users.data !== undefined && users.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="user-table">
            <caption className="visually-hidden">{t('home.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('home.username')}</th>
                <th scope="col">{t('home.role')}</th>
                <th scope="col">{t('home.enabled')}</th>
                <th scope="col">{t('home.created')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('home.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="user-list">
              {users.data.items.map((user) => (
                // The account name identifies a user to operations; the raw id is no one's name.
                <tr key={user.userId} data-testid="user-item" data-user-id={user.userId}>
                  <th scope="row" translate="no">{user.username}</th>
                  <td>{roleLabel(user.role)}</td>
                  <td>{user.enabled ? t('home.yes') : t('home.no')}</td>
                  <td>{formatDateTime(user.createdAt)}</td>
                  <td>
                    {user.role !== 'admin' && (
                      <>
                        <EnableToggle user={user} />
                        <RenameControl user={user} />
                        <ResetPasswordButton username={user.username} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <HealthPanel />
      <AuditTrailPanel users={users.data?.items ?? []} />
    </section>
  );
}

/** Disable (which also signs the account out everywhere) or enable an account. */
function EnableToggle({ user }: { user: AdminUser }) {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: () => api.setAccountEnabled(user.username, !user.enabled),
    onSuccess: () => reloadChanged(queryClient, queryKeys.adminUsers()),
  });
  return (
    <>
      <button
        type="button"
        className="button button--small button--secondary"
        data-testid={user.enabled ? 'user-disable' : 'user-enable'}
        disabled={change.isPending}
        onClick={() => change.mutate()}
      >
        {user.enabled ? t('home.disable') : t('home.enable')}
      </button>
      {change.error !== null && <ErrorBanner error={change.error} />}
    </>
  );
}

/** A new temporary password by the invitation message (the person chooses their own at next sign-in). */
function ResetPasswordButton({ username }: { username: string }) {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const reset = useMutation({ mutationFn: () => api.resetAccountPassword(username) });
  return (
    <>
      <button
        type="button"
        className="button button--small button--link"
        data-testid="user-reset-password"
        disabled={reset.isPending}
        onClick={() => {
          if (window.confirm(t('home.resetConfirm', { username }))) {
            reset.mutate();
          }
        }}
      >
        {t('home.reset')}
      </button>
      {reset.isSuccess && <span role="status" data-testid="user-reset-done">{t('home.resetDone')}</span>}
      {reset.error !== null && <ErrorBanner error={reset.error} />}
    </>
  );
}

/** Correct the display name patients and doctors see (names are never listed here: no clinical context). */
function RenameControl({ user }: { user: AdminUser }) {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const rename = useMutation({
    mutationFn: () => api.renameAccount(user.username, name.trim()),
    onSuccess: () => {
      setEditing(false);
      setName('');
    },
  });
  if (!editing) {
    return (
      <button type="button" className="button button--small button--link" data-testid="user-rename" onClick={() => setEditing(true)}>
        {t('home.rename')}
      </button>
    );
  }
  return (
    <span className="rename">
      <input
        aria-label={t('home.renameLabel', { username: user.username })}
        value={name}
        maxLength={100}
        data-testid="user-rename-name"
        onChange={(event) => setName(event.target.value)}
      />
      <button
        type="button"
        className="button button--small"
        data-testid="user-rename-save"
        disabled={rename.isPending || name.trim() === ''}
        onClick={() => rename.mutate()}
      >
        {t('home.save')}
      </button>
      <button type="button" className="button button--small button--secondary" onClick={() => setEditing(false)}>
        {t('home.cancel')}
      </button>
      {rename.error !== null && <ErrorBanner error={rename.error} />}
    </span>
  );
}
