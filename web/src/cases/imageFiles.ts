// Browser side of a photo before upload: decode it upright, measure it as the server will (full
// resolution, strip by strip, into the box-averaged grey copy), judge it, and turn formats the server
// does not take (HEIC from iPhones, WebP...) into JPEG when this browser can decode them. The
// measuring and judging themselves live in the pure qualityGate.ts.

import { detectImageType, MAX_UPLOAD_BYTES } from '../api/photos.ts';
import { i18next } from '../i18n/index.ts';
import {
  GreyReducer,
  judgePhoto,
  measureGrey,
  type GateVerdict,
  type QualityFigures,
} from './qualityGate.ts';

export const JPEG_QUALITY = 0.92;

export interface PreparedPhoto {
  /** JPEG or PNG bytes ready for uploadPhoto. */
  blob: Blob;
  width: number;
  height: number;
  /** The original was in another format and was re-encoded as JPEG here. */
  converted: boolean;
  verdict: GateVerdict;
}

export class UnreadablePhotoError extends Error {
  override readonly name = 'UnreadablePhotoError';
}

interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  close: () => void;
}

/** Decodes, judges and (if needed) converts a picked or captured photo. */
export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  const type = await detectImageType(file);
  const decoded = await decode(file).catch(() => null);
  if (decoded === null) throw new UnreadablePhotoError(await unreadableMessage(file));
  try {
    const { width, height } = decoded;
    const sizeBytes = type !== null ? file.size : undefined;
    // Size rules first: they need no pixels (and a refused photo is not converted for nothing).
    const sizeOnly = judgePhoto(sizeBytes === undefined ? { width, height } : { width, height, sizeBytes }, null);
    if (!sizeOnly.ok) return { blob: file, width, height, converted: false, verdict: sizeOnly };

    const figures = measure(decoded);
    let blob = file;
    let converted = false;
    if (type === null) {
      blob = await encodeJpeg(decoded, width, height);
      converted = true;
    }
    const verdict = judgePhoto({ width, height, sizeBytes: blob.size }, figures);
    return { blob, width, height, converted, verdict };
  } finally {
    decoded.close();
  }
}

/** One frame of a playing <video> as a JPEG, at the camera's full resolution. */
export async function captureVideoFrame(video: HTMLVideoElement): Promise<Blob> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width === 0 || height === 0) throw new UnreadablePhotoError(i18next.t('cases:imageFile.notStarted'));
  return encodeJpeg({ source: video, width, height, close: () => undefined }, width, height);
}

async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      // Upright, as the server will see it after applying the EXIF orientation.
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
    } catch {
      // Some browsers decode more formats through <img> (Safari and HEIC): try that next.
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.decoding = 'async';
    image.src = url;
    await image.decode();
    return {
      source: image,
      width: image.naturalWidth,
      height: image.naturalHeight,
      close: () => URL.revokeObjectURL(url),
    };
  } catch (error) {
    URL.revokeObjectURL(url);
    throw error;
  }
}

function newCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new UnreadablePhotoError(i18next.t('cases:imageFile.noCanvas'));
  return context;
}

/** Rows drawn per strip: a 4032 px wide strip of 256 rows is 4 MB of pixels. */
const STRIP_ROWS = 256;

/**
 * The quality figures of the whole picture at full resolution, drawn 1:1 a strip at a time (no
 * browser resampling: the box average is ours, the same as the server's). Transparency is judged on
 * white, as the server flattens it.
 */
function measure(decoded: Decoded): QualityFigures {
  const { width, height } = decoded;
  const reducer = new GreyReducer(width, height);
  const usedRows = reducer.size.height * reducer.size.k;
  const rows = Math.min(STRIP_ROWS, usedRows);
  const canvas = newCanvas(width, rows);
  const context = context2d(canvas);
  try {
    for (let top = 0; top < usedRows; top += rows) {
      const count = Math.min(rows, usedRows - top);
      context.fillStyle = '#fff';
      context.fillRect(0, 0, width, count);
      context.drawImage(decoded.source, 0, top, width, count, 0, 0, width, count);
      reducer.addRows(context.getImageData(0, 0, width, count), top);
    }
  } finally {
    canvas.width = 0; // frees the pixel buffer at once on mobile browsers
  }
  return measureGrey(reducer.result());
}

async function encodeJpeg(decoded: Decoded, width: number, height: number): Promise<Blob> {
  const canvas = newCanvas(width, height);
  const context = context2d(canvas);
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.drawImage(decoded.source, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  canvas.width = 0; // frees the pixel buffer at once on mobile browsers
  if (blob === null) throw new UnreadablePhotoError(i18next.t('cases:imageFile.notConverted'));
  if (blob.size > MAX_UPLOAD_BYTES) {
    throw new UnreadablePhotoError(i18next.t('cases:imageFile.convertedTooLarge'));
  }
  return blob;
}

async function unreadableMessage(file: Blob): Promise<string> {
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const brand = String.fromCharCode(...head.slice(4, 12));
  if (brand.startsWith('ftyp') || /hei[cf]/i.test(file.type)) {
    return i18next.t('cases:imageFile.heic');
  }
  return i18next.t('cases:imageFile.unreadable');
}
