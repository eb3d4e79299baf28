// Lesion stills during a call: a full-resolution picture from the patient's OWN camera track, never
// a frame of the (downscaled, compressed) video the doctor receives.
//
// 1. ImageCapture.takePhoto() where the browser has it (Chrome, Android): the camera's photo mode,
//    asked for its largest size;
// 2. otherwise a frame of the local track drawn on a canvas of the track's own capture size
//    (track.getSettings()), encoded as a high-quality JPEG.
// The upload itself (presigned POST, then polling the verdict) is api/photos.ts.

export interface Still {
  blob: Blob;
  width: number;
  height: number;
  capturedAt: string;
  method: 'image-capture' | 'frame';
}

/** The server refuses photos under 800 x 600 (docs/api.md); said here before uploading. */
export const MIN_STILL = { long: 800, short: 600 };

export function stillTooSmall(width: number, height: number): boolean {
  return Math.max(width, height) < MIN_STILL.long || Math.min(width, height) < MIN_STILL.short;
}

/** ISO-8601 with the local zone offset (the server needs a zone). */
export function isoWithZone(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (value: number) => String(Math.floor(Math.abs(value))).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

interface ImageCaptureLike {
  takePhoto(settings?: { imageWidth?: number; imageHeight?: number }): Promise<Blob>;
  getPhotoCapabilities?(): Promise<{ imageWidth?: { max?: number }; imageHeight?: { max?: number } }>;
}

type ImageCaptureConstructor = new (track: MediaStreamTrack) => ImageCaptureLike;

function imageCaptureClass(): ImageCaptureConstructor | null {
  const candidate = (globalThis as { ImageCapture?: ImageCaptureConstructor }).ImageCapture;
  return typeof candidate === 'function' ? candidate : null;
}

async function imageSize(blob: Blob): Promise<{ width: number; height: number }> {
  const bitmap = await createImageBitmap(blob);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

async function withImageCapture(track: MediaStreamTrack, ImageCaptureClass: ImageCaptureConstructor): Promise<Still> {
  const capture = new ImageCaptureClass(track);
  let settings: { imageWidth?: number; imageHeight?: number } | undefined;
  try {
    const caps = await capture.getPhotoCapabilities?.();
    const width = caps?.imageWidth?.max;
    const height = caps?.imageHeight?.max;
    if (width !== undefined && height !== undefined && width > 0 && height > 0) {
      settings = { imageWidth: width, imageHeight: height };
    }
  } catch {
    // Capabilities are optional; takePhoto() alone uses the camera's default photo size.
  }
  const capturedAt = isoWithZone(new Date());
  const blob = await capture.takePhoto(settings);
  const { width, height } = await imageSize(blob);
  return { blob, width, height, capturedAt, method: 'image-capture' };
}

/** Draws one frame of the local track at its capture resolution. */
async function withCanvas(track: MediaStreamTrack): Promise<Still> {
  const settings = track.getSettings();
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
    if (video.videoWidth === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('The camera gave no picture.')), 3000);
        video.onloadeddata = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const width = video.videoWidth || settings.width || 0;
    const height = video.videoHeight || settings.height || 0;
    if (width === 0 || height === 0) throw new Error('The camera gave no picture.');
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('This browser cannot take a picture.');
    const capturedAt = isoWithZone(new Date());
    context.drawImage(video, 0, 0, width, height);
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((result) => (result ? resolve(result) : reject(new Error('The picture could not be encoded.'))), 'image/jpeg', 0.95),
    );
    return { blob, width, height, capturedAt, method: 'frame' };
  } finally {
    video.pause();
    video.srcObject = null;
  }
}

/** A full-resolution still of the local camera track. */
export async function captureStill(track: MediaStreamTrack): Promise<Still> {
  if (track.readyState !== 'live') throw new Error('The camera is off. Switch it on to take a photo.');
  const ImageCaptureClass = imageCaptureClass();
  if (ImageCaptureClass !== null) {
    try {
      return await withImageCapture(track, ImageCaptureClass);
    } catch {
      // Some cameras (and some virtual ones) refuse photo mode: fall back to a frame.
    }
  }
  return withCanvas(track);
}
