// Test doubles shared by the unit tests: a controllable clock with timers, in-memory storage,
// and a scripted fetch that records every request.

import type { FetchFunction } from '../api/client.ts';
import type { KeyValueStorage } from '../auth/sessionStore.ts';

interface ScheduledTask {
  id: number;
  dueAt: number;
  callback: () => void;
}

/** A clock whose time only moves when the test says so; timers fire in due order. */
export class FakeTime {
  private currentTime: number;
  private tasks: ScheduledTask[] = [];
  private nextId = 1;

  constructor(start = 1_700_000_000_000) {
    this.currentTime = start;
  }

  now = (): number => this.currentTime;

  clock = { now: (): number => this.currentTime };

  schedule = (callback: () => void, delayMs: number): (() => void) => {
    const task: ScheduledTask = { id: this.nextId++, dueAt: this.currentTime + delayMs, callback };
    this.tasks.push(task);
    return () => {
      this.tasks = this.tasks.filter((candidate) => candidate.id !== task.id);
    };
  };

  get pendingTimers(): number {
    return this.tasks.length;
  }

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.currentTime + ms;
    for (;;) {
      const due = this.tasks
        .filter((task) => task.dueAt <= target)
        .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)[0];
      if (due === undefined) break;
      this.tasks = this.tasks.filter((task) => task.id !== due.id);
      this.currentTime = Math.max(this.currentTime, due.dueAt);
      due.callback();
    }
    this.currentTime = target;
  }

  /** Moves the clock without firing timers, like a phone that slept through them. */
  jump(ms: number): void {
    this.currentTime += ms;
  }
}

export class MemoryStorage implements KeyValueStorage {
  readonly entries = new Map<string, string>();

  getItem(key: string): string | null {
    return this.entries.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.entries.set(key, value);
  }

  removeItem(key: string): void {
    this.entries.delete(key);
  }
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Responder = (request: RecordedRequest) => Response | Promise<Response>;

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

export function errorResponse(status: number, code: string, message = code): Response {
  return jsonResponse(status, { error: { code, message } });
}

/**
 * A fetch that answers from a queue of responders, in call order, and records each request.
 * Running out of responders fails the test loudly instead of hanging.
 */
export class ScriptedFetch {
  readonly requests: RecordedRequest[] = [];
  private readonly responders: Responder[] = [];

  then(responder: Responder): this {
    this.responders.push(responder);
    return this;
  }

  fetch: FetchFunction = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const rawBody = init?.body;
    const request: RecordedRequest = {
      url: input,
      method: init?.method ?? 'GET',
      headers,
      body: typeof rawBody === 'string' ? (JSON.parse(rawBody) as unknown) : undefined,
    };
    this.requests.push(request);
    const responder = this.responders.shift();
    if (responder === undefined) throw new Error(`Unexpected request: ${request.method} ${input}`);
    return responder(request);
  };
}
