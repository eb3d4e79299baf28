import { useEffect, useRef, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
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
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigation(main);
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
      <main className="app-main" id="main" ref={main} tabIndex={-1}>
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

// A page that loads its heading with its data (a case) shows it within a few seconds; past that the
// focus stays on the page's main region.
const HEADING_WAIT_MS = 5_000;

/**
 * After a move to another page (a link followed, the sign-in done) the element that had the focus is
 * gone and the browser puts the focus back on the document: a keyboard user would start again from
 * the header. The focus goes instead to the new page's heading (or its main region until the heading
 * arrives with the page's data). A page that placed the focus itself (a link to a part of a page, a
 * form that focuses its first field) keeps it: only a lost focus is moved.
 */
function useFocusOnNavigation(main: RefObject<HTMLElement | null>): void {
  const { pathname } = useLocation();
  useEffect(() => {
    const region = main.current;
    const lost = () => document.activeElement === null || document.activeElement === document.body;
    if (region === null || !lost()) return undefined;
    const focusHeading = (): boolean => {
      const heading = region.querySelector('h1');
      if (heading === null) return false;
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
      return true;
    };
    if (focusHeading()) return undefined;
    region.focus({ preventScroll: true });
    const observer = new MutationObserver(() => {
      if (document.activeElement !== region) observer.disconnect();
      else if (focusHeading()) observer.disconnect();
    });
    observer.observe(region, { childList: true, subtree: true });
    const stop = window.setTimeout(() => observer.disconnect(), HEADING_WAIT_MS);
    return () => {
      observer.disconnect();
      window.clearTimeout(stop);
    };
  }, [pathname, main]);
}
