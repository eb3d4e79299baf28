import { useCallback } from 'react';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useAsyncResource } from '../hooks.ts';
import { useServices } from '../services.tsx';

/** Operations only: accounts, never clinical content (the contract gives admins no case data). */
export function AdminHome() {
  const { api } = useServices();
  const loadUsers = useCallback((signal: AbortSignal) => api.listAdminUsers(signal), [api]);
  const users = useAsyncResource(loadUsers);

  return (
    <section className="admin-home" data-testid="home-admin" aria-labelledby="admin-home-title">
      <div className="page-heading">
        <h1 id="admin-home-title">Users</h1>
        <button
          type="button"
          className="button button--secondary"
          onClick={users.reload}
          disabled={users.status === 'loading'}
        >
          Refresh
        </button>
      </div>

      {users.status === 'loading' && <Loading label="Loading users…" />}
      {users.status === 'error' && <ErrorBanner error={users.error} onRetry={users.reload} />}
      {users.status === 'ready' && users.data.items.length === 0 && (
        <p className="empty">There are no users.</p>
      )}
      {users.status === 'ready' && users.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="user-table">
            <caption className="visually-hidden">All user accounts</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Enabled</th>
                <th scope="col">Created</th>
                <th scope="col">User ID</th>
              </tr>
            </thead>
            <tbody data-testid="user-list">
              {users.data.items.map((user) => (
                <tr key={user.userId} data-testid="user-item">
                  <th scope="row">{user.username}</th>
                  <td>{user.role}</td>
                  <td>{user.enabled ? 'Yes' : 'No'}</td>
                  <td>{formatDateTime(user.createdAt)}</td>
                  <td className="mono">{user.userId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
