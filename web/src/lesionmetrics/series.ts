// A lesion's measured series as the doctor reads it: one row per photo, oldest first, the baseline
// first. Without the reference card there are no millimetres: the area is said as a percentage of the
// baseline's, and the redness as the lesion's contrast with the skin around it.

import type { LesionBaseline, LesionChange, LesionChangeReason, LesionMeasurement, LesionOutlineSource, LesionSeries, Photo } from '../api/types.ts';

export type AreaFigure = { unit: 'mm2'; value: number } | { unit: 'pctOfBaseline'; value: number };
export type RednessFigure = { basis: 'calibrated' | 'contrast'; value: number };

export interface SeriesRow {
  photoId: string;
  /** The photo's capture time; null when the photo is no longer listed (removed). */
  capturedAt: string | null;
  status: 'baseline' | 'measured' | 'notAligned' | 'pending';
  area: AreaFigure | null;
  redness: RednessFigure | null;
  change: LesionChange | null;
  flagged: boolean;
  reasons: LesionChangeReason[];
  /** The measuring step was unsure of the outline it found: a doctor should look at it. */
  needsReview: boolean;
  /** Whose outline the figures are of: the proposal, or a doctor's confirmation or correction. */
  outlineSource: LesionOutlineSource | null;
  outlineAt: string | null;
}

/** Whether a measurement was made against this baseline (a baseline redrawn on the same photo is a new one). */
export function againstBaseline(item: LesionMeasurement, baseline: LesionBaseline): boolean {
  return item.baselineSetAt !== undefined && item.baselineSetAt !== null
    ? item.baselineSetAt === baseline.setAt
    : item.baselinePhotoId === baseline.photoId;
}

/** The follow-ups a doctor can confirm or correct the outline of: measured against the baseline and aligned. */
export function correctable(series: LesionSeries): LesionMeasurement[] {
  const baseline = series.baseline;
  if (baseline === null) return [];
  return series.items.filter(
    (item) => againstBaseline(item, baseline) && item.aligned && item.photoOutline !== undefined && item.photoOutline !== null,
  );
}

function capturedAt(photos: readonly Photo[], photoId: string): string | null {
  return photos.find((photo) => photo.photoId === photoId)?.capturedAt ?? null;
}

export function seriesRows(series: LesionSeries, photos: readonly Photo[]): SeriesRow[] {
  const baseline = series.baseline;
  if (baseline === null) return [];
  // Measurements against an earlier baseline (the doctor drew a new one) are not comparable: the
  // series is measured again against the new one.
  const items = series.items.filter((item) => againstBaseline(item, baseline));
  const first = items.find((item) => item.baseline !== undefined)?.baseline;
  const rows: SeriesRow[] = [
    {
      photoId: baseline.photoId,
      capturedAt: capturedAt(photos, baseline.photoId),
      status: 'baseline',
      area:
        first?.areaMm2 !== undefined && first.areaMm2 !== null
          ? { unit: 'mm2', value: first.areaMm2 }
          : { unit: 'pctOfBaseline', value: 100 },
      redness:
        first?.erythemaIndex !== undefined && first.erythemaIndex !== null
          ? { basis: 'calibrated', value: first.erythemaIndex }
          : null,
      change: null,
      flagged: false,
      reasons: [],
      needsReview: false,
      outlineSource: null,
      outlineAt: null,
    },
  ];
  for (const item of items) {
    // A doctor's correction not yet measured: the stored figures are the proposal's, not shown.
    const waiting = item.remeasuring === true;
    const shown = item.aligned && !waiting;
    const change = item.change;
    const area: AreaFigure | null =
      item.areaMm2 !== null
        ? { unit: 'mm2', value: item.areaMm2 }
        : change !== null
          ? { unit: 'pctOfBaseline', value: 100 + change.areaPct }
          : null;
    const redness: RednessFigure | null =
      item.erythemaIndex !== null
        ? { basis: 'calibrated', value: item.erythemaIndex }
        : item.erythemaContrast !== null
          ? { basis: 'contrast', value: item.erythemaContrast }
          : null;
    rows.push({
      photoId: item.photoId,
      capturedAt: capturedAt(photos, item.photoId),
      status: waiting ? 'pending' : item.aligned ? 'measured' : 'notAligned',
      area: shown ? area : null,
      redness: shown ? redness : null,
      change: shown ? change : null,
      flagged: item.flagged && !waiting,
      reasons: shown && change !== null ? change.reasons : [],
      needsReview: shown && item.needsReview === true && item.outlineSource !== 'corrected',
      outlineSource: item.aligned ? (item.outlineSource ?? 'proposed') : null,
      outlineAt: item.outlineAt ?? null,
    });
  }
  // Photos of the lesion not measured against this baseline yet: sent after it, or before it (they are
  // measured once it is set), or measured against an earlier one (measured again).
  const measured = new Set(items.map((item) => item.photoId));
  for (const photo of photos) {
    if (photo.photoId === baseline.photoId || measured.has(photo.photoId)) continue;
    rows.push({
      photoId: photo.photoId,
      capturedAt: photo.capturedAt,
      status: 'pending',
      area: null,
      redness: null,
      change: null,
      flagged: false,
      reasons: [],
      needsReview: false,
      outlineSource: null,
      outlineAt: null,
    });
  }
  return rows;
}

/** Whether a photo is still waiting for its measurement (the screen asks again while one is). */
export function hasPending(rows: readonly SeriesRow[]): boolean {
  return rows.some((row) => row.status === 'pending');
}

/** The photo the outline is drawn on by default: the current baseline's, else the earliest photo. */
export function defaultBaselinePhoto(series: LesionSeries | undefined, photos: readonly Photo[]): Photo | null {
  const current = series?.baseline?.photoId;
  const byCapture = [...photos].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt));
  return byCapture.find((photo) => photo.photoId === current) ?? byCapture[0] ?? null;
}
