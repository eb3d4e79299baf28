import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  callPhase,
  DEFAULT_BACKOFF,
  iceReducer,
  initialIce,
  INITIAL_LINK,
  linkReducer,
  type IceEvent,
  type IceState,
  type LinkEvent,
  type LinkState,
} from './reconnect.ts';

const ctx = (now = 0, random = () => 0) => ({ now, random });

function drive(events: Array<[LinkEvent, number?]>, start: LinkState = INITIAL_LINK) {
  let state = start;
  const commands: string[][] = [];
  for (const [event, now] of events) {
    const result = linkReducer(state, event, ctx(now ?? 0));
    state = result.state;
    commands.push(result.commands.map((c) => (c.type === 'scheduleRetry' ? `retry:${c.delayMs}` : c.type)));
  }
  return { state, commands };
}

describe('backoff', () => {
  it('doubles from the base up to the ceiling', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, () => 0));
    expect(delays).toEqual([300, 600, 1200, 2400, 4800, 8000, 8000, 8000]);
  });

  it('takes up to half of the delay off at random (jitter)', () => {
    expect(backoffDelay(3, () => 1)).toBe(600);
    expect(backoffDelay(3, () => 0.5)).toBe(900);
    for (let i = 0; i < 50; i += 1) {
      const delay = backoffDelay(4, Math.random);
      expect(delay).toBeGreaterThanOrEqual(1200);
      expect(delay).toBeLessThanOrEqual(2400);
    }
  });

  it('first retry is quick so a short blip costs little', () => {
    expect(backoffDelay(1, Math.random, DEFAULT_BACKOFF)).toBeLessThanOrEqual(300);
  });
});

describe('signaling link', () => {
  it('connects, then heartbeats and (re)joins once open', () => {
    const { state, commands } = drive([[{ type: 'start' }], [{ type: 'opened' }]]);
    expect(state).toMatchObject({ phase: 'open', attempt: 0, everOpen: true });
    expect(commands).toEqual([['connect'], ['startHeartbeat', 'rejoin']]);
  });

  it('reconnects after a drop with growing delays, then resumes', () => {
    const { state, commands } = drive([
      [{ type: 'start' }, 0],
      [{ type: 'opened' }, 10],
      [{ type: 'closed', code: 1006 }, 1000],
      [{ type: 'retryDue' }, 1300],
      [{ type: 'closed', code: 1006 }, 1400],
      [{ type: 'retryDue' }, 2000],
      [{ type: 'ticketFailed', fatal: false }, 2100],
      [{ type: 'retryDue' }, 3300],
      [{ type: 'opened' }, 3400],
    ]);
    expect(commands).toEqual([
      ['connect'],
      ['startHeartbeat', 'rejoin'],
      ['stopHeartbeat', 'retry:300'],
      ['connect'],
      ['retry:600'],
      ['connect'],
      ['retry:1200'],
      ['connect'],
      ['startHeartbeat', 'rejoin'],
    ]);
    expect(state).toMatchObject({ phase: 'open', attempt: 0, downSince: null });
  });

  it('treats a missing pong as a dead socket', () => {
    const { state, commands } = drive([[{ type: 'start' }], [{ type: 'opened' }], [{ type: 'pongTimeout' }, 5]]);
    expect(state.phase).toBe('backoff');
    expect(commands.at(-1)).toEqual(['stopHeartbeat', 'closeSocket', 'retry:300']);
  });

  it('retries at once when the browser is back online', () => {
    const { state, commands } = drive([
      [{ type: 'start' }],
      [{ type: 'opened' }],
      [{ type: 'closed' }],
      [{ type: 'closed' }],
      [{ type: 'online' }],
    ]);
    // (the second close is ignored: already waiting)
    expect(commands.at(-1)).toEqual(['cancelRetry', 'connect']);
    expect(state.phase).toBe('connecting');
  });

  it('starts the backoff over when back online, so an attempt that still fails is retried quickly', () => {
    // A 35 s outage: six failed attempts, the delay has grown to its ceiling.
    const outage: Array<[LinkEvent, number?]> = [[{ type: 'start' }, 0], [{ type: 'opened' }, 0], [{ type: 'closed' }, 1000]];
    for (let i = 0; i < 6; i += 1) outage.push([{ type: 'retryDue' }], [{ type: 'closed' }]);
    const long = drive(outage);
    expect(long.commands.at(-1)).toEqual(['retry:8000']);
    // Back online: connect now; that attempt fails (the network stack lags the event): 300 ms, not 8 s.
    const { state, commands } = drive([[{ type: 'online' }], [{ type: 'ticketFailed', fatal: false }]], long.state);
    expect(commands).toEqual([['cancelRetry', 'connect'], ['retry:300']]);
    expect(state).toMatchObject({ phase: 'backoff', attempt: 1 });
  });

  it('back online during an attempt: if that attempt fails, the next comes after the base delay', () => {
    const outage: Array<[LinkEvent, number?]> = [[{ type: 'start' }], [{ type: 'opened' }], [{ type: 'closed' }]];
    for (let i = 0; i < 6; i += 1) outage.push([{ type: 'retryDue' }], [{ type: 'closed' }]);
    outage.push([{ type: 'retryDue' }]); // an attempt is in flight when the network comes back
    const { state, commands } = drive([[{ type: 'online' }], [{ type: 'closed' }]], drive(outage).state);
    expect(commands).toEqual([[], ['retry:300']]);
    expect(state.phase).toBe('backoff');
  });

  it('gives up after five minutes without a connection', () => {
    let state: LinkState = drive([[{ type: 'start' }, 0], [{ type: 'opened' }, 0], [{ type: 'closed' }, 1000]]).state;
    let now = 1000;
    while (state.phase !== 'failed' && now < 10 * 60_000) {
      now += 8000;
      state = linkReducer(state, { type: 'retryDue' }, ctx(now)).state;
      state = linkReducer(state, { type: 'closed' }, ctx(now)).state;
    }
    expect(state.phase).toBe('failed');
    expect(now).toBeGreaterThanOrEqual(5 * 60_000);
    expect(now).toBeLessThan(5 * 60_000 + 20_000);
  });

  it('stops for good when signed out, stopped or replaced by another tab', () => {
    expect(drive([[{ type: 'start' }], [{ type: 'ticketFailed', fatal: true }]]).state).toMatchObject({ phase: 'failed', reason: 'signed_out' });
    const stopped = drive([[{ type: 'start' }], [{ type: 'opened' }], [{ type: 'stop', reason: 'hangup' }], [{ type: 'closed' }]]);
    expect(stopped.state).toMatchObject({ phase: 'stopped', reason: 'hangup' });
    expect(stopped.commands.at(-1)).toEqual([]);
    expect(drive([[{ type: 'start' }], [{ type: 'opened' }], [{ type: 'replaced' }]]).state.reason).toBe('replaced');
  });

  it('can be started again after stopping', () => {
    const { state } = drive([[{ type: 'start' }], [{ type: 'opened' }], [{ type: 'stop', reason: 'x' }], [{ type: 'start' }]]);
    expect(state).toMatchObject({ phase: 'connecting', everOpen: true });
  });
});

