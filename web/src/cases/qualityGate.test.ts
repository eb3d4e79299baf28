import { describe, expect, it } from 'vitest';
import rules from '../../../functions/images/capture_rules.json';
import {
  BLUR_MIN_VARIANCE,
  borderlineMessage,
  checkDimensions,
  checkFigures,
  GreyReducer,
  judgeFigures,
  judgePhoto,
  laplacianVariance,
  measuredSize,
  measureGrey,
  measurePixels,
  MESSAGES,
  reducePixels,
  type PixelData,
  type QualityFigures,
} from './qualityGate.ts';

/** The same pseudo-random pixels the server's figures were computed on (glibc-style LCG). */
function lcgGray(width: number, height: number, seed: number, low: number, high: number) {
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


describe('the measured copy (box average of grey, as the server computes it)', () => {
  it('uses k = ceil(long side / 640) and whole blocks only', () => {
    expect(measuredSize(4032, 3024)).toEqual({ k: 7, width: 576, height: 432 });
    expect(measuredSize(3024, 4032)).toEqual({ k: 7, width: 432, height: 576 });
    expect(measuredSize(1280, 720)).toEqual({ k: 2, width: 640, height: 360 });
    expect(measuredSize(1201, 901)).toEqual({ k: 2, width: 600, height: 450 });
    expect(measuredSize(500, 400)).toEqual({ k: 1, width: 500, height: 400 });
  });

  it('averages (299 R + 587 G + 114 B) / 1000 over each block, unrounded', () => {
    // 1280 x 2: k = 2, so each block is 2 x 2.
    const width = 1280;
    const pixels = rgba(width, 2, (x, y) => (x < 2 ? (y === 0 ? [255, 0, 0] : [0, 255, 0]) : [0, 0, 255]));
    const copy = reducePixels(pixels);
    expect(copy.width).toBe(640);
    expect(copy.height).toBe(1);
    // First block: two red and two green pixels.
    expect(copy.values[0]).toBeCloseTo((2 * 299 * 255 + 2 * 587 * 255) / 1000 / 4, 10);
    expect(copy.values[1]).toBeCloseTo((114 * 255) / 1000, 10);
  });

  it('gives the same copy strip by strip as in one go', () => {
    const pixels = texturedSkin(1300, 977);
    const whole = reducePixels(pixels);
    const reducer = new GreyReducer(1300, 977);
    const rowBytes = 1300 * 4;
    for (let top = 0; top < 977; top += 100) {
      const rows = Math.min(100, 977 - top);
      // A copy of the strip, as getImageData hands one over (typed: boxing 5 M numbers took seconds under load).
      const data = (pixels.data as Uint8ClampedArray).slice(top * rowBytes, (top + rows) * rowBytes);
      reducer.addRows({ width: 1300, height: rows, data }, top);
    }
    expect(Array.from(reducer.result().values)).toEqual(Array.from(whole.values));
  });

  it('composites transparent pixels on white, as the server flattens them', () => {
    expect(Array.from(reducePixels(rgba(1, 1, () => [0, 0, 0, 0])).values)).toEqual([255]);
  });
});

describe('figures', () => {
  it('a smooth gradient has no Laplacian energy', () => {
    const values = new Float64Array(50 * 40);
    for (let y = 0; y < 40; y += 1) for (let x = 0; x < 50; x += 1) values[y * 50 + x] = x * 3 + y * 2;
    expect(measureGrey({ width: 50, height: 40, values }).sharpness).toBe(0);
  });

  it('is the population variance of the 4-neighbour Laplacian over the interior', () => {
    // A single bright pixel in the middle of a 5 x 5 black square: the 9 interior Laplacian values
    // are -400 at the centre, +100 at its 4 neighbours and 0 at the 4 corners.
    const values = new Float64Array(25);
    values[12] = 100;
    const lap = [-400, 100, 100, 100, 100, 0, 0, 0, 0];
    const mean = lap.reduce((a, b) => a + b, 0) / 9;
    const variance = lap.reduce((a, b) => a + (b - mean) ** 2, 0) / 9;
    expect(laplacianVariance({ width: 5, height: 5, values })).toBeCloseTo(variance, 9);
  });

  it('counts crushed shadows and blown highlights by the shared levels', () => {
    const values = Float64Array.from([rules.thresholds.darkLevel, rules.thresholds.darkLevel + 0.01, 128,
      rules.thresholds.brightLevel - 0.01, rules.thresholds.brightLevel]);
    const figures = measureGrey({ width: 5, height: 1, values });
    expect(figures.dark_fraction).toBe(0.2);
    expect(figures.bright_fraction).toBe(0.2);
  });

  it('is zero for images too small to have an interior', () => {
    expect(laplacianVariance({ width: 2, height: 5, values: new Float64Array(10) })).toBe(0);
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
    expect(MESSAGES.too_large).toContain('20 MB');
    expect(MESSAGES.too_many_pixels).toContain('40 megapixels');
  });
});

describe('judgePhoto', () => {
  it('accepts a sharp, well-lit photo without a notice', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, measurePixels(texturedSkin(1200, 900)));
    expect(verdict).toMatchObject({ ok: true, notice: null });
    expect(verdict.figures?.sharpness).toBeGreaterThan(BLUR_MIN_VARIANCE);
  });

  it('refuses a small photo before looking at the pixels', () => {
    const verdict = judgePhoto({ width: 400, height: 300 }, null);
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'too_small' }, figures: null });
  });

  it('refuses a featureless (blurred) photo with the advice to hold steady and focus', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, measurePixels(rgba(64, 48, () => [200, 160, 140])));
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'blurry', message: MESSAGES.blurry } });
  });

  it('says "too dark" before "blurred" for a dark photo', () => {
    const verdict = judgePhoto({ width: 1200, height: 900 }, measurePixels(rgba(64, 48, () => [10, 10, 10])));
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'too_dark' } });
  });

  it('refuses a washed-out photo', () => {
    const pixels = rgba(64, 48, (x) => [250, 250, x % 2 ? 250 : 240]);
    expect(judgePhoto({ width: 1200, height: 900 }, measurePixels(pixels))).toMatchObject({
      ok: false,
      problem: { code: 'overexposed' },
    });
  });

  it('passes the size check alone when the pixels cannot be read', () => {
    expect(judgePhoto({ width: 1200, height: 900 }, null)).toEqual({ ok: true, figures: null, notice: null });
  });
});

