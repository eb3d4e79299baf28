import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import { useNavigate } from 'react-router';
import { Trans, useTranslation } from 'react-i18next';
import { FocusTrap } from 'focus-trap-react';

export interface LeaveGuard {
  /** Runs `action` now, or after the doctor agrees to drop what they typed. */
  guard: (action: () => void) => void;
  /** The question, when one is open (render it). */
  dialog: ReactElement | null;
}

/**
 * Leaving a form with unsaved text asks first: closing or switching the form (through `guard`),
 * following a link of the app (a click on any same-origin link is held while the form is dirty),
 * and closing or reloading the tab (the browser's own question). Drafts live in memory only, so
 * this question is the only thing that stands between a doctor and losing what they typed.
 */
export function useLeaveGuard(dirty: boolean): LeaveGuard {
  const [pending, setPending] = useState<(() => void) | null>(null);
  const navigate = useNavigate();
  const { t } = useTranslation('record');
  const dirtyRef = useRef(dirty);
  useEffect(() => {
    dirtyRef.current = dirty;
  }, [dirty]);

  useEffect(() => {
    if (!dirty) return undefined;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers need a value here to ask at all.
      event.returnValue = '';
    };
    // Capture phase on the document: runs before the router's own click handler on the link.
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target === '_blank' || link.hasAttribute('download')) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      event.preventDefault();
      event.stopPropagation();
      setPending(() => () => navigate(`${url.pathname}${url.search}${url.hash}`));
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [dirty, navigate]);

  // The question takes the focus when it opens ("Stay" first: the safe answer), Escape stays, and
  // the focus goes back where it was when it closes.
  const asked = pending !== null;
  const stay = useRef<HTMLButtonElement>(null);
  const before = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (!asked) return undefined;
    before.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    stay.current?.focus();
    return () => {
      const back = before.current;
      before.current = null;
      // Deferred: the answer's own change (a form closing) settles first.
      window.setTimeout(() => {
        if (back?.isConnected && (document.activeElement === null || document.activeElement === document.body)) back.focus();
      }, 0);
    };
  }, [asked]);

  const guard = useCallback((action: () => void) => {
    if (dirtyRef.current) setPending(() => action);
    else action();
  }, []);

  const dialog =
    pending === null ? null : (
      // A modal question: Tab and Shift+Tab cycle through its two answers and never reach the page
      // behind it (focus-trap). Focus in and out stays with the effect above, Escape with onKeyDown.
      <FocusTrap focusTrapOptions={{ initialFocus: false, returnFocusOnDeactivate: false, escapeDeactivates: false }}>
        <div className="leave-dialog" role="alertdialog" aria-modal="true" aria-labelledby="leave-dialog-title" data-testid="leave-dialog"
          onKeyDown={(event) => {
            if (event.key === 'Escape') setPending(null);
          }}>
          <p id="leave-dialog-title" className="leave-dialog__text">
            <Trans t={t} i18nKey="leave.question" components={{ strong: <strong /> }} />
          </p>
          <div className="leave-dialog__actions">
            <button type="button" className="button button--primary" data-testid="leave-stay" ref={stay} onClick={() => setPending(null)}>
              {t('leave.stay')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              data-testid="leave-discard"
              onClick={() => {
                const action = pending;
                setPending(null);
                action();
              }}
            >
              {t('leave.discard')}
            </button>
          </div>
        </div>
      </FocusTrap>
    );

  return { guard, dialog };
}
