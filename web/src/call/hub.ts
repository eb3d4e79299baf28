// Long-lived call objects shared across pages of the same tab:
//
// - ONE signaling socket per signed-in user. The doctor's queue page, the patient's waiting room
//   and the call all use it, so moving from the queue to the call does not cost a new ticket and
//   handshake (call set-up time counts from the admit click).
// - The call in progress, so that the page that starts it (the queue's admit button) and the page
//   that shows it (the call page) are the same session.

import { ApiError, CLIENT_ERROR_CODES, type ApiClient } from '../api/client.ts';
import type { RuntimeConfig } from '../config/runtimeConfig.ts';
import type { CallSession } from './session.ts';
import { toRtcIceServers } from './lifecycle.ts';
import { callLog as log } from './log.ts';
import { SignalingClient } from './signaling.ts';

const RELEASE_GRACE_MS = 5000;

interface SharedSignaling {
  userId: string;
  client: SignalingClient;
  users: number;
  closeTimer: ReturnType<typeof setTimeout> | null;
}

let shared: SharedSignaling | null = null;
let activeCall: CallSession | null = null;

export interface SignalingHandle {
  client: SignalingClient;
  release: () => void;
}


function fatalTicketError(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.code === CLIENT_ERROR_CODES.sessionExpired || error.code === CLIENT_ERROR_CODES.notSignedIn || error.status === 403)
  );
}

/** The user's signaling socket, started if needed. Call `release()` when the page goes away. */
export function acquireSignaling(api: ApiClient, config: RuntimeConfig, userId: string): SignalingHandle {
  if (shared !== null && (shared.userId !== userId || ['stopped', 'failed'].includes(shared.client.state.phase))) {
    if (shared.closeTimer !== null) clearTimeout(shared.closeTimer);
    shared.client.stop('replaced');
    shared = null;
  }
  if (shared === null) {
    const client = new SignalingClient({
      getTicket: () => api.createWsTicket(),
      fallbackWsUrl: config.wsUrl,
      isFatalTicketError: fatalTicketError,
      network: typeof window !== 'undefined' ? window : null,
      validate: import.meta.env.DEV,
      log,
    });
    shared = { userId, client, users: 0, closeTimer: null };
    client.start();
  }
  const entry = shared;
  entry.users += 1;
  if (entry.closeTimer !== null) {
    clearTimeout(entry.closeTimer);
    entry.closeTimer = null;
  }
  let released = false;
  return {
    client: entry.client,
    release: () => {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users > 0) return;
      entry.closeTimer = setTimeout(() => {
        if (entry.users > 0) return;
        entry.client.stop('idle');
        if (shared === entry) shared = null;
      }, RELEASE_GRACE_MS);
    },
  };
}

export function currentCall(roomId?: string): CallSession | null {
  if (activeCall === null) return null;
  if (roomId !== undefined && activeCall.roomId !== roomId) return null;
  if (activeCall.getSnapshot().phase === 'ended') return null;
  return activeCall;
}

export function setCurrentCall(session: CallSession | null): void {
  activeCall = session;
}

/** Cached ICE servers (they carry TURN credentials valid for `ttlSeconds`). */
let iceCache: { userId: string; servers: RTCIceServer[]; expiresAt: number } | null = null;

export async function iceServersFor(api: ApiClient, userId: string): Promise<RTCIceServer[]> {
  const now = Date.now();
  if (iceCache !== null && iceCache.userId === userId && iceCache.expiresAt - 60_000 > now) return iceCache.servers;
  const answer = await api.getIceServers();
  const servers = toRtcIceServers(answer);
  iceCache = { userId, servers, expiresAt: now + Math.max(60, answer.ttlSeconds) * 1000 };
  return servers;
}
