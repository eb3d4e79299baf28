// Client-side preview of severity scores and patient-reported outcomes.
//
// Mirrors functions/scores/instruments.py: components, ranges, totals and bands, so the form can
// show a running total and refuse impossible input before sending. The server recomputes every
// total; the value it answers is the one stored and shown afterwards.

import type { ScoreInstrument } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import { textForCode } from './translateCode.ts';

export const INSTRUMENTS: readonly ScoreInstrument[] = ['PASI', 'EASI', 'IGA', 'DLQI', 'POEM', 'ITCH_NRS'];

/** Rated by a doctor at an examination; the others are the patient's own answers. */
export const CLINICIAN_RATED: ReadonlySet<ScoreInstrument> = new Set(['PASI', 'EASI', 'IGA']);

export const INSTRUMENT_LABELS: Record<ScoreInstrument, string> = {
  PASI: 'PASI (Psoriasis Area and Severity Index)',
  EASI: 'EASI (Eczema Area and Severity Index)',
  IGA: 'IGA (Investigator Global Assessment)',
  DLQI: 'DLQI (Dermatology Life Quality Index)',
  POEM: 'POEM (Patient-Oriented Eczema Measure)',
  ITCH_NRS: 'Itch (0-10 numeric rating scale)',
};

export const SHORT_LABELS: Record<ScoreInstrument, string> = {
  PASI: 'PASI',
  EASI: 'EASI',
  IGA: 'IGA',
  DLQI: 'DLQI',
  POEM: 'POEM',
  ITCH_NRS: 'Itch NRS',
};

/** The instrument's full name in the shown language. */
export function instrumentName(instrument: ScoreInstrument): string {
  return textForCode('instrument.name', instrument, INSTRUMENT_LABELS[instrument] ?? instrument);
}

/** The instrument's short name in the shown language ("Itch NRS"; the acronyms stay as they are). */
export function shortLabel(instrument: ScoreInstrument): string {
  return textForCode('instrument.short', instrument, SHORT_LABELS[instrument] ?? instrument);
}

export const MAX_TOTAL: Record<ScoreInstrument, number> = {
  PASI: 72,
  EASI: 72,
  IGA: 4,
  DLQI: 30,
  POEM: 28,
  ITCH_NRS: 10,
};

/** Minimal clinically important difference vs the previous score (PASI is judged vs baseline). */
export const MCID: Partial<Record<ScoreInstrument, number>> = {
  EASI: 6.6,
  IGA: 2,
  DLQI: 4,
  POEM: 3,
  ITCH_NRS: 3,
};

export const REGIONS = ['head', 'upperLimbs', 'trunk', 'lowerLimbs'] as const;
export type Region = (typeof REGIONS)[number];

export function regionLabel(region: Region): string {
  return i18next.t(`cases:region.${region}`);
}

/** A sign's plain name inside an error sentence ("erythema"). */
function signName(sign: string): string {
  return textForCode('signCode', sign, sign);
}

export const PASI_SIGNS = ['erythema', 'induration', 'desquamation'] as const;
export const EASI_SIGNS = ['erythema', 'induration', 'excoriation', 'lichenification'] as const;
export const EASI_LEVELS: readonly number[] = [0, 1, 1.5, 2, 2.5, 3];
export const AREA_SCORES = [0, 1, 2, 3, 4, 5, 6] as const;

/** Area score from the share of the region involved. */
export const AREA_LABELS: readonly string[] = ['0%', '1-9%', '10-29%', '30-49%', '50-69%', '70-89%', '90-100%'];

const PASI_WEIGHTS: Record<Region, number> = { head: 0.1, upperLimbs: 0.2, trunk: 0.3, lowerLimbs: 0.4 };
const EASI_WEIGHTS: Record<'adult' | 'child', Record<Region, number>> = {
  adult: PASI_WEIGHTS,
  child: { head: 0.2, upperLimbs: 0.2, trunk: 0.3, lowerLimbs: 0.3 },
};

export type PasiComponents = Record<Region, Record<(typeof PASI_SIGNS)[number] | 'area', number>>;
export type EasiRegion = Record<(typeof EASI_SIGNS)[number] | 'area', number>;
export type EasiComponents = Record<Region, EasiRegion> & { ageGroup: 'adult' | 'child' };
export interface IgaComponents {
  grade: number;
}
/** One DLQI answer: 0-3, null (unanswered), "notRelevant" (items 3-10), or item 7's yes/no form. */
export type DlqiAnswer =
  | number
  | null
  | 'notRelevant'
  | { prevented: true }
  | { prevented: false; problem: number };
