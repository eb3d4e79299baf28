import { describe, expect, it } from 'vitest';
import type { BodySiteVocabulary, BodyView } from '../api/types.ts';
import {
  clientToUnit,
  drawableSites,
  FIGURE,
  figureToUnit,
  hitTest,
  shapesFor,
  siteCenter,
  viewForSite,
} from './bodyMap.ts';

// The vocabulary the server serves at GET /body-sites.
const files = import.meta.glob<BodySiteVocabulary>('../../../functions/lesions/body_sites.json', {
  eager: true,
  import: 'default',
});
const vocabulary = Object.values(files)[0]!;
const VIEWS: BodyView[] = ['front', 'back'];

describe('the figures cover the vocabulary', () => {
  it('loads the shared vocabulary', () => {
    expect(vocabulary.sites.length).toBeGreaterThan(20);
  });

  it.each(VIEWS)('every site seen on the %s view has exactly one shape there, and no other site does', (view) => {
    const expected = vocabulary.sites.filter((site) => site.views.includes(view)).map((site) => site.id).sort();
    const drawn = shapesFor(view).map((entry) => entry.siteId);
    expect([...drawn].sort()).toEqual(expected);
    expect(drawableSites(view, vocabulary.sites)).toHaveLength(expected.length);
  });

  it.each(VIEWS)('tapping the middle of each %s shape picks that site (no shape is hidden)', (view) => {
    for (const entry of shapesFor(view)) {
      const centre = siteCenter(view, entry.siteId)!;
      expect(hitTest(view, centre)).toBe(entry.siteId);
    }
  });
});

describe('hitTest', () => {
  it("puts the patient's right on the viewer's left on the front, and on the right on the back", () => {
    expect(hitTest('front', { x: 54 / 200, y: 163 / 440 })).toBe('elbow_right');
    expect(hitTest('front', { x: 146 / 200, y: 163 / 440 })).toBe('elbow_left');
    expect(hitTest('back', { x: 54 / 200, y: 163 / 440 })).toBe('elbow_left');
    expect(hitTest('back', { x: 146 / 200, y: 163 / 440 })).toBe('elbow_right');
  });

  it('picks the small site lying over a larger one', () => {
    expect(hitTest('front', { x: 73 / 200, y: 108 / 440 })).toBe('axilla_right');
    expect(hitTest('front', { x: 100 / 200, y: 108 / 440 })).toBe('chest');
  });

  it('finds nothing outside the body or between the legs', () => {
    expect(hitTest('front', { x: 0.02, y: 0.02 })).toBeNull();
    expect(hitTest('front', { x: 0.5, y: 350 / 440 })).toBeNull();
  });

  it('honours the allowed set', () => {
    const point = { x: 100 / 200, y: 50 / 440 };
    expect(hitTest('front', point)).toBe('face');
    expect(hitTest('front', point, new Set(['chest']))).toBeNull();
  });

  it('knows which sites each view shows', () => {
    expect(hitTest('back', { x: 0.5, y: 108 / 440 })).toBe('upper_back');
    expect(siteCenter('back', 'chest')).toBeNull();
  });
});

describe('coordinates', () => {
  it('maps a pointer position over the drawn figure to 0..1, clamped', () => {
    const box = { left: 10, top: 20, width: 100, height: 220 };
    expect(clientToUnit(box, 60, 130)).toEqual({ x: 0.5, y: 0.5 });
    expect(clientToUnit(box, 0, 500)).toEqual({ x: 0, y: 1 });
    expect(clientToUnit({ left: 0, top: 0, width: 0, height: 0 }, 5, 5)).toEqual({ x: 0, y: 0 });
  });

  it('maps figure units to 0..1 with four decimals (what the server keeps)', () => {
    expect(figureToUnit(FIGURE.width / 3, FIGURE.height / 2)).toEqual({ x: 0.3333, y: 0.5 });
  });

  it('opens a site on a view that shows it', () => {
    expect(viewForSite({ views: ['back'] }, 'front')).toBe('back');
    expect(viewForSite({ views: ['front', 'back'] }, 'back')).toBe('back');
    expect(viewForSite(undefined, 'front')).toBe('front');
  });
});
