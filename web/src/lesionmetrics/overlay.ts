// Laying a follow-up photo over its baseline with the measured alignment (a homography from the
// follow-up's full-resolution px to the baseline's), in CSS: the follow-up's <img> is sized in its own
// full-resolution px and transformed straight onto the baseline as shown.

/** H then a uniform scale (baseline px -> shown px), as a CSS matrix3d (column-major 4x4). */
export function cssMatrix3d(h: readonly (readonly number[])[], scale: number): string {
  const m = (row: number, column: number) => {
    const value = h[row]?.[column] ?? 0;
    return row < 2 ? value * scale : value;
  };
  const values = [m(0, 0), m(1, 0), 0, m(2, 0), m(0, 1), m(1, 1), 0, m(2, 1), 0, 0, 1, 0, m(0, 2), m(1, 2), 0, m(2, 2)];
  return `matrix3d(${values.map((value) => Number(value.toPrecision(10))).join(', ')})`;
}

/** Where a follow-up point lands on the baseline (full-resolution px): what cssMatrix3d draws at scale 1. */
export function mapPoint(h: readonly (readonly number[])[], [x, y]: readonly [number, number]): [number, number] {
  const row = (i: number) => (h[i]?.[0] ?? 0) * x + (h[i]?.[1] ?? 0) * y + (h[i]?.[2] ?? 0);
  const w = row(2);
  return [row(0) / w, row(1) / w];
}

/** Whether the server's matrix is a usable 3x3 of finite numbers. */
export function isHomography(value: unknown): value is number[][] {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => typeof v === 'number' && Number.isFinite(v)))
  );
}
