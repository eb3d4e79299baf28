// Geometry of the per-instrument trend chart (inline SVG). Pure.

import type { Score } from '../api/types.ts';

export interface TrendPoint {
  x: number;
  y: number;
  score: Score;
  /** The server flagged a meaningful change (MCID, PASI response, IGA success) at this point. */
  flagged: boolean;
}

export interface TrendLayout {
  points: TrendPoint[];
  /** SVG path through the points, oldest to newest. */
  path: string;
  /** Horizontal grid values from 0 to the instrument's maximum. */
  ticks: { value: number; y: number }[];
}

export interface TrendBox {
  width: number;
  height: number;
  padLeft: number;
  padRight: number;
  padTop: number;
  padBottom: number;
}

export const DEFAULT_BOX: TrendBox = { width: 320, height: 160, padLeft: 34, padRight: 12, padTop: 10, padBottom: 22 };

/**
 * Places scores (any order) by recording time along x and total along y (0 at the bottom,
 * `maxTotal` at the top). A single score sits in the middle.
 */
export function trendLayout(scores: readonly Score[], maxTotal: number, box: TrendBox = DEFAULT_BOX): TrendLayout {
  const ordered = [...scores].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
  const innerWidth = box.width - box.padLeft - box.padRight;
  const innerHeight = box.height - box.padTop - box.padBottom;
  const times = ordered.map((score) => Date.parse(score.recordedAt));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = last - first;
  const yOf = (value: number) =>
    round(box.padTop + innerHeight - (Math.min(Math.max(value, 0), maxTotal) / maxTotal) * innerHeight);
  const points = ordered.map((score, index) => {
    const time = times[index] ?? first;
    // Evenly spaced when times coincide (or there is one point); otherwise by time.
    const fraction =
      span > 0 ? (time - first) / span : ordered.length > 1 ? index / (ordered.length - 1) : 0.5;
    return {
      x: round(box.padLeft + fraction * innerWidth),
      y: yOf(score.total),
      score,
      flagged: score.flags.length > 0,
    };
  });
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x} ${point.y}`).join(' ');
  const step = niceStep(maxTotal);
  const ticks: { value: number; y: number }[] = [];
  for (let value = 0; value <= maxTotal + 1e-9; value += step) ticks.push({ value, y: yOf(value) });
  return { points, path, ticks };
}

function niceStep(max: number): number {
  if (max <= 4) return 1;
  if (max <= 10) return 2;
  if (max <= 30) return 5;
  return max <= 80 ? 12 : Math.ceil(max / 6);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
