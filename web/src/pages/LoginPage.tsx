import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { describeError } from '../api/errorMessages.ts';
import { ApiError } from '../api/client.ts';
import type { StoredSession } from '../auth/sessionStore.ts';
import { NewPasswordForm } from '../auth/NewPasswordForm.tsx';
import { ForgotPasswordForm } from '../auth/ForgotPasswordForm.tsx';
import { MfaAnswerForm } from '../auth/MfaAnswerForm.tsx';
import { useAuth } from '../auth/AuthProvider.tsx';
import type { SessionEndReason } from '../auth/sessionStore.ts';
import { LanguagePicker } from '../i18n/LanguagePicker.tsx';
import { landingPathAfterLogin } from '../routing/roles.ts';

// Why the last session ended: auth:login.ended.<reason>.
const END_REASONS: readonly SessionEndReason[] = ['signed_out', 'idle', 'expired'];

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
  const { t } = useTranslation('auth');
  const location = useLocation();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [errorMessage, setErrorMessage] = useState<string | null>(null);
  // A first sign-in with a temporary password: the challenge's session, until a new password is set.
  const [challenge, setChallenge] = useState<{ username: string; session: string; kind: ChallengeKind } | null>(null);
  const [forgotten, setForgotten] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const requestedPath = requestedPathFrom(location.state);

  if (session !== null && !submitting) {
    return <Navigate to={landingPathAfterLogin(session.me.role, requestedPath)} replace />;
  }

  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const trimmedUsername = username.trim();
    if (trimmedUsername === '' || password === '') {
      setErrorMessage(t('login.bothRequired'));
      return;
    }
    setSubmitting(true);
    setErrorMessage(null);
    try {
      const started = await login({ username: trimmedUsername, password });
      void navigate(landingPathAfterLogin(started.me.role, requestedPath), { replace: true });
    } catch (error) {
      const pending = challengeSession(error);
      if (pending !== null) {
        setChallenge({ username: trimmedUsername, ...pending });
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
        <LanguagePicker />
        <h1 className="login__title">DermaFollow</h1>
        <p className="login__subtitle">{t('login.subtitle')}</p>

        {lastEndReason !== null && END_REASONS.includes(lastEndReason) && errorMessage === null && (
          <p className="notice" role="status" data-testid="session-notice">
            {t(`login.ended.${lastEndReason}`)}
          </p>
        )}

        {notice !== null && (
          <p className="notice" role="status" data-testid="login-notice">
            {notice}
          </p>
        )}
        {forgotten && (
          <ForgotPasswordForm
            initialUsername={username.trim()}
            onDone={(message) => {
              setForgotten(false);
              setNotice(message);
            }}
            onCancel={() => setForgotten(false)}
          />
        )}
        {challenge !== null && challenge.kind === 'mfa' && (
          <MfaAnswerForm
            username={challenge.username}
            session={challenge.session}
            onSignedIn={(started: StoredSession) =>
              void navigate(landingPathAfterLogin(started.me.role, requestedPath), { replace: true })
            }
          />
        )}
        {challenge !== null && challenge.kind === 'new_password' && (
          <NewPasswordForm
            username={challenge.username}
            session={challenge.session}
            onSignedIn={(started: StoredSession) =>
              void navigate(landingPathAfterLogin(started.me.role, requestedPath), { replace: true })
            }
          />
        )}
        {challenge === null && !forgotten && (
          <form className="login__form" onSubmit={(event) => void onSubmit(event)} noValidate>
            <label className="field">
              <span className="field__label">{t('login.username')}</span>
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
              <span className="field__label">{t('login.password')}</span>
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
              {submitting ? t('login.signingIn') : t('login.signIn')}
            </button>
            <button
              type="button"
              className="button button--link"
              onClick={() => {
                setNotice(null);
                setForgotten(true);
              }}
              data-testid="forgot-password"
            >
              {t('login.forgot')}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}

type ChallengeKind = 'new_password' | 'mfa';

const CHALLENGES: Record<string, ChallengeKind> = { password_change_required: 'new_password', mfa_required: 'mfa' };

/** The session and kind of a sign-in challenge (first password, authenticator code), when that is the answer. */
function challengeSession(error: unknown): { session: string; kind: ChallengeKind } | null {
  if (!(error instanceof ApiError)) return null;
  const kind = CHALLENGES[error.code];
  if (kind === undefined) return null;
  const details = error.details as { session?: unknown } | undefined;
  return typeof details?.session === 'string' && details.session !== '' ? { session: details.session, kind } : null;
}
