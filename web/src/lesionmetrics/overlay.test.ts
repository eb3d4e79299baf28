import { describe, expect, it } from 'vitest';
import { cssMatrix3d, isHomography, mapPoint } from './overlay.ts';

/** Applies a CSS matrix3d string to (x, y, 0, 1), as the browser does. */
function applyCss(css: string, x: number, y: number): [number, number] {
  const v = css.replace('matrix3d(', '').replace(')', '').split(',').map(Number);
  const X = v[0]! * x + v[4]! * y + v[12]!;
  const Y = v[1]! * x + v[5]! * y + v[13]!;
  const W = v[3]! * x + v[7]! * y + v[15]!;
  return [X / W, Y / W];
}

describe('the aligned overlay', () => {
  it('scales the identity to the shown size', () => {
    expect(cssMatrix3d([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 0.5)).toBe('matrix3d(0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)');
  });

  it('draws a follow-up point where the homography puts it on the shown baseline', () => {
    // A rotation by 10 degrees, a shift and a little perspective.
    const c = Math.cos(Math.PI / 18);
    const s = Math.sin(Math.PI / 18);
    const h = [[1.1 * c, -1.1 * s, 40], [1.1 * s, 1.1 * c, -25], [0.00002, -0.00001, 1]];
    for (const point of [[0, 0], [640, 480], [1280, 960]] as [number, number][]) {
      const [bx, by] = mapPoint(h, point);
      const [sx, sy] = applyCss(cssMatrix3d(h, 0.625), point[0], point[1]);
      expect(sx).toBeCloseTo(bx * 0.625, 3);
      expect(sy).toBeCloseTo(by * 0.625, 3);
    }
  });

  it('takes only a 3x3 of finite numbers', () => {
    expect(isHomography([[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBe(true);
    expect(isHomography(null)).toBe(false);
    expect(isHomography([[1, 0], [0, 1]])).toBe(false);
    expect(isHomography([[1, 0, 0], [0, 1, 0], [0, 0, Number.NaN]])).toBe(false);
  });
});
