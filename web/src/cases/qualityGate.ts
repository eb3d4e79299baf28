// The capture-quality gate, run in the browser before a photo is uploaded.
//
// It mirrors the server's gate (functions/images/processing.py) number for number and message for
// message, so a patient hears the same advice before and after uploading. The server judges again
// and its verdict is the one that counts: this gate only spares an upload that would be refused.
// Pure: it works on plain pixel arrays (an ImageData fits), so it is unit-tested in Node.

export const MIN_LONG_SIDE = 800;
export const MIN_SHORT_SIDE = 600;
export const MAX_PIXELS = 40_000_000;
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** Long side of the grayscale copy the blur and exposure figures are measured on. */
export const QUALITY_EDGE = 640;
/** Minimum variance of the 4-neighbour Laplacian at QUALITY_EDGE. */
export const BLUR_MIN_VARIANCE = 8.0;
export const DARK_LEVEL = 16;
export const BRIGHT_LEVEL = 245;
export const MAX_DARK_FRACTION = 0.5;
export const MAX_BRIGHT_FRACTION = 0.35;
export const MIN_MEAN_LUMINANCE = 45.0;
export const MAX_MEAN_LUMINANCE = 225.0;

export type QualityCode =
  | 'too_small'
  | 'too_many_pixels'
  | 'too_large'
  | 'too_dark'
  | 'overexposed'
  | 'blurry';

/** Same field names as the server's `quality` of a photo. */
export interface QualityFigures {
  sharpness: number;
  mean_luminance: number;
  dark_fraction: number;
  bright_fraction: number;
}

export interface GateProblem {
  code: QualityCode;
  message: string;
}

export type GateVerdict =
  | { ok: true; figures: QualityFigures | null }
  | { ok: false; problem: GateProblem; figures: QualityFigures | null };

/** RGBA pixels row by row, as in ImageData. */
export interface PixelData {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface GrayImage {
  width: number;
  height: number;
  /** One luminance 0..255 per pixel, row by row. */
  gray: Uint8Array;
}

// --- messages (the server's words) ---------------------------------------------------------------

export function tooSmallMessage(width: number, height: number): string {
  return (
    `The photo is ${width} x ${height} pixels; at least ${MIN_LONG_SIDE} x ${MIN_SHORT_SIDE} is needed. ` +
    "Use the phone's main camera, not a screenshot or a cropped or resized copy."
  );
}

export const MESSAGES = {
  too_many_pixels:
    `The photo has more than ${MAX_PIXELS / 1_000_000} megapixels. Use the camera's standard photo ` +
    'mode (not a 48 MP or panorama setting).',
  too_large: 'The photo is larger than 20 MB. Use the camera\'s standard photo mode and take it again.',
  too_dark:
    'The photo is too dark. Take it again in daylight near a window or under a bright lamp, with no ' +
    'shadow of the phone or your hand on the skin.',
  overexposed:
    'The photo is overexposed (washed out). Avoid direct sunlight and the flash; use bright, indirect ' +
    'light and take it again.',
  blurry:
    'The photo is blurred. Hold the phone steady about 15-30 cm from the skin, tap the spot on the ' +
    'screen to focus, wait a moment and take it again.',
} as const;

// --- geometry --------------------------------------------------------------------------------------

/** Size checks on the upright dimensions (either orientation), before any pixel is looked at. */
export function checkDimensions(width: number, height: number, sizeBytes?: number): GateProblem | null {
  if (sizeBytes !== undefined && sizeBytes > MAX_UPLOAD_BYTES) {
    return { code: 'too_large', message: MESSAGES.too_large };
  }
  if (width * height > MAX_PIXELS) return { code: 'too_many_pixels', message: MESSAGES.too_many_pixels };
  if (Math.max(width, height) < MIN_LONG_SIDE || Math.min(width, height) < MIN_SHORT_SIDE) {
    return { code: 'too_small', message: tooSmallMessage(width, height) };
  }
  return null;
}

/**
 * Size of the measuring copy: the long side shrunk to QUALITY_EDGE keeping the aspect ratio, never
 * enlarged (Pillow's `thumbnail((640, 640))`).
 */
export function measuringSize(width: number, height: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= QUALITY_EDGE) return { width, height };
  const scale = QUALITY_EDGE / long;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

// --- figures ---------------------------------------------------------------------------------------

/**
 * Luminance as Pillow's `convert("L")` computes it (ITU-R 601-2 luma, fixed point, rounded).
 * Transparent pixels are composited on white first, as the server flattens transparency.
 */
export function toGray(pixels: PixelData): GrayImage {
  const { width, height, data } = pixels;
  const count = width * height;
  const gray = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) {
    const offset = index * 4;
    let red = data[offset] ?? 0;
    let green = data[offset + 1] ?? 0;
    let blue = data[offset + 2] ?? 0;
    const alpha = data[offset + 3] ?? 255;
    if (alpha < 255) {
      const cover = alpha / 255;
      red = red * cover + 255 * (1 - cover);
      green = green * cover + 255 * (1 - cover);
      blue = blue * cover + 255 * (1 - cover);
    }
    gray[index] = (red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16;
  }
  return { width, height, gray };
}

/** Variance of the 4-neighbour Laplacian over the interior pixels (the border is left out). */
export function laplacianVariance(image: GrayImage): number {
  const { width, height, gray } = image;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y += 1) {
    const row = y * width;
    for (let x = 1; x < width - 1; x += 1) {
      const at = row + x;
      const value =
        (gray[at - width] ?? 0) +
        (gray[at + width] ?? 0) +
        (gray[at - 1] ?? 0) +
        (gray[at + 1] ?? 0) -
        4 * (gray[at] ?? 0);
      sum += value;
      sumSquares += value * value;
      count += 1;
    }
  }
  const mean = sum / count;
  return Math.max(0, sumSquares / count - mean * mean);
}

