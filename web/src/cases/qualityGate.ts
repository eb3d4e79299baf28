// The capture-quality gate, run in the browser before a photo is uploaded.
//
// The rules (sizes, thresholds, messages, margins) are the server's own file,
// functions/images/capture_rules.json, and the measurement is the one the server makes
// (functions/images/processing.py, defined in docs/photos.md): the same grey formula, the same box
// average to the measuring size, the same Laplacian. What can still differ is the decoder (the
// browser's JPEG/PNG decoder and colour management vs Pillow's), so the browser judges with a stated
// margin: a figure clearly on one side of a threshold gives the server's verdict; a figure within
// the margin is uploaded with a notice that the clinic's check may still ask for another photo.
// tests/e2e/test_photo_gate_conformance.py runs this code in Chromium on the same files as the
// server's gate and fails on any disagreement outside the margin.
//
// Pure: it works on plain pixel arrays (an ImageData fits), so it is unit-tested in Node.

import rules from '../../../functions/images/capture_rules.json';
import { currentLanguage } from '../i18n/index.ts';
import { textForCode } from './translateCode.ts';

export const MIN_LONG_SIDE = rules.minLongSide;
export const MIN_SHORT_SIDE = rules.minShortSide;
export const MAX_PIXELS = rules.maxPixels;
export const MAX_UPLOAD_BYTES = rules.maxUploadBytes;

/** The measured copy's long side is at most this (box average over whole k x k blocks). */
export const MEASURE_EDGE = rules.measure.edge;
const [RED_WEIGHT, GREEN_WEIGHT, BLUE_WEIGHT] = rules.measure.lumaWeights as [number, number, number];

export const BLUR_MIN_VARIANCE = rules.thresholds.blurMinVariance;
export const DARK_LEVEL = rules.thresholds.darkLevel;
export const BRIGHT_LEVEL = rules.thresholds.brightLevel;
export const MAX_DARK_FRACTION = rules.thresholds.maxDarkFraction;
export const MAX_BRIGHT_FRACTION = rules.thresholds.maxBrightFraction;
export const MIN_MEAN_LUMINANCE = rules.thresholds.minMeanLuminance;
export const MAX_MEAN_LUMINANCE = rules.thresholds.maxMeanLuminance;
export const BROWSER_MARGIN = rules.browserMargin;

export type QualityCode =
  | 'too_small'
  | 'too_many_pixels'
  | 'too_large'
  | 'too_dark'
  | 'overexposed'
  | 'blurry';

type FigureCode = 'too_dark' | 'overexposed' | 'blurry';

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

/**
 * `notice` is set when a figure lies within the margin of a threshold: the photo goes up, and the
 * patient is told the clinic's check may still ask for another.
 */
export type GateVerdict =
  | { ok: true; figures: QualityFigures | null; notice: GateProblem | null }
  | { ok: false; problem: GateProblem; figures: QualityFigures | null };

