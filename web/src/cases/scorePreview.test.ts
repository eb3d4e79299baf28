import { describe, expect, it } from 'vitest';
import {
  bandLabel,
  dlqiBand,
  easiBand,
  emptyEasi,
  emptyPasi,
  mcidChange,
  nrsBand,
  poemBand,
  previewScore,
} from './scorePreview.ts';

// Expected totals, bands and details were computed with functions/scores/instruments.py.
describe('previews match the server formulas', () => {
  it('PASI', () => {
    const components = {
      head: { erythema: 2, induration: 1, desquamation: 3, area: 2 },
      upperLimbs: { erythema: 1, induration: 1, desquamation: 1, area: 3 },
      trunk: { erythema: 3, induration: 2, desquamation: 2, area: 4 },
      lowerLimbs: { erythema: 4, induration: 3, desquamation: 2, area: 5 },
    };
    expect(previewScore('PASI', components)).toEqual({
      ok: true,
      total: 29.4,
      band: null,
      details: { regions: { head: 1.2, upperLimbs: 1.8, trunk: 8.4, lowerLimbs: 18 } },
    });
  });

  it('PASI is 0 when empty and 72 at most', () => {
    expect(previewScore('PASI', emptyPasi())).toMatchObject({ ok: true, total: 0 });
    const worst = emptyPasi();
    for (const region of Object.values(worst)) Object.assign(region, { erythema: 4, induration: 4, desquamation: 4, area: 6 });
    expect(previewScore('PASI', worst)).toMatchObject({ ok: true, total: 72 });
  });

  const easi = {
    head: { erythema: 1.5, induration: 1, excoriation: 0, lichenification: 2.5, area: 2 },
    upperLimbs: { erythema: 2, induration: 1.5, excoriation: 1, lichenification: 1, area: 3 },
    trunk: { erythema: 0, induration: 0, excoriation: 0, lichenification: 0, area: 0 },
    lowerLimbs: { erythema: 3, induration: 2.5, excoriation: 2, lichenification: 1.5, area: 1 },
  };

  it('EASI, adult weights', () => {
    expect(previewScore('EASI', { ...easi, ageGroup: 'adult' })).toEqual({
      ok: true,
      total: 7.9,
      band: 'moderate',
      details: { regions: { head: 1, upperLimbs: 3.3, trunk: 0, lowerLimbs: 3.6 } },
    });
  });

  it('EASI, child weights', () => {
    expect(previewScore('EASI', { ...easi, ageGroup: 'child' })).toMatchObject({
      ok: true,
      total: 8,
      band: 'moderate',
    });
  });

  it('DLQI with "not relevant", one unanswered item and item 7 answered "no, a lot"', () => {
    const items = [3, 2, 'notRelevant', 1, 0, null, { prevented: false, problem: 2 }, 1, 0, 3];
    expect(previewScore('DLQI', { items })).toEqual({
      ok: true,
      total: 12,
      band: 'very_large_effect',
      details: { unanswered: [6], notRelevant: [3] },
    });
  });

  it('DLQI item 7 "prevented work or study" scores 3', () => {
    const items = [0, 0, 0, 0, 0, 0, { prevented: true }, 0, 0, 0];
    expect(previewScore('DLQI', { items })).toMatchObject({ ok: true, total: 3, band: 'small_effect' });
  });

  it('POEM with one unanswered item', () => {
    expect(previewScore('POEM', { items: [4, 3, null, 2, 1, 0, 4] })).toEqual({
      ok: true,
      total: 14,
      band: 'moderate',
      details: { unanswered: [3] },
    });
  });

  it('IGA and itch NRS', () => {
    expect(previewScore('IGA', { grade: 1 })).toEqual({ ok: true, total: 1, band: 'almost_clear' });
    expect(previewScore('ITCH_NRS', { score: 7 })).toEqual({ ok: true, total: 7, band: 'severe' });
  });
});

describe('range checks', () => {
  it('refuses out-of-range PASI components', () => {
    const components = emptyPasi();
    components.trunk.erythema = 5;
    components.head.area = 7;
    const preview = previewScore('PASI', components);
    expect(preview.ok).toBe(false);
    expect(preview.ok ? [] : preview.errors).toHaveLength(2);
  });

  it('refuses EASI signs between the allowed half steps and a missing age group', () => {
    const components = emptyEasi();
    components.head.erythema = 0.5;
    expect(previewScore('EASI', components).ok).toBe(false);
    expect(previewScore('EASI', { ...emptyEasi(), ageGroup: undefined }).ok).toBe(false);
  });

  it('refuses two unanswered questions, like the server (too_many_unanswered)', () => {
    expect(previewScore('DLQI', { items: [null, null, 0, 0, 0, 0, 0, 0, 0, 0] }).ok).toBe(false);
    expect(previewScore('POEM', { items: [null, 1, null, 0, 0, 0, 0] }).ok).toBe(false);
  });

  it('refuses "not relevant" for DLQI questions 1 and 2', () => {
    expect(previewScore('DLQI', { items: ['notRelevant', 0, 0, 0, 0, 0, 0, 0, 0, 0] }).ok).toBe(false);
  });

  it('refuses values out of range and fractions', () => {
    expect(previewScore('IGA', { grade: 5 }).ok).toBe(false);
    expect(previewScore('ITCH_NRS', { score: 2.5 }).ok).toBe(false);
    expect(previewScore('POEM', { items: [5, 0, 0, 0, 0, 0, 0] }).ok).toBe(false);
    expect(previewScore('DLQI', { items: [4, 0, 0, 0, 0, 0, 0, 0, 0, 0] }).ok).toBe(false);
  });
});

describe('bands and meaningful change', () => {
  it('band limits', () => {
    expect([0, 1, 2, 5, 6, 10, 11, 20, 21].map(dlqiBand)).toEqual([
      'no_effect', 'no_effect', 'small_effect', 'small_effect', 'moderate_effect', 'moderate_effect',
      'very_large_effect', 'very_large_effect', 'extremely_large_effect',
    ]);
    expect([0, 0.1, 1, 1.1, 7.1, 21.1, 50.1].map(easiBand)).toEqual([
      'clear', 'almost_clear', 'almost_clear', 'mild', 'moderate', 'severe', 'very_severe',
    ]);
    expect([2, 3, 8, 17, 25].map(poemBand)).toEqual(['clear_or_almost_clear', 'mild', 'moderate', 'severe', 'very_severe']);
    expect([0, 3, 4, 8, 9].map(nrsBand)).toEqual(['none', 'mild', 'moderate', 'severe', 'very_severe']);
    expect(bandLabel('very_large_effect')).toBe('very large effect');
  });

  it('flags a change of at least the MCID against the previous score', () => {
    expect(mcidChange('DLQI', 6, 10)).toBe('improved');
    expect(mcidChange('DLQI', 7, 10)).toBeNull();
    expect(mcidChange('POEM', 13, 10)).toBe('worsened');
    expect(mcidChange('EASI', 3.4, 10)).toBe('improved');
    expect(mcidChange('EASI', 3.5, 10)).toBeNull();
    expect(mcidChange('DLQI', 6, null)).toBeNull();
    expect(mcidChange('PASI', 1, 20)).toBeNull();
  });
});