describe('the server rule (checkFigures) and the browser margin (judgeFigures)', () => {
  const good: QualityFigures = { sharpness: 50, mean_luminance: 120, dark_fraction: 0.1, bright_fraction: 0.1 };
  const t = rules.thresholds;
  const m = rules.browserMargin;

  it.each([
    [{ mean_luminance: t.minMeanLuminance - 0.01 }, 'too_dark'],
    [{ dark_fraction: t.maxDarkFraction + 0.0001 }, 'too_dark'],
    [{ mean_luminance: t.maxMeanLuminance + 0.01 }, 'overexposed'],
    [{ bright_fraction: t.maxBrightFraction + 0.0001 }, 'overexposed'],
    [{ sharpness: t.blurMinVariance - 0.01 }, 'blurry'],
  ])('server: %o -> %s', (change, code) => {
    expect(checkFigures({ ...good, ...change })?.code).toBe(code);
  });

  it('server: accepts values right at the limits', () => {
    const limits = { sharpness: t.blurMinVariance, mean_luminance: t.minMeanLuminance, dark_fraction: t.maxDarkFraction,
      bright_fraction: t.maxBrightFraction };
    expect(checkFigures(limits)).toBeNull();
  });

  it.each([
    ['blurry', { sharpness: t.blurMinVariance * (1 - m.sharpnessRelative) - 0.01 }, 'refuse'],
    ['blurry', { sharpness: t.blurMinVariance * 0.99 }, 'notice'],
    ['blurry', { sharpness: t.blurMinVariance * 1.01 }, 'notice'],
    ['blurry', { sharpness: t.blurMinVariance * (1 + m.sharpnessRelative) }, 'pass'],
    ['too_dark', { mean_luminance: t.minMeanLuminance - m.luminance - 0.01 }, 'refuse'],
    ['too_dark', { mean_luminance: t.minMeanLuminance + m.luminance - 0.01 }, 'notice'],
    ['too_dark', { dark_fraction: t.maxDarkFraction + m.fraction / 2 }, 'notice'],
    ['overexposed', { bright_fraction: t.maxBrightFraction + m.fraction + 0.001 }, 'refuse'],
    ['overexposed', { mean_luminance: t.maxMeanLuminance - m.luminance + 0.01 }, 'notice'],
  ] as const)('browser: %s %o -> %s', (code, change, outcome) => {
    const verdict = judgeFigures({ ...good, ...change });
    if (outcome === 'refuse') expect(verdict).toMatchObject({ ok: false, problem: { code } });
    if (outcome === 'notice') {
      expect(verdict).toMatchObject({ ok: true, notice: { code, message: borderlineMessage(code) } });
    }
    if (outcome === 'pass') expect(verdict).toMatchObject({ ok: true, notice: null });
  });

  it('browser: refuses only with the rule the server applies first', () => {
    // Borderline dark and clearly blurred: the server may say either, so the browser does not guess.
    const verdict = judgeFigures({ ...good, mean_luminance: t.minMeanLuminance + 0.5, sharpness: 0.1 });
    expect(verdict).toMatchObject({ ok: true, notice: { code: 'too_dark' } });
  });
});
