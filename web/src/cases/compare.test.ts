import { describe, expect, it } from 'vitest';
import type { Photo, Score } from '../api/types.ts';
import { byCaptureTime, defaultPair, describeOffset, nearestScores } from './compare.ts';
import { trendLayout } from './trend.ts';

function score(id: string, instrument: Score['instrument'], recordedAt: string, total: number, flags: Score['flags'][number]['code'][] = []): Score {
  return {
    scoreId: id, caseId: 'c1', instrument, recordedAt, recordedBy: 'u', recorderRole: 'doctor',
    onBehalfOfPatient: false, visitId: null, total, band: null, components: {}, details: {},
    change: { previousScoreId: null, previousTotal: null, delta: null, baselineTotal: null, improvementPercent: null },
    flags: flags.map((code) => ({ code, message: code })),
  };
}

function photo(id: string, capturedAt: string): Photo {
  return {
    photoId: id, caseId: 'c1', bodySite: 'elbow_left', lesionId: null, capturedAt, uploadedAt: capturedAt,
    source: 'camera', uploadedBy: 'u', uploaderRole: 'patient', width: 1200, height: 900,
    urls: { display: `/d/${id}`, thumb: `/t/${id}` }, urlsExpireAt: capturedAt,
  };
}

describe('nearestScores', () => {
  const scores = [
    score('p1', 'PASI', '2026-03-01T10:00:00Z', 20),
    score('p2', 'PASI', '2026-03-09T10:00:00Z', 12),
    score('d1', 'DLQI', '2026-03-04T10:00:00Z', 10),
    score('d2', 'DLQI', '2026-06-01T10:00:00Z', 2),
  ];

  it('picks, per instrument, the score closest to the photo', () => {
    const found = nearestScores(scores, '2026-03-06T10:00:00Z');
    expect(found.map((entry) => [entry.score.scoreId, entry.offsetDays])).toEqual([
      ['p2', 3],
      ['d1', -2],
    ]);
  });

  it('leaves out scores further away than the limit', () => {
    expect(nearestScores(scores, '2026-05-30T10:00:00Z', 7).map((entry) => entry.score.scoreId)).toEqual(['d2']);
  });

  it('prefers the earlier score on a tie, and ignores bad dates', () => {
    const tie = [score('a', 'IGA', '2026-03-01T00:00:00Z', 3), score('b', 'IGA', '2026-03-03T00:00:00Z', 2)];
    expect(nearestScores(tie, '2026-03-02T00:00:00Z')[0]!.score.scoreId).toBe('a');
    expect(nearestScores(tie, 'not a date')).toEqual([]);
  });

  it('describes offsets', () => {
    expect([describeOffset(0.2), describeOffset(-1), describeOffset(3.4)]).toEqual([
      'same day', '1 day before', '3 days after',
    ]);
  });
});

describe('photo pairs', () => {
  it('starts with the oldest against the newest photo', () => {
    const photos = [photo('b', '2026-03-05T00:00:00Z'), photo('c', '2026-04-01T00:00:00Z'), photo('a', '2026-01-01T00:00:00Z')];
    expect(byCaptureTime(photos).map((p) => p.photoId)).toEqual(['a', 'b', 'c']);
    expect(defaultPair(photos)).toEqual(['a', 'c']);
    expect(defaultPair(photos.slice(0, 1))).toBeNull();
  });
});

describe('trendLayout', () => {
  const box = { width: 120, height: 110, padLeft: 10, padRight: 10, padTop: 5, padBottom: 5 };

  it('places scores by time and total, oldest first, and marks flagged ones', () => {
    const layout = trendLayout(
      [
        score('2', 'DLQI', '2026-03-03T00:00:00Z', 5, ['mcid_improved']),
        score('1', 'DLQI', '2026-03-01T00:00:00Z', 30),
        score('3', 'DLQI', '2026-03-11T00:00:00Z', 0),
      ],
      30,
      box,
    );
    expect(layout.points.map((p) => [p.score.scoreId, p.x, p.y, p.flagged])).toEqual([
      ['1', 10, 5, false],
      ['2', 30, 88.3, true],
      ['3', 110, 105, false],
    ]);
    expect(layout.path).toBe('M10 5 L30 88.3 L110 105');
    expect(layout.ticks.map((tick) => tick.value)).toEqual([0, 5, 10, 15, 20, 25, 30]);
  });

  it('centres a single score', () => {
    const layout = trendLayout([score('1', 'IGA', '2026-03-01T00:00:00Z', 2)], 4, box);
    expect(layout.points[0]).toMatchObject({ x: 60, y: 55 });
  });
});
