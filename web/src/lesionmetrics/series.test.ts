import { describe, expect, it } from 'vitest';
import type { LesionMeasurement, Photo } from '../api/types.ts';
import { correctable, defaultBaselinePhoto, hasPending, seriesRows } from './series.ts';

function photo(photoId: string, capturedAt: string, uploadedAt = capturedAt): Photo {
  return {
    photoId, caseId: 'c', bodySite: 'elbow_left', lesionId: 'l', capturedAt, uploadedAt, source: 'camera',
    uploadedBy: 'u', uploaderRole: 'patient', width: 1600, height: 1200,
    urls: { display: 'd', thumb: 't' }, urlsExpireAt: '2026-03-01T10:00:00Z',
  };
}

function measured(photoId: string, overrides: Partial<LesionMeasurement> = {}): LesionMeasurement {
  return {
    photoId, baselinePhotoId: 'p1', measuredAt: '2026-02-02T10:00:00Z', aligned: true, flagged: true,
    alignment: { method: 'features', reason: null, homography: null }, areaMm2: 131.2, erythemaIndex: 21.5,
    erythemaContrast: 9.1, needsReview: false, outline: null, photoOutline: null, outlineSource: 'proposed', outlineAt: null,
    remeasuring: false, baselineSetAt: null,
    change: { areaPct: 31.2, erythemaChange: 0.4, erythemaBasis: 'calibrated', areaChanged: true, rednessChanged: false,
              meaningful: true, reasons: ['area_increase'] },
    baseline: { areaMm2: 100, erythemaIndex: 21.1 },
    ...overrides,
  };
}

const baseline = { photoId: 'p1', outline: [[1, 1], [5, 1], [3, 4]] as [number, number][], setBy: 'd', setAt: '2026-01-05T10:00:00+00:00' };
const photos = [photo('p1', '2026-01-02T09:00:00Z'), photo('p2', '2026-02-02T09:00:00Z')];

describe('a lesion series', () => {
  it('is empty without a baseline', () => {
    expect(seriesRows({ baseline: null, items: [], nextCursor: null }, photos)).toEqual([]);
  });

  it('gives millimetres with the card and flags a meaningful change with its reasons', () => {
    const rows = seriesRows({ baseline, items: [measured('p2')], nextCursor: null }, photos);
    expect(rows.map((row) => row.status)).toEqual(['baseline', 'measured']);
    expect(rows[0]!.area).toEqual({ unit: 'mm2', value: 100 });
    expect(rows[1]!.area).toEqual({ unit: 'mm2', value: 131.2 });
    expect(rows[1]!.flagged).toBe(true);
    expect(rows[1]!.reasons).toEqual(['area_increase']);
    expect(rows[1]!.capturedAt).toBe('2026-02-02T09:00:00Z');
    expect(rows[1]!.needsReview).toBe(false);
    const unsure = seriesRows({ baseline, items: [measured('p2', { needsReview: true })], nextCursor: null }, photos);
    expect(unsure[1]!.needsReview).toBe(true);
  });

  it('says the area relative to the baseline without the card, redness as contrast', () => {
    const item = measured('p2', { areaMm2: null, erythemaIndex: null, baseline: { areaMm2: null, erythemaIndex: null } });
    const rows = seriesRows({ baseline, items: [item], nextCursor: null }, photos);
    expect(rows[0]!.area).toEqual({ unit: 'pctOfBaseline', value: 100 });
    expect(rows[1]!.area?.unit).toBe('pctOfBaseline');
    expect(rows[1]!.area?.value).toBeCloseTo(131.2);
    expect(rows[1]!.redness).toEqual({ basis: 'contrast', value: 9.1 });
  });

  it('shows a failed alignment without figures', () => {
    const item = measured('p2', { aligned: false, flagged: false, change: null, areaMm2: null,
                                  alignment: { method: 'none', reason: 'too_different', homography: null } });
    const [, row] = seriesRows({ baseline, items: [item], nextCursor: null }, photos);
    expect(row!.status).toBe('notAligned');
    expect(row!.area).toBeNull();
    expect(row!.change).toBeNull();
  });

  it('waits for every photo not measured against this baseline: sent after it, before it, or measured against an older one', () => {
    const later = [...photos, photo('p3', '2026-03-02T09:00:00Z', '2026-03-02T09:01:00Z')];
    const rows = seriesRows({ baseline, items: [measured('p2')], nextCursor: null }, later);
    expect(rows.map((row) => row.status)).toEqual(['baseline', 'measured', 'pending']);
    expect(hasPending(rows)).toBe(true);
    // Sent before the baseline was set: measured once it is, so waited for.
    const before = [photos[0]!, photo('p0', '2026-01-03T09:00:00Z')];
    expect(hasPending(seriesRows({ baseline, items: [], nextCursor: null }, before))).toBe(true);
    // Measured against the baseline as first drawn on the same photo: measured again, so waited for.
    const older = measured('p2', { baselineSetAt: '2026-01-04T10:00:00+00:00' });
    const redrawn = seriesRows({ baseline, items: [older], nextCursor: null }, photos);
    expect(redrawn.map((row) => row.status)).toEqual(['baseline', 'pending']);
    const current = measured('p2', { baselineSetAt: baseline.setAt });
    expect(seriesRows({ baseline, items: [current], nextCursor: null }, photos)[1]!.status).toBe('measured');
  });

  it('says whose outline a figure is of, and offers aligned follow-ups for correction', () => {
    const corrected = measured('p2', { outlineSource: 'corrected', outlineAt: '2026-02-03T10:00:00Z', needsReview: true,
                                       photoOutline: [[1, 1], [5, 1], [3, 4]] });
    const [first, row] = seriesRows({ baseline, items: [corrected], nextCursor: null }, photos);
    expect(first!.outlineSource).toBeNull();
    expect(row!.outlineSource).toBe('corrected');
    expect(row!.needsReview).toBe(false); // a doctor drew it: nothing left to check
    expect(seriesRows({ baseline, items: [measured('p2')], nextCursor: null }, photos)[1]!.outlineSource).toBe('proposed');
    const waiting = seriesRows({ baseline, items: [measured('p2', { remeasuring: true })], nextCursor: null }, photos);
    expect(waiting[1]!.status).toBe('pending'); // corrected, not measured again yet: no stale figures
    expect(hasPending(waiting)).toBe(true);
    const unaligned = measured('p3', { aligned: false, photoOutline: null });
    expect(correctable({ baseline, items: [corrected, unaligned, measured('p4')], nextCursor: null }).map((i) => i.photoId))
      .toEqual(['p2']);
  });

  it('outlines the current baseline photo by default, else the earliest', () => {
    expect(defaultBaselinePhoto({ baseline, items: [], nextCursor: null }, [...photos].reverse())?.photoId).toBe('p1');
    expect(defaultBaselinePhoto(undefined, [...photos].reverse())?.photoId).toBe('p1');
    expect(defaultBaselinePhoto(undefined, [])).toBeNull();
  });
});
