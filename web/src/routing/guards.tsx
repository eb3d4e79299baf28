import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { useAuth } from '../auth/AuthProvider.tsx';
import { canRoleOpen, homePathForRole, PATHS } from './roles.ts';

/** Sends signed-out visitors to sign-in, remembering where they wanted to go. */
export function RequireSession() {
  const { session, lastEndReason } = useAuth();
  const location = useLocation();
  if (session === null) {
    // After a deliberate sign-out the next person starts from their own home, not our page.
    const state = lastEndReason === 'signed_out' ? undefined : { from: location.pathname };
    return <Navigate to={PATHS.login} replace state={state} />;
  }
  return <Outlet />;
}

/** Renders the page only for roles allowed to open it (see roles.ts); others go to their home. */
export function RequireRole({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  const location = useLocation();
  if (me === null) return <Navigate to={PATHS.login} replace />;
  if (!canRoleOpen(me.role, location.pathname)) {
    return <Navigate to={homePathForRole(me.role)} replace />;
  }
  return children;
}

export function RoleHomeRedirect() {
  const { me } = useAuth();
  return <Navigate to={me === null ? PATHS.login : homePathForRole(me.role)} replace />;
}
