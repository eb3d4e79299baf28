import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type { LoginRequest, Me } from '../api/types.ts';
import { useServices } from '../services.tsx';
import type { IdleStatus } from './idle.ts';
import { proactiveRefreshDelayMs } from './refreshSchedule.ts';
import type { SessionEndReason, StoredSession } from './sessionStore.ts';
import { useIdleLogout } from './useIdleLogout.ts';

/** When a proactive refresh cannot reach the server, try again after this long. */
const REFRESH_RETRY_MS = 30 * 1000;
/** setTimeout overflows past this many milliseconds (about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export interface AuthState {
  session: StoredSession | null;
  me: Me | null;
  lastEndReason: SessionEndReason | null;
  login: (credentials: LoginRequest) => Promise<StoredSession>;
  logout: () => void;
  /** An authenticator was confirmed (lifts the clinic's set-up requirement in this session). */
  mfaEnrolled: () => void;
  idle: IdleStatus & { stayActive: () => void };
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const { api, sessionStore } = useServices();
  const { session, lastEndReason } = useSyncExternalStore(
    sessionStore.subscribe,
    sessionStore.getSnapshot,
  );

  const refreshSession = useCallback(() => api.refreshSession(), [api]);
  useProactiveRefresh(session, refreshSession);

  const endIdleSession = useCallback(() => api.logout('idle'), [api]);
  const idle = useIdleLogout({ enabled: session !== null, onIdle: endIdleSession });

  const login = useCallback((credentials: LoginRequest) => api.login(credentials), [api]);
  const logout = useCallback(() => api.logout(), [api]);
  const mfaEnrolled = useCallback(() => sessionStore.mfaEnrolled(), [sessionStore]);

  const value = useMemo<AuthState>(
    () => ({ session, me: session?.me ?? null, lastEndReason, login, logout, mfaEnrolled, idle }),
    [session, lastEndReason, login, logout, mfaEnrolled, idle],
  );
  return <AuthContext value={value}>{children}</AuthContext>;
}

/** Renews the access token shortly before it expires, so an active user never sees a 401. */
function useProactiveRefresh(
  session: StoredSession | null,
  refresh: () => Promise<StoredSession>,
): void {
  useEffect(() => {
    if (session === null) return undefined;
    let cancelled = false;
    let handle: number | undefined;

    const attempt = (): void => {
      refresh().catch(() => {
        // A refused refresh has already ended the session (and this effect with it); only a
        // network failure gets here with the session intact, so try again a bit later.
        if (!cancelled) handle = window.setTimeout(attempt, REFRESH_RETRY_MS);
      });
    };

    const delay = Math.min(proactiveRefreshDelayMs(session, Date.now()), MAX_TIMER_DELAY_MS);
    handle = window.setTimeout(attempt, delay);
    return () => {
      cancelled = true;
      window.clearTimeout(handle);
    };
  }, [session, refresh]);
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (auth === null) throw new Error('useAuth must be used inside <AuthProvider>.');
  return auth;
}

/** For pages that only render for a signed-in user (inside RequireSession). */
export function useSignedInUser(): Me {
  const { me } = useAuth();
  if (me === null) throw new Error('useSignedInUser needs a signed-in user.');
  return me;
}
