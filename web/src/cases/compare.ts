// Choosing photos to compare and the scores that go with them. Pure.

import type { Photo, Score, ScoreInstrument } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import { INSTRUMENTS } from './scorePreview.ts';

const DAY_MS = 86_400_000;

export interface NearestScore {
  score: Score;
  /** Days from the photo to the score: negative = recorded before the photo. */
  offsetDays: number;
}

/**
 * For each instrument, the score recorded closest in time to `at` (a photo's capture time), if one
 * lies within `maxDays`. Ties go to the earlier score. Ordered like INSTRUMENTS.
 */
export function nearestScores(scores: readonly Score[], at: string, maxDays = 30): NearestScore[] {
  const time = Date.parse(at);
  if (Number.isNaN(time)) return [];
  const best = new Map<ScoreInstrument, NearestScore>();
  for (const score of scores) {
    const recorded = Date.parse(score.recordedAt);
    if (Number.isNaN(recorded)) continue;
    const offset = (recorded - time) / DAY_MS;
    if (Math.abs(offset) > maxDays) continue;
    const current = best.get(score.instrument);
    if (
      current === undefined ||
      Math.abs(offset) < Math.abs(current.offsetDays) ||
      (Math.abs(offset) === Math.abs(current.offsetDays) && offset < current.offsetDays)
    ) {
      best.set(score.instrument, { score, offsetDays: offset });
    }
  }
  return INSTRUMENTS.flatMap((instrument) => {
    const found = best.get(instrument);
    return found === undefined ? [] : [found];
  });
}

/** "same day", "2 days before", "1 day after". */
export function describeOffset(offsetDays: number): string {
  const days = Math.round(Math.abs(offsetDays));
  if (days === 0) return i18next.t('cases:compare.sameDay');
  return offsetDays < 0
    ? i18next.t('cases:compare.daysBefore', { count: days })
    : i18next.t('cases:compare.daysAfter', { count: days });
}

/** Oldest first by capture time (then photo id, which sorts by capture time too). */
export function byCaptureTime(photos: readonly Photo[]): Photo[] {
  return [...photos].sort(
    (a, b) => a.capturedAt.localeCompare(b.capturedAt) || a.photoId.localeCompare(b.photoId),
  );
}

/** The pair a comparison starts with: the oldest photo against the newest. */
export function defaultPair(photos: readonly Photo[]): [string, string] | null {
  if (photos.length < 2) return null;
  const ordered = byCaptureTime(photos);
  return [ordered[0]!.photoId, ordered[ordered.length - 1]!.photoId];
}
