import { Trans, useTranslation } from 'react-i18next';
import { formatCountdown } from '../auth/idle.ts';
import { useAuth } from '../auth/AuthProvider.tsx';

/** Shown during the last minute before an inactivity sign-out. */
export function IdleWarning() {
  const { idle } = useAuth();
  const { t } = useTranslation();
  if (idle.phase !== 'warning') return null;
  return (
    <div className="idle-warning" role="alertdialog" aria-labelledby="idle-warning-title" data-testid="idle-warning">
      <p id="idle-warning-title" className="idle-warning__text">
        <Trans t={t} i18nKey="idle.warning" values={{ countdown: formatCountdown(idle.msUntilLogout) }} components={{ strong: <strong /> }} />
      </p>
      <button type="button" className="button button--primary" onClick={idle.stayActive}>
        {t('idle.stay')}
      </button>
    </div>
  );
}
