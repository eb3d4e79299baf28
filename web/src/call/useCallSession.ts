import { useEffect, useSyncExternalStore } from 'react';
import type { CallSession, CallSnapshot } from './session.ts';

const viewers = new WeakMap<CallSession, number>();
const LEAVE_GRACE_MS = 1500;

/**
 * Hangs up when no page shows the call any more (the user navigated away). The check is deferred,
 * so a page handing the call to another (or React remounting in development) does not end it.
 */
export function useEndCallOnLeave(session: CallSession | null): void {
  useEffect(() => {
    if (session === null) return undefined;
    viewers.set(session, (viewers.get(session) ?? 0) + 1);
    return () => {
      viewers.set(session, (viewers.get(session) ?? 1) - 1);
      setTimeout(() => {
        if ((viewers.get(session) ?? 0) === 0 && session.getSnapshot().phase !== 'ended') void session.hangUp();
      }, LEAVE_GRACE_MS);
    };
  }, [session]);
}

const NO_SNAPSHOT = () => null;
const noSubscribe = () => () => undefined;

export function useCallSnapshot(session: CallSession | null): CallSnapshot | null {
  return useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getSnapshot ?? NO_SNAPSHOT);
}
