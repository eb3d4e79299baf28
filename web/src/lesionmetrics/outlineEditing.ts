// Drawing a lesion's outline on its photo, without React: the points live in the photo's
// full-resolution pixels (what the server measures in), whatever size the photo is shown at.

import type { Outline } from '../api/types.ts';

/** The server takes 3 to 400 points (docs/api.md). */
export const MIN_POINTS = 3;
export const MAX_POINTS = 400;

/** Keyboard cursor steps, as a fraction of the photo's larger side: 2% normally, 0.5% with Shift. */
export const STEP_FRACTION = 0.02;
export const FINE_STEP_FRACTION = 0.005;

export interface OutlineDraft {
  points: Outline;
  /** Enter closed it: ready to save (no more points until it is opened again). */
  closed: boolean;
  /** Where the keyboard adds the next point (photo px). */
  cursor: [number, number];
}

export function emptyDraft(width: number, height: number): OutlineDraft {
  return { points: [], closed: false, cursor: [Math.round(width / 2), Math.round(height / 2)] };
}

export function draftOf(outline: Outline, width: number, height: number): OutlineDraft {
  return { points: outline.map(([x, y]) => [x, y]), closed: outline.length >= MIN_POINTS, cursor: emptyDraft(width, height).cursor };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** A click at (clientX, clientY) on an element showing the photo in `box` -> photo px (1 decimal). */
export function toPhotoPoint(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
  photo: { width: number; height: number },
): [number, number] {
  const x = clamp(((clientX - box.left) / box.width) * photo.width, 0, photo.width);
  const y = clamp(((clientY - box.top) / box.height) * photo.height, 0, photo.height);
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

export function addPoint(draft: OutlineDraft, point: [number, number]): OutlineDraft {
  if (draft.closed || draft.points.length >= MAX_POINTS) return draft;
  return { ...draft, points: [...draft.points, point], cursor: point };
}

/** Escape: a closed outline opens again; an open one loses its last point. */
export function undo(draft: OutlineDraft): OutlineDraft {
  if (draft.closed) return { ...draft, closed: false };
  return { ...draft, points: draft.points.slice(0, -1) };
}

/** Enter: closes the polygon when it has enough points. */
export function close(draft: OutlineDraft): OutlineDraft {
  return draft.points.length >= MIN_POINTS ? { ...draft, closed: true } : draft;
}

export function moveCursor(
  draft: OutlineDraft,
  dx: number,
  dy: number,
  fine: boolean,
  photo: { width: number; height: number },
): OutlineDraft {
  const step = Math.max(1, Math.round(Math.max(photo.width, photo.height) * (fine ? FINE_STEP_FRACTION : STEP_FRACTION)));
  return {
    ...draft,
    cursor: [clamp(draft.cursor[0] + dx * step, 0, photo.width), clamp(draft.cursor[1] + dy * step, 0, photo.height)],
  };
}

export type EditorKeyResult = { draft: OutlineDraft; handled: boolean };

/**
 * The editor's keys: arrows move the cursor (Shift: finer), Space adds a point at the cursor,
 * Enter closes the polygon, Escape undoes a point (or opens a closed outline again).
 */
export function onEditorKey(
  draft: OutlineDraft,
  key: string,
  shift: boolean,
  photo: { width: number; height: number },
): EditorKeyResult {
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [-1, 0],
    ArrowRight: [1, 0],
    ArrowUp: [0, -1],
    ArrowDown: [0, 1],
  };
  const move = moves[key];
  if (move !== undefined) return { draft: moveCursor(draft, move[0], move[1], shift, photo), handled: true };
  if (key === ' ') return { draft: addPoint(draft, draft.cursor), handled: true };
  if (key === 'Enter') return { draft: close(draft), handled: true };
  if (key === 'Escape') return { draft: undo(draft), handled: draft.points.length > 0 || draft.closed };
  return { draft, handled: false };
}

/** SVG `points` attribute. */
export function svgPoints(points: Outline): string {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}
