import { describe, expect, it } from 'vitest';
import { FakeTime } from '../test/fakes.ts';
import type { ServerFrame } from './protocol.ts';
import { SignalingClient, SignalingError, type SocketLike } from './signaling.ts';

const ROOM = 'Yc2dEw3oQ8eN2x1o4b0mVg';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

class Network {
  private listeners: Array<() => void> = [];
  addEventListener(_type: 'online' | 'offline', listener: () => void): void {
    this.listeners.push(listener);
  }
  removeEventListener(_type: 'online' | 'offline', listener: () => void): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }
  goOnline(): void {
    for (const listener of this.listeners) listener();
  }
}

function setup(options: { ticketFails?: () => Error | undefined } = {}) {
  const time = new FakeTime();
  const sockets: FakeSocket[] = [];
  const network = new Network();
  let tickets = 0;
  const client = new SignalingClient({
    getTicket: () => {
      const failure = options.ticketFails?.();
      if (failure !== undefined) return Promise.reject(failure);
      tickets += 1;
      return Promise.resolve({ ticket: `t${tickets}`, wsUrl: 'ws://stack/ws' });
    },
    isFatalTicketError: (error) => error instanceof Error && error.message === 'signed out',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    schedule: time.schedule,
    now: time.now,
    random: () => 0,
    network,
    validate: true,
  });
  const frames: ServerFrame[] = [];
  client.on((frame) => frames.push(frame));
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { time, sockets, client, frames, flush, network, tickets: () => tickets };
}

/** A client that has joined ROOM on its first socket. */
async function inRoom() {
  const rig = setup();
  const joining = rig.client.join(ROOM);
  await rig.flush();
  rig.sockets[0]!.open();
  rig.sockets[0]!.receive(joined());
  await joining;
  return rig;
}

const joined = (resumed = false) => ({ type: 'joined', roomId: ROOM, participantId: 'me', resumed, participants: [] });

