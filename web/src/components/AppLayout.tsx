import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { useAuth, useSignedInUser } from '../auth/AuthProvider.tsx';
import { homePathForRole } from '../routing/roles.ts';
import { IdleWarning } from './IdleWarning.tsx';
import { TwoStepSignIn } from '../auth/TwoStepSignIn.tsx';
import { applyUserLanguage } from '../i18n/index.ts';
import { LanguagePicker } from '../i18n/LanguagePicker.tsx';
import { useSaveReminderLanguage } from '../followups/reminderLanguage.ts';

/** Frame of every signed-in page: who is signed in, sign-out, and the inactivity warning. */
export function AppLayout() {
  const me = useSignedInUser();
  const { logout, session } = useAuth();
  const { t } = useTranslation();
  const saveReminderLanguage = useSaveReminderLanguage(me.role);
  // The language this person chose on this device last time, once they are known.
  useEffect(() => {
    void applyUserLanguage(me.userId);
  }, [me.userId]);
  // The clinic requires an authenticator for this person's role and they have none: the server
  // refuses everything but enrolling (403 mfa_setup_required), so the page is the set-up alone.
  const setUpFirst = session?.mfaSetupRequired === true;
  return (
    <div className={`app app--${me.role}`}>
      <header className="app-header">
        <Link to={homePathForRole(me.role)} className="app-header__brand">
          DermaFollow
        </Link>
        <div className="app-header__user">
          <span className="app-header__name" translate="no">
            {me.displayName}
          </span>
          <span className="app-header__whoami" data-testid="whoami">
            <span translate="no">{me.username}</span> ({t(`role.${me.role}`)})
          </span>
        </div>
        <LanguagePicker userId={me.userId} onChosen={saveReminderLanguage} />
        <button type="button" className="button button--secondary" onClick={logout} data-testid="logout">
          {t('layout.signOut')}
        </button>
      </header>
      <IdleWarning />
      <main className="app-main" id="main">
        {setUpFirst ? (
          <section className="panel" data-testid="mfa-gate">
            <h1>{t('layout.mfaGateTitle')}</h1>
            <TwoStepSignIn />
          </section>
        ) : (
          <Outlet />
        )}
      </main>
      {!setUpFirst && (
        <footer className="app-footer">
          <TwoStepSignIn />
        </footer>
      )}
    </div>
  );
}