export interface DlqiComponents {
  items: DlqiAnswer[];
}
export interface PoemComponents {
  items: (number | null)[];
}
export interface NrsComponents {
  score: number;
}

export type Preview =
  | { ok: true; total: number; band: string | null; details?: Record<string, unknown> }
  | { ok: false; errors: string[] };

// --- totals ----------------------------------------------------------------------------------------

export function previewScore(instrument: ScoreInstrument, components: unknown): Preview {
  switch (instrument) {
    case 'PASI':
      return previewPasi(components);
    case 'EASI':
      return previewEasi(components);
    case 'IGA':
      return previewIga(components);
    case 'DLQI':
      return previewDlqi(components);
    case 'POEM':
      return previewPoem(components);
    case 'ITCH_NRS':
      return previewNrs(components);
  }
}

export function previewPasi(components: unknown): Preview {
  const errors: string[] = [];
  const subtotals: Record<string, number> = {};
  let total = 0;
  for (const region of REGIONS) {
    const part = field(components, region);
    let severity = 0;
    for (const sign of PASI_SIGNS) {
      const value = field(part, sign);
      if (!isWhole(value, 0, 4)) errors.push(i18next.t('cases:preview.pasiSign', { region: regionLabel(region), sign: signName(sign) }));
      else severity += value;
    }
    const area = field(part, 'area');
    if (!isWhole(area, 0, 6)) errors.push(i18next.t('cases:preview.area', { region: regionLabel(region) }));
    // Hundredths as integers: 0.1-weights times whole numbers stay exact.
    const subtotal = isWhole(area, 0, 6) ? severity * area * Math.round(PASI_WEIGHTS[region] * 10) : 0;
    subtotals[region] = subtotal / 10;
    total += subtotal;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, total: roundTo(total / 10, 2), band: null, details: { regions: subtotals } };
}

export function previewEasi(components: unknown): Preview {
  const errors: string[] = [];
  const ageGroup = field(components, 'ageGroup');
  if (ageGroup !== 'adult' && ageGroup !== 'child') {
    return { ok: false, errors: [i18next.t('cases:preview.ageGroup')] };
  }
  const weights = EASI_WEIGHTS[ageGroup];
  const subtotals: Record<string, number> = {};
  let total = 0; // in hundredths: half steps (x2) times 0.1-weights (x10) keep it whole
  for (const region of REGIONS) {
    const part = field(components, region);
    let severityHalves = 0;
    for (const sign of EASI_SIGNS) {
      const value = field(part, sign);
      if (typeof value !== 'number' || !EASI_LEVELS.includes(value)) {
        errors.push(i18next.t('cases:preview.easiSign', { region: regionLabel(region), sign: signName(sign) }));
      } else {
        severityHalves += Math.round(value * 2);
      }
    }
    const area = field(part, 'area');
    if (!isWhole(area, 0, 6)) errors.push(i18next.t('cases:preview.area', { region: regionLabel(region) }));
    const hundredths = isWhole(area, 0, 6) ? severityHalves * area * Math.round(weights[region] * 10) * 5 : 0;
    subtotals[region] = hundredths / 100;
    total += hundredths;
  }
  if (errors.length > 0) return { ok: false, errors };
  const value = roundTo(total / 100, 2);
  return { ok: true, total: value, band: easiBand(value), details: { regions: subtotals } };
}

export function previewIga(components: unknown): Preview {
  const grade = field(components, 'grade');
  if (!isWhole(grade, 0, 4)) return { ok: false, errors: [i18next.t('cases:preview.igaGrade')] };
  return { ok: true, total: grade, band: IGA_LABELS[grade] ?? null };
}

export function previewDlqi(components: unknown): Preview {
  const items = field(components, 'items');
  if (!Array.isArray(items) || items.length !== 10) {
    return { ok: false, errors: [i18next.t('cases:preview.dlqiCount')] };
  }
  const errors: string[] = [];
  const unanswered: number[] = [];
  const notRelevant: number[] = [];
  let total = 0;
  items.forEach((answer: unknown, index) => {
    const number = index + 1;
    if (answer === null || answer === undefined) {
      unanswered.push(number);
    } else if (answer === 'notRelevant') {
      if (number < 3) errors.push(i18next.t('cases:preview.notRelevantEarly', { number }));
      else notRelevant.push(number);
    } else if (number === 7 && typeof answer === 'object') {
      const prevented = field(answer, 'prevented');
      const problem = field(answer, 'problem');
      if (prevented === true) total += 3;
      else if (prevented === false && isWhole(problem, 0, 2)) total += problem;
      else errors.push(i18next.t('cases:preview.dlqiItem7'));
    } else if (isWhole(answer, 0, 3)) {
      total += answer;
    } else {
      errors.push(i18next.t('cases:preview.dlqiRange', { number }));
    }
  });
  if (unanswered.length > 1) {
    errors.push(i18next.t('cases:preview.unanswered', { numbers: unanswered.join(i18next.t('cases:preview.listSeparator')) }));
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, total, band: dlqiBand(total), details: { unanswered, notRelevant } };
}