export function measureGray(image: GrayImage): QualityFigures {
  const histogram = new Array<number>(256).fill(0);
  for (const level of image.gray) histogram[level] = (histogram[level] ?? 0) + 1;
  const total = Math.max(1, image.width * image.height);
  let weighted = 0;
  let dark = 0;
  let bright = 0;
  histogram.forEach((count, level) => {
    weighted += level * count;
    if (level <= DARK_LEVEL) dark += count;
    if (level >= BRIGHT_LEVEL) bright += count;
  });
  return {
    sharpness: round(laplacianVariance(image), 2),
    mean_luminance: round(weighted / total, 2),
    dark_fraction: round(dark / total, 4),
    bright_fraction: round(bright / total, 4),
  };
}

/** The figures of RGBA pixels already scaled to QUALITY_EDGE (e.g. a canvas's ImageData). */
export function measurePixels(pixels: PixelData): QualityFigures {
  return measureGray(toGray(pixels));
}

/** Exposure first (a dark photo also lacks detail, and "too dark" is the useful advice), then blur. */
export function checkFigures(figures: QualityFigures): GateProblem | null {
  if (figures.mean_luminance < MIN_MEAN_LUMINANCE || figures.dark_fraction > MAX_DARK_FRACTION) {
    return { code: 'too_dark', message: MESSAGES.too_dark };
  }
  if (figures.mean_luminance > MAX_MEAN_LUMINANCE || figures.bright_fraction > MAX_BRIGHT_FRACTION) {
    return { code: 'overexposed', message: MESSAGES.overexposed };
  }
  if (figures.sharpness < BLUR_MIN_VARIANCE) return { code: 'blurry', message: MESSAGES.blurry };
  return null;
}

/**
 * The whole gate: size first (no pixel needed), then the figures of the measuring copy.
 * `measuring` is null when the pixels could not be read; the size check alone then decides.
 */
export function judgePhoto(
  dimensions: { width: number; height: number; sizeBytes?: number },
  measuring: PixelData | null,
): GateVerdict {
  const sizeProblem = checkDimensions(dimensions.width, dimensions.height, dimensions.sizeBytes);
  if (sizeProblem !== null) return { ok: false, problem: sizeProblem, figures: null };
  if (measuring === null) return { ok: true, figures: null };
  const figures = measurePixels(measuring);
  const problem = checkFigures(figures);
  return problem === null ? { ok: true, figures } : { ok: false, problem, figures };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