describe('signaling client', () => {
  it('connects with a fresh ticket and joins', async () => {
    const { client, sockets, flush } = setup();
    const joining = client.join(ROOM);
    await flush();
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe('ws://stack/ws?ticket=t1');
    sockets[0]!.open();
    expect(sockets[0]!.sent[0]).toMatchObject({ action: 'join', roomId: ROOM });
    sockets[0]!.receive(joined());
    await expect(joining).resolves.toMatchObject({ participantId: 'me', resumed: false });
    expect(client.inRoom).toBe(true);
  });

  it('rejects the join with the server error', async () => {
    const { client, sockets, flush } = setup();
    const joining = client.join(ROOM);
    await flush();
    sockets[0]!.open();
    const ref = sockets[0]!.sent[0]!.ref;
    sockets[0]!.receive({ type: 'error', code: 'room_not_active', message: 'not yet', ref });
    await expect(joining).rejects.toEqual(new SignalingError('room_not_active', 'not yet'));
  });

  it('pings every 30 s and reconnects when a pong does not come', async () => {
    const { client, sockets, flush, time } = setup();
    client.start();
    await flush();
    sockets[0]!.open();
    time.advance(30_000);
    expect(sockets[0]!.sent.at(-1)).toMatchObject({ action: 'ping', ts: time.now() });
    sockets[0]!.receive({ type: 'pong', serverTime: 1, ts: time.now() - 40 });
    expect(client.lastPingRttMs).toBe(40);
    time.advance(30_000);
    time.advance(10_000); // no pong this time
    expect(sockets[0]!.closed).toBe(true);
    expect(client.state.phase).toBe('backoff');
    time.advance(300);
    await flush();
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.url).toContain('ticket=t2');
  });

  it('counts any frame from the server as a sign of life while a pong is late', async () => {
    const { client, sockets, flush, time } = setup();
    client.start();
    await flush();
    sockets[0]!.open();
    time.advance(30_000);
    expect(sockets[0]!.sent.at(-1)).toMatchObject({ action: 'ping' });
    time.advance(9_000);
    // The pong is queued behind relayed frames, which keep arriving: the socket is alive.
    sockets[0]!.receive({ type: 'ice', from: 'p2', candidate: null });
    time.advance(2_000);
    expect(sockets[0]!.closed).toBe(false);
    expect(client.state.phase).toBe('open');
    expect(sockets).toHaveLength(1);
  });

  it('resumes the room after a drop and sends what was queued meanwhile', async () => {
    const { client, sockets, flush, time, frames } = setup();
    const joining = client.join(ROOM);
    await flush();
    sockets[0]!.open();
    sockets[0]!.receive(joined());
    await joining;

    sockets[0]!.drop();
    expect(client.inRoom).toBe(false);
    client.relay({ action: 'iceRestart', to: 'dr' });
    client.relay({ action: 'ice', to: 'dr', candidate: null });
    client.relay({ action: 'iceRestart', to: 'dr' }); // one pending request per peer is enough
    client.relay({ action: 'iceRestart', to: 'other' });
    client.dropQueued((frame) => frame.to === 'other');

    time.advance(300);
    await flush();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([expect.objectContaining({ action: 'join', roomId: ROOM })]);
    sockets[1]!.receive(joined(true));
    expect(sockets[1]!.sent.slice(1)).toEqual([
      { action: 'iceRestart', to: 'dr' },
      { action: 'ice', to: 'dr', candidate: null },
    ]);
    expect(frames.filter((f) => f.type === 'joined').map((f) => f.type === 'joined' && f.resumed)).toEqual([false, true]);
  });

  it('keeps only the newest offer to a peer queued while the socket is down, without its stale candidates', async () => {
    const { client, sockets, flush, time } = await inRoom();
    sockets[0]!.drop();
    const first = { type: 'offer' as const, sdp: 'v=0 first' };
    const second = { type: 'offer' as const, sdp: 'v=0 second' };
    client.relay({ action: 'offer', to: 'dr', sdp: first, ref: 'offer-dr' });
    client.relay({ action: 'ice', to: 'dr', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host' } });
    client.relay({ action: 'ice', to: 'other', candidate: null });
    client.relay({ action: 'offer', to: 'dr', sdp: second, ref: 'offer-dr' });
    client.relay({ action: 'ice', to: 'dr', candidate: null });

    time.advance(300);
    await flush();
    sockets[1]!.open();
    sockets[1]!.receive(joined(true));
    expect(sockets[1]!.sent.slice(1)).toEqual([
      { action: 'ice', to: 'other', candidate: null },
      { action: 'offer', to: 'dr', sdp: second, ref: 'offer-dr' },
      { action: 'ice', to: 'dr', candidate: null },
    ]);
  });

  it('backs off with growing delays while the server is unreachable, and retries at once when back online', async () => {
    const { client, sockets, flush, time, network } = setup();
    client.start();
    await flush();
    sockets[0]!.drop();
    time.advance(299);
    await flush();
    expect(sockets).toHaveLength(1);
    time.advance(1);
    await flush();
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    time.advance(599);
    await flush();
    expect(sockets).toHaveLength(2);
    network.goOnline();
    await flush();
    expect(sockets).toHaveLength(3);
    expect(client.state.phase).toBe('connecting');
  });

  it('after a long outage, an attempt that fails just after the network is back is retried within 300 ms', async () => {
    let offline = true;
    const { client, sockets, flush, time, network } = setup({ ticketFails: () => (offline ? new Error('offline') : undefined) });
    client.start();
    await flush();
    for (let elapsed = 0; elapsed < 35_000; elapsed += 500) {
      time.advance(500);
      await flush();
    }
    expect(sockets).toHaveLength(0);
    network.goOnline(); // the event comes first; the ticket request still fails
    await flush();
    expect(client.state.phase).toBe('backoff');
    offline = false;
    time.advance(300);
    await flush();
    expect(sockets).toHaveLength(1);
    expect(client.state.phase).toBe('connecting');
  });

  it('retries when a ticket cannot be had, stops when the session is gone', async () => {
    let failure = new Error('offline');
    const { client, flush, time, sockets } = setup({ ticketFails: () => failure });
    client.start();
    await flush();
    expect(client.state.phase).toBe('backoff');
    failure = new Error('signed out');
    time.advance(300);
    await flush();
    expect(client.state).toMatchObject({ phase: 'failed', reason: 'signed_out' });
    expect(sockets).toHaveLength(0);
  });

  it('stops for good when replaced by another tab', async () => {
    const { client, sockets, flush, time } = setup();
    const joining = client.join(ROOM);
    await flush();
    sockets[0]!.open();
    sockets[0]!.receive(joined());
    await joining;
    sockets[0]!.receive({ type: 'session.replaced' });
    expect(client.state.phase).toBe('stopped');
    time.advance(60_000);
    await flush();
    expect(sockets).toHaveLength(1);
  });

  it('never sends a frame the server would refuse', async () => {
    const { client, sockets, flush } = setup();
    const joining = client.join(ROOM);
    await flush();
    sockets[0]!.open();
    sockets[0]!.receive(joined());
    await joining;
    client.relay({ action: 'offer', to: 'dr', sdp: { type: 'offer', sdp: 'x'.repeat(29_000) } });
    expect(sockets[0]!.sent.filter((f) => f.action === 'offer')).toHaveLength(0);
  });

  it('leaves the room and stops rejoining it', async () => {
    const { client, sockets, flush, time } = setup();
    const joining = client.join(ROOM);
    await flush();
    sockets[0]!.open();
    sockets[0]!.receive(joined());
    await joining;
    client.leave();
    expect(sockets[0]!.sent.at(-1)).toEqual({ action: 'leave' });
    sockets[0]!.drop();
    time.advance(300);
    await flush();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([]);
  });
});
