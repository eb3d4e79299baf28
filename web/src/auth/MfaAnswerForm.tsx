// The second sign-in step of an account with an authenticator app: its current six-digit code.

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/errorMessages.ts';
import { useServices } from '../services.tsx';
import type { StoredSession } from './sessionStore.ts';

export const TOTP_CODE = /^[0-9]{6}$/;

interface Props {
  username: string;
  session: string;
  onSignedIn: (session: StoredSession) => void;
}

export function MfaAnswerForm({ username, session, onSignedIn }: Props) {
  const { api } = useServices();
  const { t } = useTranslation('auth');
  const [code, setCode] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      onSignedIn(await api.answerMfa({ username, session, code: code.trim() }));
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="login__form" onSubmit={(event) => void submit(event)} noValidate data-testid="mfa-answer-form">
      <label className="field">
        <span className="field__label">{t('mfaAnswer.code')}</span>
        <input
          className="field__input"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={code}
          onChange={(event) => setCode(event.target.value)}
          data-testid="mfa-code"
        />
      </label>
      {error !== null && (
        <p className="login__error" role="alert" data-testid="mfa-error">
          {error}
        </p>
      )}
      <button
        type="submit"
        className="button button--primary button--block"
        disabled={submitting || !TOTP_CODE.test(code.trim())}
        data-testid="mfa-submit"
      >
        {t('mfaAnswer.submit')}
      </button>
    </form>
  );
}