describe('ICE recovery', () => {
  function ice(events: IceEvent[], start: IceState = initialIce(0)) {
    let state = start;
    const restarts: number[] = [];
    for (const event of events) {
      const result = iceReducer(state, event);
      state = result.state;
      if (result.commands.length > 0) restarts.push(event.now);
    }
    return { state, restarts };
  }
  const connected: IceEvent = { type: 'iceState', state: 'connected', now: 0 };

  it('restarts after 2 s of disconnected, not before', () => {
    const { restarts, state } = ice([
      connected,
      { type: 'iceState', state: 'disconnected', now: 1000 },
      { type: 'tick', now: 2500 },
      { type: 'tick', now: 3000 },
      { type: 'tick', now: 3500 },
    ]);
    expect(restarts).toEqual([3000]);
    expect(state).toMatchObject({ phase: 'restarting', restarts: 1, totalRestarts: 1 });
  });

  it('does nothing when the connection comes back by itself', () => {
    const { restarts, state } = ice([
      connected,
      { type: 'iceState', state: 'disconnected', now: 1000 },
      { type: 'iceState', state: 'connected', now: 2200 },
      { type: 'tick', now: 5000 },
    ]);
    expect(restarts).toEqual([]);
    expect(state.phase).toBe('connected');
  });

  it('restarts a first connection that does not come up (e.g. candidates lost on the way)', () => {
    const { restarts } = ice([
      { type: 'iceState', state: 'checking', now: 1000 },
      { type: 'tick', now: 5000 },
      { type: 'tick', now: 6000 },
      { type: 'tick', now: 9000 },
      { type: 'tick', now: 10000 },
    ]);
    expect(restarts).toEqual([6000, 10000]);
  });

  it('restarts at once on failed', () => {
    expect(ice([connected, { type: 'iceState', state: 'failed', now: 500 }]).restarts).toEqual([500]);
  });

  it('retries a restart that did not help, spacing the retries', () => {
    const { restarts } = ice([
      connected,
      { type: 'iceState', state: 'failed', now: 1000 },
      ...[2000, 4000, 5000, 9000, 12000, 13000, 21000, 29000].map((now): IceEvent => ({ type: 'tick', now })),
    ]);
    expect(restarts).toEqual([1000, 5000, 13000, 29000]); // 4 s, 8 s, 16 s apart
  });

  it('restarts again when signaling is back (the offer may have been lost)', () => {
    const { restarts } = ice([
      connected,
      { type: 'iceState', state: 'failed', now: 1000 },
      { type: 'signalingUp', now: 1500 },
    ]);
    expect(restarts).toEqual([1000, 1500]);
  });

  it('is reset once connected again, counting restarts over the call', () => {
    const { state } = ice([
      connected,
      { type: 'iceState', state: 'failed', now: 1000 },
      { type: 'iceState', state: 'checking', now: 1100 },
      { type: 'iceState', state: 'connected', now: 1400 },
    ]);
    expect(state).toMatchObject({ phase: 'connected', restarts: 0, totalRestarts: 1 });
  });

  it('ignores the old generation failing right after a restart', () => {
    const { restarts } = ice([
      connected,
      { type: 'iceState', state: 'disconnected', now: 0 },
      { type: 'tick', now: 2000 },
      { type: 'iceState', state: 'failed', now: 2300 },
    ]);
    expect(restarts).toEqual([2000]);
  });

  it('restarts when the other side asks, staying connected if our side is', () => {
    const fromConnected = ice([connected, { type: 'peerAsked', now: 10 }, { type: 'tick', now: 60_000 }]);
    expect(fromConnected.restarts).toEqual([10]); // and no retries: nothing is wrong on our side
    expect(fromConnected.state).toMatchObject({ phase: 'connected', totalRestarts: 1 });
    const fromDisconnected = ice([connected, { type: 'iceState', state: 'disconnected', now: 5 }, { type: 'peerAsked', now: 10 }]);
    expect(fromDisconnected.restarts).toEqual([10]);
    expect(fromDisconnected.state.phase).toBe('restarting');
  });

  it('restarts at once when the network is back, instead of waiting for the next retry', () => {
    // Offline for 35 s: restarts at 2 s (disconnected), 4 s and 8 s later, and on failed; the next
    // would be due 16 s after that.
    const outage: IceEvent[] = [
      connected,
      { type: 'iceState', state: 'disconnected', now: 1000 },
      ...[3000, 7000, 15000, 30000].map((now): IceEvent => ({ type: 'tick', now })),
      { type: 'iceState', state: 'failed', now: 31000 },
    ];
    const before = ice(outage);
    expect(before.restarts).toEqual([3000, 7000, 15000, 31000]);
    const { restarts, state } = ice(
      [
        { type: 'networkUp', now: 35000 },
        ...[36000, 38000, 39000, 43000].map((now): IceEvent => ({ type: 'tick', now })),
      ],
      before.state,
    );
    // Now, and if that one is lost, again 4 s later (the spacing starts over).
    expect(restarts).toEqual([35000, 39000]);
    expect(state).toMatchObject({ phase: 'restarting', restarts: 2, totalRestarts: 6 });
  });

  it('leaves a working or never-connected connection alone when the network is back', () => {
    expect(ice([connected, { type: 'networkUp', now: 100 }]).restarts).toEqual([]);
    expect(ice([{ type: 'iceState', state: 'checking', now: 0 }, { type: 'networkUp', now: 100 }]).restarts).toEqual([]);
    // ...and a restart asked for a moment ago is not asked for again.
    const { restarts } = ice([connected, { type: 'iceState', state: 'failed', now: 1000 }, { type: 'networkUp', now: 1500 }]);
    expect(restarts).toEqual([1000]);
  });

  it('does not restart twice for one request arriving twice', () => {
    const { restarts } = ice([connected, { type: 'iceState', state: 'failed', now: 5 }, { type: 'peerAsked', now: 300 }]);
    expect(restarts).toEqual([5]);
  });
});

describe('call phase', () => {
  const peer = (ice: IceState['phase'], everConnected = true, mediaStalled = false) => ({ ice, everConnected, mediaStalled });

  it('connecting until the first peer connects', () => {
    expect(callPhase({ link: 'open', peers: [] })).toBe('connecting');
    expect(callPhase({ link: 'open', peers: [peer('new', false)] })).toBe('connecting');
  });

  it('connected when every peer is', () => {
    expect(callPhase({ link: 'open', peers: [peer('connected'), peer('connected')] })).toBe('connected');
  });

  it('reconnecting when media to a connected peer is interrupted', () => {
    expect(callPhase({ link: 'open', peers: [peer('disconnected')] })).toBe('reconnecting');
    expect(callPhase({ link: 'open', peers: [peer('restarting')] })).toBe('reconnecting');
    expect(callPhase({ link: 'open', peers: [peer('connected', true, true)] })).toBe('reconnecting');
  });

  it('stays connected while only signaling is down but media flows', () => {
    expect(callPhase({ link: 'backoff', peers: [peer('connected')] })).toBe('connected');
  });

  it('failed when signaling gave up', () => {
    expect(callPhase({ link: 'failed', peers: [peer('connected')] })).toBe('failed');
  });
});
