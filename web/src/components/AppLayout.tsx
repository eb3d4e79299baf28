import { Link, Outlet } from 'react-router';
import { useAuth, useSignedInUser } from '../auth/AuthProvider.tsx';
import { homePathForRole } from '../routing/roles.ts';
import { IdleWarning } from './IdleWarning.tsx';

/** Frame of every signed-in page: who is signed in, sign-out, and the inactivity warning. */
export function AppLayout() {
  const me = useSignedInUser();
  const { logout } = useAuth();
  return (
    <div className={`app app--${me.role}`}>
      <header className="app-header">
        <Link to={homePathForRole(me.role)} className="app-header__brand">
          DermaFollow
        </Link>
        <div className="app-header__user">
          <span className="app-header__name">{me.displayName}</span>
          <span className="app-header__whoami" data-testid="whoami">
            {me.username} ({me.role})
          </span>
        </div>
        <button type="button" className="button button--secondary" onClick={logout} data-testid="logout">
          Sign out
        </button>
      </header>
      <IdleWarning />
      <main className="app-main" id="main">
        <Outlet />
      </main>
    </div>
  );
}
