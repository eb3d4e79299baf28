import { useTranslation } from 'react-i18next';
import { describeError } from '../api/errorMessages.ts';

/** Every failed load or action surfaces here; errors are never swallowed silently. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <p className="error-banner__message">{describeError(error)}</p>
      {onRetry !== undefined && (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          {t('errorBanner.tryAgain')}
        </button>
      )}
    </div>
  );
}
