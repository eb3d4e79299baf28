import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createIdleTimer, DEFAULT_IDLE_POLICY, type IdlePolicy, type IdleStatus } from './idle.ts';

/** Events that count as the user being present. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'wheel'] as const;

const COUNTDOWN_TICK_MS = 1000;

export interface UseIdleLogoutOptions {
  /** Only a signed-in user is watched. */
  enabled: boolean;
  onIdle: () => void;
  policy?: IdlePolicy;
}

/** Browser binding of the idle timer: listens for activity and exposes a live countdown. */
export function useIdleLogout({
  enabled,
  onIdle,
  policy = DEFAULT_IDLE_POLICY,
}: UseIdleLogoutOptions): IdleStatus & { stayActive: () => void } {
  const [status, setStatus] = useState<IdleStatus>({
    phase: 'active',
    msUntilLogout: policy.timeoutMs,
  });
  // Kept in a ref so a new callback identity does not restart the timer (and reset the clock).
  const onIdleRef = useRef(onIdle);
  const stayActiveRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    onIdleRef.current = onIdle;
  }, [onIdle]);

  const { timeoutMs, warningMs } = policy;

  useEffect(() => {
    if (!enabled) return undefined;

    let countdown: number | undefined;
    const stopCountdown = (): void => {
      if (countdown !== undefined) window.clearInterval(countdown);
      countdown = undefined;
    };

    const timer = createIdleTimer({
      policy: { timeoutMs, warningMs },
      clock: { now: () => Date.now() },
      schedule: (callback, delayMs) => {
        const handle = window.setTimeout(callback, delayMs);
        return () => window.clearTimeout(handle);
      },
      onPhaseChange: (next) => {
        setStatus(next);
        stopCountdown();
        if (next.phase === 'warning') {
          // Only the warning shows seconds, so only then is it worth re-rendering every second.
          countdown = window.setInterval(() => setStatus(timer.check()), COUNTDOWN_TICK_MS);
        } else if (next.phase === 'expired') {
          onIdleRef.current();
        }
      },
    });
    setStatus(timer.status());
    stayActiveRef.current = () => timer.recordActivity();

    const onActivity = (): void => timer.recordActivity();
    const onVisibilityChange = (): void => {
      if (document.visibilityState === 'visible') timer.check();
    };
    for (const eventName of ACTIVITY_EVENTS) {
      window.addEventListener(eventName, onActivity, { passive: true, capture: true });
    }
    document.addEventListener('visibilitychange', onVisibilityChange);

    return () => {
      for (const eventName of ACTIVITY_EVENTS) {
        window.removeEventListener(eventName, onActivity, { capture: true });
      }
      document.removeEventListener('visibilitychange', onVisibilityChange);
      stopCountdown();
      timer.stop();
      stayActiveRef.current = () => undefined;
    };
  }, [enabled, timeoutMs, warningMs]);

  const stayActive = useCallback(() => stayActiveRef.current(), []);
  return useMemo(() => ({ ...status, stayActive }), [status, stayActive]);
}
