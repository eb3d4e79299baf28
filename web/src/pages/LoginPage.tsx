import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { describeError } from '../api/errorMessages.ts';
import { ApiError } from '../api/client.ts';
import type { StoredSession } from '../auth/sessionStore.ts';
import { NewPasswordForm } from '../auth/NewPasswordForm.tsx';
import { useAuth } from '../auth/AuthProvider.tsx';
import type { SessionEndReason } from '../auth/sessionStore.ts';
import { landingPathAfterLogin } from '../routing/roles.ts';

const END_NOTICES: Record<SessionEndReason, string> = {
  signed_out: 'You have signed out.',
  idle: 'You were signed out after 30 minutes without activity.',
  expired: 'Your session has expired. Please sign in again.',
};

/** Where RequireSession asked us to come back to, if it did. */
function requestedPathFrom(state: unknown): string | null {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from: unknown = state.from;
    if (typeof from === 'string') return from;
  }
  return null;
}

export function LoginPage() {
  const { session, lastEndReason, login } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [errorMessage, setErrorMessage] = useState<string | null>(null);
  // A first sign-in with a temporary password: the challenge's session, until a new password is set.
  const [challenge, setChallenge] = useState<{ username: string; session: string } | null>(null);
  const requestedPath = requestedPathFrom(location.state);

  if (session !== null && !submitting) {
    return <Navigate to={landingPathAfterLogin(session.me.role, requestedPath)} replace />;
  }

  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const trimmedUsername = username.trim();
    if (trimmedUsername === '' || password === '') {
      setErrorMessage(describeError(new ApiError(400, 'validation_error', '')));
      return;
    }
    setSubmitting(true);
    setErrorMessage(null);
    try {
      const started = await login({ username: trimmedUsername, password });
      void navigate(landingPathAfterLogin(started.me.role, requestedPath), { replace: true });
    } catch (error) {
      const session = challengeSession(error);
      if (session !== null) {
        setChallenge({ username: trimmedUsername, session });
      } else {
        setErrorMessage(describeError(error));
      }
      setPassword('');
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <main className="login" id="main">
      <div className="login__card">
        <h1 className="login__title">DermaFollow</h1>
        <p className="login__subtitle">Remote dermatology follow-up</p>

        {lastEndReason !== null && errorMessage === null && (
          <p className="notice" role="status" data-testid="session-notice">
            {END_NOTICES[lastEndReason]}
          </p>
        )}

        {challenge !== null && (
          <NewPasswordForm
            username={challenge.username}
            session={challenge.session}
            onSignedIn={(started: StoredSession) =>
              void navigate(landingPathAfterLogin(started.me.role, requestedPath), { replace: true })
            }
          />
        )}
        {challenge === null && (
          <form className="login__form" onSubmit={(event) => void onSubmit(event)} noValidate>
            <label className="field">
              <span className="field__label">Username</span>
              <input
                className="field__input"
                name="username"
                type="text"
                autoComplete="username"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                required
                value={username}
                onChange={(event) => setUsername(event.target.value)}
                aria-invalid={errorMessage !== null}
                aria-describedby={errorMessage !== null ? 'login-error' : undefined}
                data-testid="login-username"
              />
            </label>
            <label className="field">
              <span className="field__label">Password</span>
              <input
                className="field__input"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                aria-invalid={errorMessage !== null}
                aria-describedby={errorMessage !== null ? 'login-error' : undefined}
                data-testid="login-password"
              />
            </label>

            {errorMessage !== null && (
              <p id="login-error" className="login__error" role="alert" data-testid="login-error">
                {errorMessage}
              </p>
            )}

            <button
              type="submit"
              className="button button--primary button--block"
              disabled={submitting}
              data-testid="login-submit"
            >
              {submitting ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}

/** The session of a first sign-in's challenge, when that is what the API answered. */
function challengeSession(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.code !== 'password_change_required') return null;
  const details = error.details as { session?: unknown } | undefined;
  return typeof details?.session === 'string' && details.session !== '' ? details.session : null;
}
