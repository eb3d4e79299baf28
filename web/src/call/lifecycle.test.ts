import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import type { VisitQuality } from '../api/types.ts';
import { fetchIceServers, hangUpEndsVisit, postSummary, SUMMARY_ATTEMPTS } from './lifecycle.ts';

const SUMMARY: VisitQuality = { rttMs: 40, lossPct: 0.5, bitrateKbps: 900, reconnects: 0 };
const quiet = () => undefined;

function reporter(failures: Error[]) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      reportVisitQuality: (roomId: string) => {
        calls.push(roomId);
        const failure = failures.shift();
        return failure === undefined ? Promise.resolve({ status: 'ok' }) : Promise.reject(failure);
      },
    },
  };
}

describe('postSummary', () => {
  it('tries again after a lost connection or a 5xx, waiting longer each time', async () => {
    const { api, calls } = reporter([new ApiError(0, 'network_error', 'x'), new ApiError(503, 'http_503', 'x')]);
    const waits: number[] = [];
    const posted = await postSummary(api, 'room-1', SUMMARY, quiet, (ms) => {
      waits.push(ms);
      return Promise.resolve();
    });
    expect(posted).toBe(true);
    expect(calls).toEqual(['room-1', 'room-1', 'room-1']);
    expect(waits).toEqual([1000, 2000]);
  });

  it('gives up at once on a 4xx and after SUMMARY_ATTEMPTS otherwise', async () => {
    const refused = reporter([new ApiError(409, 'conflict', 'x')]);
    expect(await postSummary(refused.api, 'r', SUMMARY, quiet, () => Promise.resolve())).toBe(false);
    expect(refused.calls).toHaveLength(1);
    const down = reporter(Array.from({ length: 5 }, () => new ApiError(502, 'http_502', 'x')));
    expect(await postSummary(down.api, 'r', SUMMARY, quiet, () => Promise.resolve())).toBe(false);
    expect(down.calls).toHaveLength(SUMMARY_ATTEMPTS);
  });
});

describe('fetchIceServers', () => {
  it('keeps only the fields an RTCIceServer has, and falls back to none', async () => {
    const api = {
      getIceServers: () =>
        Promise.resolve({ iceServers: [{ urls: ['stun:a'] }, { urls: ['turn:b'], username: 'u', credential: 'c' }], ttlSeconds: 60, expiresAt: '2026-01-01T00:00:00Z' }),
    };
    expect(await fetchIceServers(api, quiet)).toEqual([{ urls: ['stun:a'] }, { urls: ['turn:b'], username: 'u', credential: 'c' }]);
    expect(await fetchIceServers({ getIceServers: () => Promise.reject(new Error('down')) }, quiet)).toEqual([]);
  });
});

describe('hangUpEndsVisit', () => {
  const peer = (role: 'patient' | 'doctor', away = false) => ({
    info: { participantId: role, username: role, role },
    away: away ? { since: 0, resumableMs: 1 } : null,
  });

  it('a patient hanging up ends the visit; a doctor only when no other doctor stays', () => {
    expect(hangUpEndsVisit('patient', [peer('doctor')])).toBe(true);
    expect(hangUpEndsVisit('doctor', [peer('patient')])).toBe(true);
    expect(hangUpEndsVisit('doctor', [peer('patient'), peer('doctor')])).toBe(false);
    expect(hangUpEndsVisit('doctor', [peer('patient'), peer('doctor', true)])).toBe(true);
  });
});
