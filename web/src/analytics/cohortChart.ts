// Geometry and wording of the cohort charts (inline SVG, like the score trends). Pure; texts from the
// `analytics` namespace, looked up when needed.

import type { CohortReference, CohortWeek } from '../api/types.ts';
import { DEFAULT_BOX, type TrendBox } from '../cases/trend.ts';
import { i18next } from '../i18n/index.ts';

export interface CohortPoint {
  week: number;
  x: number;
  median: number;
  q1: number;
  q3: number;
  yMedian: number;
  yQ1: number;
  yQ3: number;
}

export interface CohortLayout {
  points: CohortPoint[];
  /** The median line through the shown weeks. */
  path: string;
  /** The interquartile band (q1..q3) as one closed polygon. */
  band: string;
  ticks: { value: number; y: number }[];
  weeks: { week: number; x: number }[];
}

const WEEKS = [0, 4, 8, 12, 24];

/** Change from baseline (%) over weeks 0-24: 0 at the top (baseline), -100 % at the bottom, with room
 * above 0 for a worsening. Suppressed weeks are left out (never drawn, never interpolated). */
export function cohortLayout(weeks: readonly CohortWeek[], box: TrendBox = DEFAULT_BOX): CohortLayout {
  const shown = weeks.filter((w) => !w.suppressed && typeof w.medianChangePercent === 'number');
  const values = shown.flatMap((w) => [w.q1ChangePercent ?? 0, w.q3ChangePercent ?? 0, w.medianChangePercent ?? 0]);
  const top = Math.max(20, Math.ceil(Math.max(0, ...values) / 20) * 20);
  const bottom = -100;
  const innerWidth = box.width - box.padLeft - box.padRight;
  const innerHeight = box.height - box.padTop - box.padBottom;
  const x = (week: number) => box.padLeft + (week / 24) * innerWidth;
  const y = (value: number) => box.padTop + ((top - value) / (top - bottom)) * innerHeight;
  const points = [
    { week: 0, x: x(0), median: 0, q1: 0, q3: 0, yMedian: y(0), yQ1: y(0), yQ3: y(0) },
    ...shown.map((w) => {
      const median = w.medianChangePercent ?? 0;
      const q1 = w.q1ChangePercent ?? median;
      const q3 = w.q3ChangePercent ?? median;
      return { week: w.week, x: x(w.week), median, q1, q3, yMedian: y(median), yQ1: y(q1), yQ3: y(q3) };
    }),
  ];
  const path = points.length > 1 ? points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.yMedian.toFixed(1)}`).join(' ') : '';
  const band = points.length > 1
    ? [...points.map((p) => `${p.x.toFixed(1)},${p.yQ3.toFixed(1)}`), ...[...points].reverse().map((p) => `${p.x.toFixed(1)},${p.yQ1.toFixed(1)}`)].join(' ')
    : '';
  const ticks = [];
  for (let value = top; value >= bottom; value -= 20) ticks.push({ value, y: y(value) });
  return { points, path, band, ticks, weeks: WEEKS.map((week) => ({ week, x: x(week) })) };
}

export function percent(value: number): string {
  const rounded = Math.round(value);
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : ''}${Math.abs(rounded)}%`;
}

/** The headline's key and values: the treatment is data (marked so on screen), the rest the app's. */
export interface HeadlineValues {
  condition: string;
  band: string;
  treatment: string;
  instrument: string;
  median: string;
  week: string;
  iqr: string;
  n: string;
}

export function cohortHeadlineParts(reference: CohortReference): { values: HeadlineValues } | null {
  const { condition, instrument, baseline, treatment, weeks } = reference;
  if (!condition || !instrument || !baseline || !treatment || !weeks) return null;
  const shown = weeks.filter((w) => !w.suppressed && typeof w.medianChangePercent === 'number');
  const week = shown.find((w) => w.week === 12) ?? shown[shown.length - 1];
  if (!week || week.medianChangePercent == null) return null;
  const band = baseline.band === 'all' ? '' : i18next.t('analytics:cohort.band', { instrument, band: baseline.bandLabel });
  const iqr = week.q1ChangePercent != null && week.q3ChangePercent != null
    ? i18next.t('analytics:cohort.iqr', { q1: percent(week.q1ChangePercent), q3: percent(week.q3ChangePercent) })
    : '';
  return {
    values: {
      condition: condition.code, band, treatment, instrument, median: percent(week.medianChangePercent),
      week: String(week.week), iqr, n: String(week.n ?? 0),
    },
  };
}

/** "Patients with L40.0 and a baseline PASI of 10-20 on calcipotriol/betamethasone: median PASI change
 * -52% at 12 weeks (IQR -68% to -31%), n = 37": the latest week that may be shown. */
export function cohortHeadline(reference: CohortReference): string | null {
  const parts = cohortHeadlineParts(reference);
  if (parts === null) return null;
  const sentence: string = i18next.t('analytics:cohort.headline', { ...parts.values });
  return sentence.replace(/<\/?treatment>/g, '');
}

const STATUSES = ['suppressed', 'no_diagnosis', 'no_treatment', 'no_baseline'] as const;

/** Why no figures are shown, by the server's status code (an unknown one reads as suppressed). */
export function statusText(status: string): string {
  const known = STATUSES.find((code) => code === status) ?? 'suppressed';
  return i18next.t(`analytics:cohort.status.${known}`);
}