/** RGBA pixels row by row, as in ImageData. */
export interface PixelData {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** The measured copy: one grey value 0..255 (unrounded) per pixel, row by row. */
export interface GreyImage {
  width: number;
  height: number;
  values: Float64Array;
}

// --- messages (the server's words, from the shared file) -----------------------------------------
// The shared file is the English source; the app shows each message by its code in the shown language
// (cases:gate.<code>, whose English text qualityGate.test.ts holds equal to the file's). Looked up
// when asked for, never at load: the language can change at run time.

export type MessageCode = keyof typeof rules.messages;

export function ruleMessage(code: MessageCode, values: Record<string, string | number> = {}): string {
  const filled: Record<string, string | number> = {
    minLongSide: MIN_LONG_SIDE,
    minShortSide: MIN_SHORT_SIDE,
    maxMegapixels: Math.floor(MAX_PIXELS / 1_000_000),
    maxUploadMegabytes: Math.floor(MAX_UPLOAD_BYTES / (1024 * 1024)),
    ...values,
  };
  const english = rules.messages[code].replace(/\{(\w+)\}/g, (whole, name: string) => String(filled[name] ?? whole));
  return textForCode('gate', code, english, filled);
}

export function tooSmallMessage(width: number, height: number): string {
  return ruleMessage('too_small', { width, height });
}

/** Each message is read when used (getters), so it is in the language shown at that moment. */
export const MESSAGES = {
  get too_many_pixels() {
    return ruleMessage('too_many_pixels');
  },
  get too_large() {
    return ruleMessage('too_large');
  },
  get too_dark() {
    return ruleMessage('too_dark');
  },
  get overexposed() {
    return ruleMessage('overexposed');
  },
  get blurry() {
    return ruleMessage('blurry');
  },
};

export function borderlineMessage(code: FigureCode): string {
  return ruleMessage('borderline', { problem: textForCode('gate.problem', code, rules.problemNames[code]) });
}

// The server's refusals whose message is fixed (no per-photo figures in it): the shared text by code.
const FIXED_REFUSALS: readonly string[] = ['too_many_pixels', 'too_dark', 'overexposed', 'blurry', 'corrupt_image', 'unsupported_format'];

/**
 * The server's refusal of an uploaded photo. In English its own words (they carry the photo's own
 * figures, e.g. its size); in another language the advice by its code, or the server's words if the
 * code is one this build does not know.
 */
export function serverRefusalMessage(code: string, serverMessage: string): string {
  if (currentLanguage() === 'en') return serverMessage;
  if (FIXED_REFUSALS.includes(code)) return ruleMessage(code as MessageCode);
  return textForCode('photos.rejection', code, serverMessage);
}

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

/** The box size k and the measured copy's size: whole k x k blocks, the remainder left out. */
export function measuredSize(width: number, height: number): { k: number; width: number; height: number } {
  const k = Math.max(1, Math.ceil(Math.max(width, height) / MEASURE_EDGE));
  return { k, width: Math.floor(width / k), height: Math.floor(height / k) };
}

// --- the measured copy -----------------------------------------------------------------------------

/**
 * Box-averages grey over k x k blocks from full-resolution RGBA rows handed in order, a strip at a
 * time, so a 12 MP photo never needs one 48 MB pixel buffer (and fits iOS's canvas area limit).
 * Grey is (299 R + 587 G + 114 B) / 1000, unrounded; transparent pixels are composited on white first.
 */
export class GreyReducer {
  readonly size: { k: number; width: number; height: number };
  private readonly sums: Float64Array;

  constructor(width: number, height: number) {
    this.size = measuredSize(width, height);
    this.sums = new Float64Array(this.size.width * this.size.height);
  }

  /** Adds the rows [firstRow, firstRow + strip.height) of the full picture; strip.width is its width. */
  addRows(strip: PixelData, firstRow: number): void {
    const { k, width, height } = this.size;
    const usedColumns = width * k;
    for (let row = 0; row < strip.height; row += 1) {
      const y = firstRow + row;
      if (y >= height * k) break;
      const blockRow = Math.floor(y / k) * width;
      let offset = row * strip.width * 4;
      for (let x = 0; x < usedColumns; x += 1, offset += 4) {
        this.sums[blockRow + Math.floor(x / k)]! += grey(strip.data, offset);
      }
    }
  }

  result(): GreyImage {
    const { k, width, height } = this.size;
    const area = k * k;
    return { width, height, values: this.sums.map((sum) => sum / area) };
  }
}

function grey(data: ArrayLike<number>, offset: number): number {
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
  return (RED_WEIGHT * red + GREEN_WEIGHT * green + BLUE_WEIGHT * blue) / 1000;
}

/** The measured copy of a whole picture given at full resolution. */
export function reducePixels(pixels: PixelData): GreyImage {
  const reducer = new GreyReducer(pixels.width, pixels.height);
  reducer.addRows(pixels, 0);
  return reducer.result();
}

// --- figures ---------------------------------------------------------------------------------------

/** Population variance of the 4-neighbour Laplacian over the pixels that have all four neighbours. */
export function laplacianVariance(image: GreyImage): number {
  const { width, height, values } = image;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y += 1) {
    const row = y * width;
    for (let x = 1; x < width - 1; x += 1) {
      const at = row + x;
      const value = values[at - width]! + values[at + width]! + values[at - 1]! + values[at + 1]! - 4 * values[at]!;
      sum += value;
      sumSquares += value * value;
      count += 1;
    }
  }
  const mean = sum / count;
  return Math.max(0, sumSquares / count - mean * mean);
}

