// Inactivity sign-out, kept free of React and browser APIs so it can be tested with a fake clock.
//
// Clinical data must not stay on screen on an unattended phone or desk, so after a period with no
// user activity the session ends, with a warning shortly before. Timers alone are not trusted:
// a sleeping phone delays them, so every decision is made against the clock.

export const DEFAULT_IDLE_POLICY: IdlePolicy = {
  timeoutMs: 30 * 60 * 1000,
  warningMs: 60 * 1000,
};

export interface IdlePolicy {
  /** Inactivity after which the session ends. */
  timeoutMs: number;
  /** How long before the end the warning shows. */
  warningMs: number;
}

export type IdlePhase = 'active' | 'warning' | 'expired';

export interface IdleStatus {
  phase: IdlePhase;
  /** Never negative. */
  msUntilLogout: number;
}

export interface IdleClock {
  now(): number;
}

/** Schedules a callback and returns a function that cancels it. */
export type IdleScheduler = (callback: () => void, delayMs: number) => () => void;

/** Where the user stands, given the time of their last activity. */
export function idleStatusAt(lastActivityAt: number, now: number, policy: IdlePolicy): IdleStatus {
  const msUntilLogout = Math.max(0, lastActivityAt + policy.timeoutMs - now);
  if (msUntilLogout === 0) return { phase: 'expired', msUntilLogout };
  if (msUntilLogout <= policy.warningMs) return { phase: 'warning', msUntilLogout };
  return { phase: 'active', msUntilLogout };
}

export interface IdleTimerOptions {
  clock: IdleClock;
  schedule: IdleScheduler;
  /** Called on every phase change; 'expired' is final and is reported once. */
  onPhaseChange: (status: IdleStatus) => void;
  policy?: IdlePolicy;
}

export interface IdleTimer {
  /** Call on user activity (pointer, key, touch). Cheap: it does not reschedule while active. */
  recordActivity(): void;
  /** Re-evaluates against the clock, e.g. when the page becomes visible again. */
  check(): IdleStatus;
  /** Current status computed from the clock. */
  status(): IdleStatus;
  /** Cancels pending work; no more callbacks after this. */
  stop(): void;
}

export function createIdleTimer(options: IdleTimerOptions): IdleTimer {
  const policy = options.policy ?? DEFAULT_IDLE_POLICY;
  if (policy.warningMs >= policy.timeoutMs || policy.warningMs < 0) {
    throw new RangeError('The idle warning must start after activity and before the timeout.');
  }

  let lastActivityAt = options.clock.now();
  let phase: IdlePhase = 'active';
  let stopped = false;
  let cancelPending: (() => void) | null = null;

  const status = (): IdleStatus =>
    phase === 'expired'
      ? { phase, msUntilLogout: 0 }
      : idleStatusAt(lastActivityAt, options.clock.now(), policy);

  const cancel = (): void => {
    cancelPending?.();
    cancelPending = null;
  };

  const scheduleNextBoundary = (current: IdleStatus): void => {
    cancel();
    const delay =
      current.phase === 'active' ? current.msUntilLogout - policy.warningMs : current.msUntilLogout;
    cancelPending = options.schedule(() => {
      cancelPending = null;
      evaluate();
    }, Math.max(0, delay));
  };

  const evaluate = (): IdleStatus => {
    if (stopped || phase === 'expired') return status();
    const current = idleStatusAt(lastActivityAt, options.clock.now(), policy);
    const changed = current.phase !== phase;
    phase = current.phase;
    if (phase === 'expired') {
      cancel();
      stopped = true;
    } else {
      scheduleNextBoundary(current);
    }
    if (changed) options.onPhaseChange(current);
    return current;
  };

  scheduleNextBoundary(status());

  return {
    recordActivity() {
      if (stopped) return;
      const now = options.clock.now();
      // Activity after the deadline (e.g. the first touch on a phone that slept through it)
      // must not revive the session.
      if (idleStatusAt(lastActivityAt, now, policy).phase === 'expired') {
        evaluate();
        return;
      }
      lastActivityAt = now;
      if (phase === 'warning') {
        phase = 'active';
        const current = status();
        scheduleNextBoundary(current);
        options.onPhaseChange(current);
      }
      // While active, the pending check fires at the old boundary and moves itself forward.
    },
    check: evaluate,
    status,
    stop() {
      stopped = true;
      cancel();
    },
  };
}

export function formatCountdown(ms: number): string {
  const totalSeconds = Math.ceil(Math.max(0, ms) / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}
