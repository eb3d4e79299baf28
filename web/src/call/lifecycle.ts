// The ends of a call that talk to the API: the ICE servers before it starts, and the quality
// summary after it ended. Pure of session state, so each can be tested with a fake client.

import { ApiError, type ApiClient } from '../api/client.ts';
import type { IceServersResponse, VisitQuality } from '../api/types.ts';
import type { CallLogger, PeerEntry } from './callTypes.ts';
import type { Role } from './protocol.ts';

/** Three tries, 1 s then 2 s apart: the summary is worth a short wait, not a stuck page. */
export const SUMMARY_ATTEMPTS = 3;
export const SUMMARY_BACKOFF_MS = 1000;

type Sleep = (ms: number) => Promise<void>;
const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts the call's quality summary; a 4xx is final, anything else is tried again. */
export async function postSummary(
  api: Pick<ApiClient, 'reportVisitQuality'>,
  roomId: string,
  summary: VisitQuality,
  log: CallLogger,
  wait: Sleep = sleep,
): Promise<boolean> {
  for (let attempt = 0; attempt < SUMMARY_ATTEMPTS; attempt += 1) {
    try {
      await api.reportVisitQuality(roomId, summary);
      return true;
    } catch (error) {
      log('quality report failed', error);
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
      await wait(SUMMARY_BACKOFF_MS * (attempt + 1));
    }
  }
  return false;
}

/** STUN/TURN servers for the call; none when they cannot be had (same network may still work). */
export async function fetchIceServers(api: Pick<ApiClient, 'getIceServers'>, log: CallLogger): Promise<RTCIceServer[]> {
  try {
    return toRtcIceServers(await api.getIceServers());
  } catch (error) {
    log('ICE servers unavailable', error);
    return [];
  }
}

/** The API's ICE servers as RTCIceServer (absent credentials stay absent, not `undefined`). */
export function toRtcIceServers(answer: IceServersResponse): RTCIceServer[] {
  return answer.iceServers.map((server) => {
    const entry: RTCIceServer = { urls: server.urls };
    if (server.username !== undefined) entry.username = server.username;
    if (server.credential !== undefined) entry.credential = server.credential;
    return entry;
  });
}

/** Hanging up ends the visit for everyone, unless other doctors stay on (then this side just leaves). */
export function hangUpEndsVisit(myRole: Role, peers: readonly Pick<PeerEntry, 'info' | 'away'>[]): boolean {
  const otherDoctors = peers.filter((peer) => peer.info.role !== 'patient' && peer.away === null);
  return myRole === 'patient' || otherDoctors.length === 0;
}
