import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useAdminUsers } from '../hooks.ts';

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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
