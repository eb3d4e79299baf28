// The call-quality summary posted to POST /visits/{roomId}/quality when a call ends: averages of
// the stats samples, the worst indicator level, reconnections, time spent in audio only and how long
// the call took to set up.

import type { VisitQuality } from '../api/types.ts';
import type { PeerEntry } from './callTypes.ts';
import type { QualityLevel } from './quality.ts';
import { worse } from './quality.ts';
import type { StatsSample } from './stats.ts';

export interface SummaryState {
  samples: number;
  rttSum: number;
  rttCount: number;
  lossSum: number;
  jitterSum: number;
  bitrateSum: number;
  fpsSum: number;
  fpsCount: number;
  worst: QualityLevel | null;
  audioOnlyMs: number;
  lastAt: number | null;
}

export const EMPTY_SUMMARY: SummaryState = {
  samples: 0,
  rttSum: 0,
  rttCount: 0,
  lossSum: 0,
  jitterSum: 0,
  bitrateSum: 0,
  fpsSum: 0,
  fpsCount: 0,
  worst: null,
  audioOnlyMs: 0,
  lastAt: null,
};

/** Adds one interval: its sample, the indicator level then, and whether we were in audio only. */
export function addSample(
  state: SummaryState,
  sample: StatsSample,
  level: QualityLevel | null,
  audioOnly: boolean,
): SummaryState {
  const interval = state.lastAt === null ? 0 : Math.max(0, sample.at - state.lastAt);
  return {
    samples: state.samples + 1,
    rttSum: state.rttSum + (sample.rttMs ?? 0),
    rttCount: state.rttCount + (sample.rttMs === null ? 0 : 1),
    lossSum: state.lossSum + sample.lossPct,
    jitterSum: state.jitterSum + sample.jitterMs,
    bitrateSum: state.bitrateSum + sample.bitrateKbps,
    fpsSum: state.fpsSum + (sample.fps ?? 0),
    fpsCount: state.fpsCount + (sample.fps === null ? 0 : 1),
    worst: level === null ? state.worst : state.worst === null ? level : worse(state.worst, level),
    audioOnlyMs: state.audioOnlyMs + (audioOnly ? interval : 0),
    lastAt: sample.at,
  };
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
const round1 = (value: number): number => Math.round(value * 10) / 10;

/** Milliseconds from meeting the other participant (their peer entry) to the first connected media path,
 *  read when the call first connects; null if no peer is connected. The ops dashboard shows its median and
 *  p90 (a slow setup with a poor call points at TURN or the clinic's network). */
export function setupTime(peers: Iterable<Pick<PeerEntry, 'ice' | 'createdAt'>>, now: number): number | null {
  for (const peer of peers) {
    if (peer.ice.phase === 'connected') return Math.max(0, now - peer.createdAt);
  }
  return null;
}

/** The body of POST /visits/{roomId}/quality (ranges as the server checks them). */
export function qualityReport(
  state: SummaryState,
  extra: { reconnects: number; durationSeconds: number; setupMs?: number | null },
): VisitQuality {
  const avg = (sum: number, count: number): number => (count > 0 ? sum / count : 0);
  const report: VisitQuality = {
    rttMs: round1(clamp(avg(state.rttSum, state.rttCount), 0, 1e7)),
    jitterMs: round1(clamp(avg(state.jitterSum, state.samples), 0, 1e7)),
    lossPct: round1(clamp(avg(state.lossSum, state.samples), 0, 100)),
    bitrateKbps: round1(clamp(avg(state.bitrateSum, state.samples), 0, 1e7)),
    framesPerSecond: round1(clamp(avg(state.fpsSum, state.fpsCount), 0, 240)),
    reconnects: Math.round(clamp(extra.reconnects, 0, 10_000)),
    durationSeconds: Math.round(clamp(extra.durationSeconds, 0, 86_400)),
    audioOnlySeconds: Math.round(clamp(state.audioOnlyMs / 1000, 0, 86_400)),
  };
  if (state.worst !== null) report.worstQuality = state.worst;
  // Absent when the call never connected: no setup time is not a setup time of 0.
  if (extra.setupMs !== undefined && extra.setupMs !== null) report.setupMs = Math.round(clamp(extra.setupMs, 0, 600_000));
  return report;
}
