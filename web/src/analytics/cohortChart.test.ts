import { describe, expect, it } from 'vitest';
import type { CohortReference } from '../api/types.ts';
import { cohortHeadline, cohortLayout, percent } from './cohortChart.ts';

const reference: CohortReference = {
  caseId: 'c1', status: 'available', observational: true, note: '', minCell: 11,
  condition: { code: 'L40.0', label: 'Psoriasis vulgaris' }, treatment: 'calcipotriol/betamethasone',
  instrument: 'PASI', baseline: { total: 14.2, band: '10-20', bandLabel: '10-20' },
  weeks: [
    { week: 4, suppressed: true },
    { week: 8, suppressed: false, n: 25, medianChangePercent: -30, q1ChangePercent: -45, q3ChangePercent: -12 },
    { week: 12, suppressed: false, n: 37, medianChangePercent: -52.4, q1ChangePercent: -68.5, q3ChangePercent: -31 },
    { week: 24, suppressed: true },
  ],
};

describe('cohort reference', () => {
  it('says the figures of week 12 in one sentence', () => {
    expect(cohortHeadline(reference)).toBe(
      'Patients with L40.0 and a baseline PASI of 10-20 on calcipotriol/betamethasone: median PASI change −52% at 12 weeks (IQR −68% to −31%), n = 37',
    );
  });

  it('has no headline when every week is suppressed', () => {
    const weeks = reference.weeks!.map((w) => ({ week: w.week, suppressed: true }));
    expect(cohortHeadline({ ...reference, status: 'suppressed', weeks })).toBeNull();
  });

  it('draws only the weeks that may be shown, from baseline down', () => {
    const layout = cohortLayout(reference.weeks!);
    expect(layout.points.map((p) => p.week)).toEqual([0, 8, 12]);
    const [start, , twelve] = layout.points;
    expect(twelve!.yMedian).toBeGreaterThan(start!.yMedian); // lower on screen = better
    expect(twelve!.yQ1).toBeGreaterThan(twelve!.yQ3);
    expect(layout.path.startsWith('M')).toBe(true);
    expect(layout.ticks[0]!.value).toBe(20);
  });

  it('formats signed percentages', () => {
    expect(percent(-52.4)).toBe('−52%');
    expect(percent(3)).toBe('+3%');
    expect(percent(0)).toBe('0%');
  });
});
