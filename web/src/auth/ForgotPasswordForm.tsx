// A forgotten password: ask for a code (sent by e-mail or SMS; the answer never says whether the
// account exists), then enter it with a new password that meets the pool's rules.

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/errorMessages.ts';
import { useServices } from '../services.tsx';
import { unmetRules } from './passwordRules.ts';
import { PasswordRulesList } from './PasswordRulesList.tsx';

interface Props {
  initialUsername: string;
  onDone: (message: string) => void;
  onCancel: () => void;
}

export function ForgotPasswordForm({ initialUsername, onDone, onCancel }: Props) {
  const { api } = useServices();
  const { t } = useTranslation('auth');
  const [username, setUsername] = useState(initialUsername);
  const [codeSent, setCodeSent] = useState(false);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = code.trim() !== '' && unmetRules(password).length === 0;

  const run = async (event: FormEvent<HTMLFormElement>, step: () => Promise<void>) => {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      await step();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSubmitting(false);
    }
  };

  const requestCode = () =>
    api.requestPasswordReset(username.trim()).then(() => {
      setCodeSent(true);
    });
  const reset = () =>
    api.resetPassword({ username: username.trim(), code: code.trim(), password }).then(() => {
      onDone(t('forgot.done'));
    });

  return (
    <form
      className="login__form"
      noValidate
      data-testid="forgot-password-form"
      onSubmit={(event) => void run(event, codeSent ? reset : requestCode)}
    >
      <h2 className="login__subtitle">{t('forgot.title')}</h2>
      <label className="field">
        <span className="field__label">{t('forgot.username')}</span>
        <input
          className="field__input"
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          readOnly={codeSent}
          onChange={(event) => setUsername(event.target.value)}
          data-testid="forgot-username"
        />
      </label>
      {codeSent && (
        <>
          <p className="notice" role="status" data-testid="forgot-code-sent">
            {t('forgot.codeSent')}
          </p>
          <label className="field">
            <span className="field__label">{t('forgot.code')}</span>
            <input
              className="field__input"
              type="text"
              autoComplete="one-time-code"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              data-testid="forgot-code"
            />
          </label>
          <label className="field">
            <span className="field__label">{t('forgot.newPassword')}</span>
            <input
              className="field__input"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-describedby="reset-password-rules"
              data-testid="forgot-new-password"
            />
          </label>
          <PasswordRulesList password={password} id="reset-password-rules" />
        </>
      )}
      {error !== null && (
        <p className="login__error" role="alert" data-testid="forgot-error">
          {error}
        </p>
      )}
      <button
        type="submit"
        className="button button--primary button--block"
        disabled={submitting || username.trim() === '' || (codeSent && !ready)}
        data-testid="forgot-submit"
      >
        {codeSent ? t('forgot.change') : t('forgot.send')}
      </button>
      <button type="button" className="button button--link" onClick={onCancel}>
        {t('forgot.back')}
      </button>
    </form>
  );
}