export function measureGrey(image: GreyImage): QualityFigures {
  const total = Math.max(1, image.width * image.height);
  let sum = 0;
  let dark = 0;
  let bright = 0;
  for (const value of image.values) {
    sum += value;
    if (value <= DARK_LEVEL) dark += 1;
    if (value >= BRIGHT_LEVEL) bright += 1;
  }
  return {
    sharpness: round(laplacianVariance(image), 2),
    mean_luminance: round(sum / total, 2),
    dark_fraction: round(dark / total, 4),
    bright_fraction: round(bright / total, 4),
  };
}

/** The figures of RGBA pixels given at full resolution. */
export function measurePixels(pixels: PixelData): QualityFigures {
  return measureGrey(reducePixels(pixels));
}

// --- judging ---------------------------------------------------------------------------------------

/**
 * Whether rule `code` fails. `lean` moves every threshold by the browser margin: +1 towards passing
 * (fails only if it fails clearly), -1 towards failing (passes only if it passes clearly), 0 exact
 * (the server's rule).
 */
function fails(code: FigureCode, figures: QualityFigures, lean: -1 | 0 | 1): boolean {
  const level = lean * BROWSER_MARGIN.luminance;
  const share = lean * BROWSER_MARGIN.fraction;
  switch (code) {
    case 'too_dark':
      return figures.mean_luminance < MIN_MEAN_LUMINANCE - level || figures.dark_fraction > MAX_DARK_FRACTION + share;
    case 'overexposed':
      return (
        figures.mean_luminance > MAX_MEAN_LUMINANCE + level || figures.bright_fraction > MAX_BRIGHT_FRACTION + share
      );
    case 'blurry':
      return figures.sharpness < BLUR_MIN_VARIANCE * (1 - lean * BROWSER_MARGIN.sharpnessRelative);
  }
}

/** The server's order: exposure first (a dark photo also lacks detail, and "too dark" is the useful advice). */
const FIGURE_RULES: readonly FigureCode[] = ['too_dark', 'overexposed', 'blurry'];

/** The server's verdict on these figures, exactly (no margin). */
export function checkFigures(figures: QualityFigures): GateProblem | null {
  const code = FIGURE_RULES.find((rule) => fails(rule, figures, 0));
  return code === undefined ? null : { code, message: MESSAGES[code] };
}

/**
 * The browser's verdict with the margin: refuse only when the first rule the server would apply
 * fails clearly; pass silently only when every rule passes clearly; otherwise pass with a notice.
 */
export function judgeFigures(figures: QualityFigures): GateVerdict {
  for (const code of FIGURE_RULES) {
    if (fails(code, figures, 1)) return { ok: false, problem: { code, message: MESSAGES[code] }, figures };
    if (fails(code, figures, -1)) return { ok: true, figures, notice: { code, message: borderlineMessage(code) } };
  }
  return { ok: true, figures, notice: null };
}

/**
 * The whole gate: size first (no pixel needed), then the figures of the measured copy.
 * `figures` is null when the pixels could not be read; the size check alone then decides.
 */
export function judgePhoto(
  dimensions: { width: number; height: number; sizeBytes?: number },
  figures: QualityFigures | null,
): GateVerdict {
  const sizeProblem = checkDimensions(dimensions.width, dimensions.height, dimensions.sizeBytes);
  if (sizeProblem !== null) return { ok: false, problem: sizeProblem, figures: null };
  if (figures === null) return { ok: true, figures: null, notice: null };
  return judgeFigures(figures);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
