import { describe, expect, it } from 'vitest';
import { FakeTime } from '../test/fakes.ts';
import {
  createIdleTimer,
  DEFAULT_IDLE_POLICY,
  formatCountdown,
  idleStatusAt,
  type IdlePolicy,
  type IdleStatus,
} from './idle.ts';

const MINUTE = 60_000;
const SECOND = 1000;

function startTimer(policy?: IdlePolicy) {
  const time = new FakeTime();
  const changes: IdleStatus[] = [];
  const timer = createIdleTimer({
    clock: time.clock,
    schedule: time.schedule,
    onPhaseChange: (status) => changes.push(status),
    ...(policy !== undefined ? { policy } : {}),
  });
  const phases = () => changes.map((change) => change.phase);
  return { time, timer, changes, phases };
}

describe('idleStatusAt', () => {
  const policy = DEFAULT_IDLE_POLICY;

  it('is active until the warning window', () => {
    expect(idleStatusAt(0, 29 * MINUTE - 1, policy)).toEqual({
      phase: 'active',
      msUntilLogout: MINUTE + 1,
    });
  });

  it('warns during the last minute', () => {
    expect(idleStatusAt(0, 29 * MINUTE, policy)).toEqual({ phase: 'warning', msUntilLogout: MINUTE });
    expect(idleStatusAt(0, 30 * MINUTE - 1, policy).phase).toBe('warning');
  });

  it('expires at the timeout and never reports negative time', () => {
    expect(idleStatusAt(0, 30 * MINUTE, policy)).toEqual({ phase: 'expired', msUntilLogout: 0 });
    expect(idleStatusAt(0, 90 * MINUTE, policy)).toEqual({ phase: 'expired', msUntilLogout: 0 });
  });
});

describe('createIdleTimer', () => {
  it('defaults to 30 minutes with a 1 minute warning', () => {
    expect(DEFAULT_IDLE_POLICY).toEqual({ timeoutMs: 30 * MINUTE, warningMs: MINUTE });
  });

  it('warns at 29 minutes and expires at 30 minutes without activity', () => {
    const { time, changes, phases } = startTimer();

    time.advance(29 * MINUTE - 1);
    expect(changes).toEqual([]);

    time.advance(1);
    expect(changes).toEqual([{ phase: 'warning', msUntilLogout: MINUTE }]);

    time.advance(MINUTE - 1);
    expect(phases()).toEqual(['warning']);

    time.advance(1);
    expect(phases()).toEqual(['warning', 'expired']);
    expect(time.pendingTimers).toBe(0);
  });

  it('activity while active pushes the deadline back', () => {
    const { time, timer, phases } = startTimer();

    time.advance(20 * MINUTE);
    timer.recordActivity();
    time.advance(20 * MINUTE);
    expect(phases()).toEqual([]);
    expect(timer.status()).toEqual({ phase: 'active', msUntilLogout: 10 * MINUTE });

    time.advance(9 * MINUTE);
    expect(phases()).toEqual(['warning']);
    time.advance(MINUTE);
    expect(phases()).toEqual(['warning', 'expired']);
  });

  it('activity during the warning returns to active and restarts the full timeout', () => {
    const { time, timer, changes, phases } = startTimer();

    time.advance(29 * MINUTE + 30 * SECOND);
    expect(phases()).toEqual(['warning']);

    timer.recordActivity();
    expect(changes.at(-1)).toEqual({ phase: 'active', msUntilLogout: 30 * MINUTE });

    time.advance(29 * MINUTE - 1);
    expect(phases()).toEqual(['warning', 'active']);
    time.advance(1);
    expect(phases()).toEqual(['warning', 'active', 'warning']);
  });

  it('does not let activity after the deadline revive the session (device slept)', () => {
    const { time, timer, phases } = startTimer();

    // Timers did not run while the phone slept; the clock still moved on.
    time.jump(45 * MINUTE);
    timer.recordActivity();

    expect(phases()).toEqual(['expired']);
    expect(timer.status().phase).toBe('expired');
  });

  it('check() catches up with the clock when the page becomes visible again', () => {
    const { time, timer, phases } = startTimer();

    time.jump(29 * MINUTE + 10 * SECOND);
    expect(timer.check()).toEqual({ phase: 'warning', msUntilLogout: 50 * SECOND });
    expect(phases()).toEqual(['warning']);
  });

  it('reports expiry once and ignores everything afterwards', () => {
    const { time, timer, phases } = startTimer();

    time.advance(30 * MINUTE);
    timer.recordActivity();
    timer.check();
    time.advance(60 * MINUTE);

    expect(phases()).toEqual(['warning', 'expired']);
  });

  it('stop() cancels pending timers and silences callbacks', () => {
    const { time, timer, phases } = startTimer();

    timer.stop();
    time.advance(60 * MINUTE);
    timer.recordActivity();

    expect(phases()).toEqual([]);
    expect(time.pendingTimers).toBe(0);
  });

  it('keeps a single pending timer however much activity there is', () => {
    const { time, timer } = startTimer();
    for (let index = 0; index < 1000; index += 1) {
      time.advance(SECOND);
      timer.recordActivity();
    }
    expect(time.pendingTimers).toBe(1);
  });

  it('accepts a custom policy and rejects an impossible one', () => {
    const { time, phases } = startTimer({ timeoutMs: 10 * SECOND, warningMs: 3 * SECOND });
    time.advance(7 * SECOND);
    expect(phases()).toEqual(['warning']);
    time.advance(3 * SECOND);
    expect(phases()).toEqual(['warning', 'expired']);

    expect(() => startTimer({ timeoutMs: MINUTE, warningMs: MINUTE })).toThrow(RangeError);
  });
});

describe('formatCountdown', () => {
  it('shows minutes and seconds, rounding up partial seconds', () => {
    expect(formatCountdown(60_000)).toBe('1:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(59_000)).toBe('0:59');
    expect(formatCountdown(5_000)).toBe('0:05');
    expect(formatCountdown(-10)).toBe('0:00');
  });
});
