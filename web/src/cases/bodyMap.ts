// Geometry of the body map: the front and back figures drawn as simple shapes, one per body site of
// the vocabulary (GET /body-sites, functions/lesions/body_sites.json), and the hit test that turns a
// tap on a figure into a site and a position. Pure, so it is unit-tested.
//
// Coordinates: each figure is drawn in a FIGURE.width x FIGURE.height box; lesions are stored with
// x, y in 0..1 of that box (the contract's "x, y (0..1 on the figure)"). The front figure faces the
// viewer (the patient's right side is on the viewer's left); the back figure is seen from behind
// (the patient's left side is on the viewer's left).

import type { BodySite, BodyView } from '../api/types.ts';

export const FIGURE = { width: 200, height: 440 } as const;

export type Shape =
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'rect'; x: number; y: number; width: number; height: number; r?: number };

export interface SiteShape {
  siteId: string;
  shape: Shape;
}

export interface UnitPoint {
  x: number;
  y: number;
}

const ellipse = (cx: number, cy: number, rx: number, ry: number): Shape => ({ kind: 'ellipse', cx, cy, rx, ry });
const rect = (x: number, y: number, width: number, height: number, r = 6): Shape => ({
  kind: 'rect',
  x,
  y,
  width,
  height,
  r,
});

/**
 * Limb and paired-site shapes for one side of the figure drawn on the viewer's `side` (the left
 * half when 'viewerLeft'). Mirrored around the figure's centre line for the other side.
 */
function limbs(side: 'viewerLeft' | 'viewerRight', which: 'left' | 'right'): SiteShape[] {
  const mirror = (x: number, width = 0) => (side === 'viewerLeft' ? x : FIGURE.width - x - width);
  const mx = (cx: number) => (side === 'viewerLeft' ? cx : FIGURE.width - cx);
  return [
    { siteId: `ear_${which}`, shape: ellipse(mx(77), 46, 5, 9) },
    { siteId: `hand_${which}`, shape: ellipse(mx(49), 240, 11, 16) },
    { siteId: `elbow_${which}`, shape: ellipse(mx(54), 163, 11, 9) },
    { siteId: `shoulder_${which}`, shape: ellipse(mx(64), 94, 15, 11) },
    { siteId: `arm_${which}_upper`, shape: rect(mirror(44, 20), 100, 20, 56) },
    { siteId: `arm_${which}_lower`, shape: rect(mirror(40, 20), 170, 20, 54) },
    { siteId: `foot_${which}`, shape: ellipse(mx(84), 408, 14, 10) },
    { siteId: `knee_${which}`, shape: ellipse(mx(86), 290, 13, 11) },
    { siteId: `leg_${which}_upper`, shape: rect(mirror(74, 25), 208, 25, 74) },
    { siteId: `leg_${which}_lower`, shape: rect(mirror(75, 22), 300, 22, 96) },
  ];
}

/** Topmost first: the hit test takes the first shape that contains the point. */
const FRONT: SiteShape[] = [
  { siteId: 'face', shape: ellipse(100, 50, 19, 19) },
  { siteId: 'scalp', shape: ellipse(100, 26, 23, 17) },
  { siteId: 'neck', shape: rect(89, 66, 22, 16, 4) },
  { siteId: 'axilla_right', shape: ellipse(73, 108, 6, 9) },
  { siteId: 'axilla_left', shape: ellipse(127, 108, 6, 9) },
  ...limbs('viewerLeft', 'right'),
  ...limbs('viewerRight', 'left'),
  { siteId: 'genital_area', shape: rect(82, 182, 36, 24, 10) },
  { siteId: 'chest', shape: rect(70, 82, 60, 52, 12) },
  { siteId: 'abdomen', shape: rect(73, 134, 54, 48, 8) },
];

