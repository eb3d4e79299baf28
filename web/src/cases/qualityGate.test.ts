import { describe, expect, it } from 'vitest';
import {
  BLUR_MIN_VARIANCE,
  checkDimensions,
  checkFigures,
  judgePhoto,
  laplacianVariance,
  measureGray,
  measuringSize,
  MESSAGES,
  toGray,
  type GrayImage,
  type PixelData,
} from './qualityGate.ts';

/** The same pseudo-random pixels the server's figures were computed on (glibc-style LCG). */
function lcgGray(width: number, height: number, seed: number, low: number, high: number): GrayImage {
  let state = BigInt(seed);
  const gray = new Uint8Array(width * height);
  for (let index = 0; index < gray.length; index += 1) {
    state = (state * 1103515245n + 12345n) % 2147483648n;
    gray[index] = low + Number((state >> 16n) % BigInt(high - low + 1));
  }
  return { width, height, gray };
}

function rgba(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number?]): PixelData {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const [r, g, b, a = 255] = pixel(x, y);
      data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** Skin-coloured noise: what a sharp close-up looks like to the gate. */
function texturedSkin(width: number, height: number, amplitude = 60): PixelData {
  const noise = lcgGray(width, height, 42, 0, 255).gray;
  return rgba(width, height, (x, y) => {
    const n = ((noise[y * width + x] ?? 128) - 128) * (amplitude / 128);
    return [205 + n, 160 + n, 140 + n];
  });
}

describe('figures match the server (functions/images/processing.py quality_of)', () => {
  // Expected values computed by the server's code on the same pixels.
  it.each([
    [64, 48, 7, 0, 255, { sharpness: 107395.41, mean_luminance: 127.5, dark_fraction: 0.0645, bright_fraction: 0.041 }],
    [64, 48, 11, 100, 140, { sharpness: 2766.98, mean_luminance: 120.04, dark_fraction: 0, bright_fraction: 0 }],
    [40, 30, 3, 0, 20, { sharpness: 763.26, mean_luminance: 10.05, dark_fraction: 0.7975, bright_fraction: 0 }],
    [40, 30, 5, 240, 255, { sharpness: 446.34, mean_luminance: 247.34, dark_fraction: 0, bright_fraction: 0.6725 }],
  ])('%ix%i seed %i in %i..%i', (width, height, seed, low, high, expected) => {
    expect(measureGray(lcgGray(width, height, seed, low, high))).toEqual(expected);
  });

  it('a smooth gradient has no Laplacian energy', () => {
    const gray = new Uint8Array(50 * 40);
    for (let y = 0; y < 40; y += 1) for (let x = 0; x < 50; x += 1) gray[y * 50 + x] = (x * 3 + y * 2) % 256;
    expect(measureGray({ width: 50, height: 40, gray })).toEqual({
      sharpness: 0,
      mean_luminance: 112.5,
      dark_fraction: 0.015,
      bright_fraction: 0,
    });
  });

  it('is zero for images too small to have an interior', () => {
    expect(laplacianVariance({ width: 2, height: 5, gray: new Uint8Array(10) })).toBe(0);
  });
});

describe('toGray', () => {
  it("uses Pillow's ITU-R 601-2 luma", () => {
    const gray = toGray(rgba(3, 1, (x) => (x === 0 ? [255, 0, 0] : x === 1 ? [0, 255, 0] : [0, 0, 255])));
    expect(Array.from(gray.gray)).toEqual([76, 150, 29]);
  });

  it('composites transparent pixels on white, as the server flattens them', () => {
    expect(Array.from(toGray(rgba(1, 1, () => [0, 0, 0, 0])).gray)).toEqual([255]);
  });
});

describe('size rules', () => {
  it('needs 800 x 600 either way the phone was held', () => {
    expect(checkDimensions(800, 600)).toBeNull();
    expect(checkDimensions(600, 800)).toBeNull();
    expect(checkDimensions(799, 600)?.code).toBe('too_small');
    expect(checkDimensions(1200, 599)?.code).toBe('too_small');
  });

  it("words the refusal like the server, with the photo's size", () => {
    expect(checkDimensions(400, 300)?.message).toBe(
      "The photo is 400 x 300 pixels; at least 800 x 600 is needed. Use the phone's main camera, not a " +
        'screenshot or a cropped or resized copy.',
    );
  });

  it('refuses more than 40 megapixels and more than 20 MB', () => {
    expect(checkDimensions(8000, 6000)?.code).toBe('too_many_pixels');
    expect(checkDimensions(1200, 900, 21 * 1024 * 1024)?.code).toBe('too_large');
  });

  it('measures on a copy whose long side is 640 px, never enlarged', () => {
    expect(measuringSize(4032, 3024)).toEqual({ width: 640, height: 480 });
    expect(measuringSize(3024, 4032)).toEqual({ width: 480, height: 640 });
    expect(measuringSize(500, 400)).toEqual({ width: 500, height: 400 });
  });
});

describe('judgePhoto', () => {
  it('accepts a sharp, well-lit photo', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, texturedSkin(640, 480));
    expect(verdict.ok).toBe(true);
    expect(verdict.figures?.sharpness).toBeGreaterThan(BLUR_MIN_VARIANCE);
  });

  it('refuses a small photo before looking at the pixels', () => {
    const verdict = judgePhoto({ width: 400, height: 300 }, null);
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'too_small' }, figures: null });
  });

  it('refuses a featureless (blurred) photo with the advice to hold steady and focus', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, rgba(64, 48, () => [200, 160, 140]));
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'blurry', message: MESSAGES.blurry } });
  });

  it('says "too dark" before "blurred" for a dark photo', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, rgba(64, 48, () => [10, 10, 10]));
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'too_dark' } });
  });

  it('refuses a washed-out photo', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, rgba(64, 48, (x) => [250, 250, x % 2 ? 250 : 240]));
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'overexposed' } });
  });

  it('passes the size check alone when the pixels cannot be read', () => {
    expect(judgePhoto({ width: 1200, height: 900 }, null)).toEqual({ ok: true, figures: null });
  });
});

describe('checkFigures thresholds', () => {
  const good = { sharpness: 50, mean_luminance: 120, dark_fraction: 0.1, bright_fraction: 0.1 };
  it.each([
    [{ mean_luminance: 44.9 }, 'too_dark'],
    [{ dark_fraction: 0.51 }, 'too_dark'],
    [{ mean_luminance: 225.1 }, 'overexposed'],
    [{ bright_fraction: 0.36 }, 'overexposed'],
    [{ sharpness: 7.99 }, 'blurry'],
  ])('%o -> %s', (change, code) => {
    expect(checkFigures({ ...good, ...change })?.code).toBe(code);
  });

  it('accepts values right at the limits', () => {
    expect(
      checkFigures({ sharpness: 8, mean_luminance: 45, dark_fraction: 0.5, bright_fraction: 0.35 }),
    ).toBeNull();
  });
});