export function previewPoem(components: unknown): Preview {
  const items = field(components, 'items');
  if (!Array.isArray(items) || items.length !== 7) {
    return { ok: false, errors: [i18next.t('cases:preview.poemCount')] };
  }
  const errors: string[] = [];
  const unanswered: number[] = [];
  let total = 0;
  items.forEach((answer: unknown, index) => {
    if (answer === null || answer === undefined) unanswered.push(index + 1);
    else if (isWhole(answer, 0, 4)) total += answer;
    else errors.push(i18next.t('cases:preview.poemRange', { number: index + 1 }));
  });
  if (unanswered.length > 1) {
    errors.push(i18next.t('cases:preview.unanswered', { numbers: unanswered.join(i18next.t('cases:preview.listSeparator')) }));
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, total, band: poemBand(total), details: { unanswered } };
}

export function previewNrs(components: unknown): Preview {
  const score = field(components, 'score');
  if (!isWhole(score, 0, 10)) return { ok: false, errors: [i18next.t('cases:preview.nrsRange')] };
  return { ok: true, total: score, band: nrsBand(score) };
}

// --- bands (same limits as the server) ----------------------------------------------------------

export const IGA_LABELS: readonly string[] = ['clear', 'almost_clear', 'mild', 'moderate', 'severe'];

export function easiBand(total: number): string {
  if (total === 0) return 'clear';
  const limits: [number, string][] = [
    [1, 'almost_clear'],
    [7, 'mild'],
    [21, 'moderate'],
    [50, 'severe'],
  ];
  return bandOf(total, limits, 'very_severe');
}

export function dlqiBand(total: number): string {
  return bandOf(
    total,
    [
      [1, 'no_effect'],
      [5, 'small_effect'],
      [10, 'moderate_effect'],
      [20, 'very_large_effect'],
    ],
    'extremely_large_effect',
  );
}

export function poemBand(total: number): string {
  return bandOf(
    total,
    [
      [2, 'clear_or_almost_clear'],
      [7, 'mild'],
      [16, 'moderate'],
      [24, 'severe'],
    ],
    'very_severe',
  );
}

export function nrsBand(value: number): string {
  if (value === 0) return 'none';
  return bandOf(
    value,
    [
      [3, 'mild'],
      [6, 'moderate'],
      [8, 'severe'],
    ],
    'very_severe',
  );
}

/** "very_large_effect" -> "very large effect" (in the shown language; an unknown band as its words). */
export function bandLabel(band: string | null | undefined): string {
  return band ? textForCode('band', band, band.replace(/_/g, ' ')) : '';
}

/** Whether the change from `previous` to `total` reaches the MCID (what the server flags). */
export function mcidChange(
  instrument: ScoreInstrument,
  total: number,
  previous: number | null,
): 'improved' | 'worsened' | null {
  const threshold = MCID[instrument];
  if (threshold === undefined || previous === null) return null;
  const delta = roundTo(total - previous, 2);
  if (delta <= -threshold) return 'improved';
  if (delta >= threshold) return 'worsened';
  return null;
}

// --- empty forms --------------------------------------------------------------------------------

export function emptyPasi(): PasiComponents {
  const region = () => ({ erythema: 0, induration: 0, desquamation: 0, area: 0 });
  return { head: region(), upperLimbs: region(), trunk: region(), lowerLimbs: region() };
}

export function emptyEasi(): EasiComponents {
  const region = () => ({ erythema: 0, induration: 0, excoriation: 0, lichenification: 0, area: 0 });
  return { head: region(), upperLimbs: region(), trunk: region(), lowerLimbs: region(), ageGroup: 'adult' };
}

// --- helpers ------------------------------------------------------------------------------------

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function isWhole(value: unknown, low: number, high: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high;
}

function bandOf(total: number, limits: [number, string][], last: string): string {
  for (const [limit, label] of limits) if (total <= limit) return label;
  return last;
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