const BACK: SiteShape[] = [
  { siteId: 'scalp', shape: ellipse(100, 40, 22, 30) },
  { siteId: 'neck', shape: rect(89, 66, 22, 16, 4) },
  ...limbs('viewerLeft', 'left'),
  ...limbs('viewerRight', 'right'),
  { siteId: 'buttocks', shape: rect(75, 180, 50, 30, 12) },
  { siteId: 'upper_back', shape: rect(70, 82, 60, 58, 12) },
  { siteId: 'lower_back', shape: rect(73, 140, 54, 40, 8) },
];

const SHAPES: Record<BodyView, SiteShape[]> = { front: FRONT, back: BACK };

/** The shapes of a view, topmost first (draw them in reverse so the topmost is drawn last). */
export function shapesFor(view: BodyView): readonly SiteShape[] {
  return SHAPES[view];
}

/** Sites of the vocabulary that have a shape on `view` (others are offered as a list). */
export function drawableSites(view: BodyView, sites: readonly BodySite[]): SiteShape[] {
  const wanted = new Set(sites.filter((site) => site.views.includes(view)).map((site) => site.id));
  return SHAPES[view].filter((entry) => wanted.has(entry.siteId));
}

export function contains(shape: Shape, x: number, y: number): boolean {
  if (shape.kind === 'ellipse') {
    const dx = (x - shape.cx) / shape.rx;
    const dy = (y - shape.cy) / shape.ry;
    return dx * dx + dy * dy <= 1;
  }
  return x >= shape.x && x <= shape.x + shape.width && y >= shape.y && y <= shape.y + shape.height;
}

/**
 * The site under a point given in 0..1 of the figure, or null (between the limbs, outside the
 * body). `allowed` limits the answer to sites of the vocabulary (ids with no shape never match).
 */
export function hitTest(view: BodyView, point: UnitPoint, allowed?: ReadonlySet<string>): string | null {
  const x = point.x * FIGURE.width;
  const y = point.y * FIGURE.height;
  for (const entry of SHAPES[view]) {
    if (allowed !== undefined && !allowed.has(entry.siteId)) continue;
    if (contains(entry.shape, x, y)) return entry.siteId;
  }
  return null;
}

/** The middle of a site's shape on a view, in 0..1 of the figure; null if not drawn there. */
export function siteCenter(view: BodyView, siteId: string): UnitPoint | null {
  const entry = SHAPES[view].find((candidate) => candidate.siteId === siteId);
  if (entry === undefined) return null;
  const { shape } = entry;
  const [x, y] =
    shape.kind === 'ellipse' ? [shape.cx, shape.cy] : [shape.x + shape.width / 2, shape.y + shape.height / 2];
  return { x: round4(x / FIGURE.width), y: round4(y / FIGURE.height) };
}

/** A point inside the figure box in its own units (e.g. from SVG coordinates) to 0..1, clamped. */
export function figureToUnit(x: number, y: number): UnitPoint {
  return { x: round4(clamp01(x / FIGURE.width)), y: round4(clamp01(y / FIGURE.height)) };
}

/** 0..1 of the figure to the figure's own units (where pins are drawn). */
export function unitToFigure(point: UnitPoint): { x: number; y: number } {
  return { x: point.x * FIGURE.width, y: point.y * FIGURE.height };
}

/**
 * A pointer position to 0..1 of the figure, for an element that shows the whole figure box
 * stretched over `box` (its bounding rectangle), e.g. an <svg> sized to the figure's aspect ratio.
 */
export function clientToUnit(
  box: { left: number; top: number; width: number; height: number },
  clientX: number,
  clientY: number,
): UnitPoint {
  if (box.width <= 0 || box.height <= 0) return { x: 0, y: 0 };
  return {
    x: round4(clamp01((clientX - box.left) / box.width)),
    y: round4(clamp01((clientY - box.top) / box.height)),
  };
}

/** The first view a site can be picked on, for opening the right figure for a site. */
export function viewForSite(site: Pick<BodySite, 'views'> | undefined, preferred: BodyView): BodyView {
  if (site === undefined || site.views.includes(preferred)) return preferred;
  return site.views[0] ?? preferred;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
