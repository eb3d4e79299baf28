// Security: every signed-in person may add an authenticator app (TOTP). Set-up shows a QR code of the
// otpauth:// URI and the secret as text (for typing in), and a first code confirms it; from then on
// each sign-in asks for a code.

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { describeError } from '../api/errorMessages.ts';
import type { MfaSetup } from '../api/types.ts';
import { useServices } from '../services.tsx';
import { TOTP_CODE } from './MfaAnswerForm.tsx';
import { useAuth } from './AuthProvider.tsx';

/** The secret in groups of four, easier to type into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function TwoStepSignIn() {
  const { api } = useServices();
  const { t } = useTranslation('auth');
  const { session, mfaEnrolled } = useAuth();
  const required = session?.mfaSetupRequired === true;
  // Opened by itself when the clinic requires an authenticator for this person's role.
  const [open, setOpen] = useState(required);
  const [setup, setSetup] = useState<(MfaSetup & { qr: string }) | null>(null);
  const [code, setCode] = useState('');
  const [enrolled, setEnrolled] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.setupMfa();
      setSetup({ ...answer, qr: await QRCode.toDataURL(answer.otpauthUri, { margin: 1, width: 192 }) });
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.verifyMfa(code.trim());
      setEnrolled(true);
      setSetup(null);
      mfaEnrolled();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details
      className="security"
      data-testid="security"
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>{t('twoStep.summary')}</summary>
      {required && !enrolled && (
        <p className="notice" role="status" data-testid="mfa-required-notice">
          {t('twoStep.required')}
        </p>
      )}
      {enrolled && (
        <p className="notice" role="status" data-testid="mfa-enrolled">
          {t('twoStep.enrolled')}
        </p>
      )}
      {!enrolled && setup === null && (
        <>
          <p>{t('twoStep.why')}</p>
          <button type="button" className="button button--secondary" disabled={busy} onClick={() => void start()}
            data-testid="mfa-start">
            {t('twoStep.start')}
          </button>
        </>
      )}
      {setup !== null && (
        <form onSubmit={(event) => void confirm(event)} noValidate data-testid="mfa-setup-form">
          <p>{t('twoStep.scan')}</p>
          <img src={setup.qr} alt={t('twoStep.qrAlt')} width={192} height={192} data-testid="mfa-qr" />
          <p>
            {t('twoStep.key')} <code translate="no" data-testid="mfa-secret" data-secret={setup.secret}>{groupedSecret(setup.secret)}</code>
          </p>
          <label className="field">
            <span className="field__label">{t('twoStep.code')}</span>
            <input className="field__input" type="text" inputMode="numeric" autoComplete="one-time-code" maxLength={6}
              value={code} onChange={(event) => setCode(event.target.value)} data-testid="mfa-setup-code" />
          </label>
          <button type="submit" className="button button--primary" disabled={busy || !TOTP_CODE.test(code.trim())}
            data-testid="mfa-confirm">
            {t('twoStep.confirm')}
          </button>
        </form>
      )}
      {error !== null && (
        <p className="login__error" role="alert" data-testid="mfa-setup-error">
          {error}
        </p>
      )}
    </details>
  );
}
