// The call-quality indicator (good / fair / poor), a pure function of the recent stats samples.
//
// Thresholds follow telehealth guidance (alert at 300 ms round trip, 5% loss, 50 ms jitter; at least
// 350 kbps for video). Each metric is taken as the median of the last few samples (2 s apart), so
// one bad interval does not flip the indicator, and the level is the worst metric's.

import { i18next } from '../i18n/index.ts';
import type { StatsSample } from './stats.ts';

export type QualityLevel = 'good' | 'fair' | 'poor';

export type QualityMetric = 'rtt' | 'loss' | 'jitter' | 'fps' | 'bandwidth';

export interface QualityThresholds {
  /** A metric at or past `fair` is fair, at or past `poor` is poor. */
  rttMs: { fair: number; poor: number };
  lossPct: { fair: number; poor: number };
  jitterMs: { fair: number; poor: number };
  /** Frame rate is better when higher: below `fair` is fair, below `poor` is poor. */
  fps: { fair: number; poor: number };
  /** Estimated bandwidth for our video (kbps), higher is better. */
  bandwidthKbps: { fair: number; poor: number };
}

export const DEFAULT_THRESHOLDS: QualityThresholds = {
  rttMs: { fair: 150, poor: 300 },
  lossPct: { fair: 2, poor: 5 },
  jitterMs: { fair: 30, poor: 50 },
  fps: { fair: 15, poor: 8 },
  bandwidthKbps: { fair: 500, poor: 250 },
};

/** Share of the estimate a sender must use for the estimate to say something about the network. */
const NETWORK_LIMITED_SHARE = 0.7;

/** How many of the newest samples are judged (3 x 2 s = the last 6 seconds). */
export const QUALITY_WINDOW = 3;

export interface QualityVerdict {
  level: QualityLevel;
  /** Metrics that are not good, worst first, for the user-facing hint. */
  reasons: Array<{ metric: QualityMetric; level: Exclude<QualityLevel, 'good'>; value: number }>;
}

export interface QualityOptions {
  /** Judge frame rate only while the other side's camera is on and video is expected. */
  expectVideo: boolean;
  thresholds?: QualityThresholds;
  window?: number;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const RANK: Record<QualityLevel, number> = { good: 0, fair: 1, poor: 2 };

function higherIsWorse(value: number, limits: { fair: number; poor: number }): QualityLevel {
  if (value >= limits.poor) return 'poor';
  if (value >= limits.fair) return 'fair';
  return 'good';
}

function lowerIsWorse(value: number, limits: { fair: number; poor: number }): QualityLevel {
  if (value < limits.poor) return 'poor';
  if (value < limits.fair) return 'fair';
  return 'good';
}

/**
 * The indicator for the newest `window` samples; null when there is nothing to judge yet.
 */
export function scoreQuality(samples: readonly StatsSample[], options: QualityOptions): QualityVerdict | null {
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const recent = samples.slice(-(options.window ?? QUALITY_WINDOW));
  if (recent.length === 0) return null;

  const values = (pick: (s: StatsSample) => number | null): number[] =>
    recent.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));

  const judged: QualityVerdict['reasons'] = [];
  const judge = (metric: QualityMetric, value: number | null, level: (v: number) => QualityLevel): void => {
    if (value === null) return;
    const verdict = level(value);
    if (verdict !== 'good') judged.push({ metric, level: verdict, value: Math.round(value * 10) / 10 });
  };

  judge('rtt', median(values((s) => s.rttMs)), (v) => higherIsWorse(v, thresholds.rttMs));
  judge('loss', median(values((s) => s.lossPct)), (v) => higherIsWorse(v, thresholds.lossPct));
  judge('jitter', median(values((s) => s.jitterMs)), (v) => higherIsWorse(v, thresholds.jitterMs));
  if (options.expectVideo) {
    judge('fps', median(values((s) => s.fps)), (v) => lowerIsWorse(v, thresholds.fps));
  }
  // Bandwidth: the congestion controller's estimate, but only from intervals in which we used most of
  // it. A sender with little to send (a still picture) keeps a low estimate on a perfectly good
  // network; what we send is no measure either, as it depends on the picture and on our own caps.
  judge(
    'bandwidth',
    median(
      values((s) =>
        s.availableOutgoingBitrate === null || s.bitrateKbps * 1000 < NETWORK_LIMITED_SHARE * s.availableOutgoingBitrate
          ? null
          : s.availableOutgoingBitrate / 1000,
      ),
    ),
    (v) => lowerIsWorse(v, thresholds.bandwidthKbps),
  );

  judged.sort((a, b) => RANK[b.level] - RANK[a.level]);
  const level = judged[0]?.level ?? 'good';
  return { level, reasons: judged };
}

/** The worse of two levels (mesh calls show the weakest link). */
export function worse(a: QualityLevel, b: QualityLevel): QualityLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A plain-language sentence for the poor-network warning, in the language shown now. */
export function describeQuality(verdict: QualityVerdict | null): string {
  if (verdict === null || verdict.level === 'good') return i18next.t('call:quality.good');
  const first = verdict.reasons[0];
  const why = first !== undefined ? i18next.t('call:quality.why', { hint: i18next.t(`call:quality.hint.${first.metric}`) }) : '';
  return i18next.t(verdict.level === 'fair' ? 'call:quality.fair' : 'call:quality.poor', { why });
}
