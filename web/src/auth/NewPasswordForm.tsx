// A first sign-in: the temporary password from the clinic's invitation is replaced by the person's
// own, checked rule by rule against the pool's policy while they type.

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { StoredSession } from './sessionStore.ts';
import { describeError } from '../api/errorMessages.ts';
import { useServices } from '../services.tsx';
import { unmetRules } from './passwordRules.ts';
import { PasswordRulesList } from './PasswordRulesList.tsx';

interface Props {
  username: string;
  session: string;
  onSignedIn: (session: StoredSession) => void;
}

export function NewPasswordForm({ username, session, onSignedIn }: Props) {
  const { api } = useServices();
  const { t } = useTranslation('auth');
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const unmet = unmetRules(password);
  const matches = password === repeated;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (unmet.length > 0 || !matches) return;
    setSubmitting(true);
    setError(null);
    try {
      onSignedIn(await api.completeNewPassword({ username, session, newPassword: password }));
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="login__form" onSubmit={(event) => void submit(event)} noValidate data-testid="new-password-form">
      <p className="notice" role="status">
        {t('newPassword.welcome')}
      </p>
      <label className="field">
        <span className="field__label">{t('newPassword.password')}</span>
        <input
          className="field__input"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-describedby="password-rules"
          data-testid="new-password"
        />
      </label>
      <PasswordRulesList password={password} id="password-rules" />
      <label className="field">
        <span className="field__label">{t('newPassword.repeat')}</span>
        <input
          className="field__input"
          type="password"
          autoComplete="new-password"
          value={repeated}
          onChange={(event) => setRepeated(event.target.value)}
          data-testid="new-password-repeat"
        />
      </label>
      {repeated !== '' && !matches && <p className="hint">{t('newPassword.differ')}</p>}
      {error !== null && (
        <p className="login__error" role="alert" data-testid="new-password-error">
          {error}
        </p>
      )}
      <button
        type="submit"
        className="button button--primary button--block"
        disabled={submitting || unmet.length > 0 || !matches}
        data-testid="new-password-submit"
      >
        {submitting ? t('newPassword.saving') : t('newPassword.save')}
      </button>
    </form>
  );
}
