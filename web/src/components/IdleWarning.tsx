import { formatCountdown } from '../auth/idle.ts';
import { useAuth } from '../auth/AuthProvider.tsx';

/** Shown during the last minute before an inactivity sign-out. */
export function IdleWarning() {
  const { idle } = useAuth();
  if (idle.phase !== 'warning') return null;
  return (
    <div className="idle-warning" role="alertdialog" aria-labelledby="idle-warning-title" data-testid="idle-warning">
      <p id="idle-warning-title" className="idle-warning__text">
        You will be signed out in <strong>{formatCountdown(idle.msUntilLogout)}</strong> because
        there has been no activity.
      </p>
      <button type="button" className="button button--primary" onClick={idle.stayActive}>
        Stay signed in
      </button>
    </div>
  );
}
