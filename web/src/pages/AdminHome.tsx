import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { NewAccountForm } from '../admin/NewAccountForm.tsx';
import type { AdminUser } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { queryKeys } from '../data/index.ts';
import { useAdminUsers } from '../hooks.ts';
import { useServices } from '../services.tsx';

/** Operations only: accounts, never clinical content (the contract gives admins no case data). */
export function AdminHome() {
  const users = useAdminUsers();
  const reload = () => void users.refetch();

  return (
    <section className="admin-home" data-testid="home-admin" aria-labelledby="admin-home-title">
      <div className="page-heading">
        <h1 id="admin-home-title">Users</h1>
        <button
          type="button"
          className="button button--secondary"
          onClick={reload}
          disabled={users.isFetching}
        >
          Refresh
        </button>
      </div>

      <NewAccountForm />

      {users.isPending && <Loading label="Loading users…" />}
      {users.error !== null && <ErrorBanner error={users.error} onRetry={reload} />}
      {users.data !== undefined && users.data.items.length === 0 && (
        <p className="empty">There are no users.</p>
      )}
      {users.data !== undefined && users.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="user-table">
            <caption className="visually-hidden">All user accounts</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Enabled</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="user-list">
              {users.data.items.map((user) => (
                // The account name identifies a user to operations; the raw id is no one's name.
                <tr key={user.userId} data-testid="user-item" data-user-id={user.userId}>
                  <th scope="row">{user.username}</th>
                  <td>{user.role}</td>
                  <td>{user.enabled ? 'Yes' : 'No'}</td>
                  <td>{formatDateTime(user.createdAt)}</td>
                  <td>
                    {user.role !== 'admin' && (
                      <>
                        <EnableToggle user={user} />
                        <RenameControl user={user} />
                      </>
                    )}
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

/** Disable (which also signs the account out everywhere) or enable an account. */
function EnableToggle({ user }: { user: AdminUser }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: () => api.setAccountEnabled(user.username, !user.enabled),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.adminUsers() }),
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
        {user.enabled ? 'Disable' : 'Enable'}
      </button>
      {change.error !== null && <ErrorBanner error={change.error} />}
    </>
  );
}

/** Correct the display name patients and doctors see (names are never listed here: no clinical context). */
function RenameControl({ user }: { user: AdminUser }) {
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
        Rename
      </button>
    );
  }
  return (
    <span className="rename">
      <input
        aria-label={`New display name for ${user.username}`}
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
        Save
      </button>
      <button type="button" className="button button--small button--secondary" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {rename.error !== null && <ErrorBanner error={rename.error} />}
    </span>
  );
}
