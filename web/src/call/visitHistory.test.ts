import { describe, expect, it } from 'vitest';
import type { VisitQuality } from '../api/types.ts';
import { callGrade, durationText } from './VisitHistory.tsx';

const report = (extra: Partial<VisitQuality>): VisitQuality => ({
  rttMs: 40, lossPct: 0, bitrateKbps: 900, reconnects: 0, ...extra,
});

describe('a past visit in words', () => {
  it('grades the call by its worst participant, with the live call thresholds', () => {
    expect(callGrade([])).toBeNull();
    expect(callGrade([report({})])).toBe('good');
    expect(callGrade([report({}), report({ lossPct: 3 })])).toBe('fair');
    expect(callGrade([report({ rttMs: 320 }), report({ lossPct: 3 })])).toBe('poor');
    expect(callGrade([report({ worstQuality: 'fair' })])).toBe('fair');
  });

  it('says how long it lasted', () => {
    expect(durationText(null)).toBe('—');
    expect(durationText(42)).toBe('42 s');
    expect(durationText(605)).toBe('10 min 05 s');
  });
});
