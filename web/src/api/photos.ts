// Lesion photo upload: ask for an upload, send the file to the presigned POST, wait for the verdict.
//
// Shared by the case pages (camera, gallery) and the video-call UI (stills captured during a visit).
// Contract: docs/api.md, "Photos".

import captureRules from '../../../functions/images/capture_rules.json';
import { ApiError, CLIENT_ERROR_CODES, isAbortError } from './client.ts';
import { asBodySiteId } from './types.ts';
import type {
  Photo,
  PhotoContentType,
  PhotoRejection,
  PhotoSource,
  PhotoUpload,
  PhotoUploadIntent,
  PhotoUploadRequest,
  PresignedPost,
} from './types.ts';

/** The slice of ApiClient an upload needs (ApiClient satisfies it; tests can fake it). */
export interface PhotoUploadApi {
  createPhotoUpload(
    caseId: string,
    request: PhotoUploadRequest,
    signal?: AbortSignal,
  ): Promise<PhotoUploadIntent>;
  getPhotoUpload(caseId: string, photoId: string, signal?: AbortSignal): Promise<PhotoUpload>;
}

export interface PhotoUploadMeta {
  bodySite: string;
  lesionId?: string;
  source: PhotoSource;
  /** ISO-8601 with a zone; defaults to "now" on the server. */
  capturedAt?: string;
}

/** Where an upload stands, reported through `onStatus`. */
export type PhotoUploadPhase =
  | 'requesting' // asking the API for an upload
  | 'uploading' // sending the bytes to storage
  | 'processing' // the server is judging the photo
  | 'accepted'
  | 'rejected'
  | 'timeout';

export interface PhotoUploadProgress {
  phase: PhotoUploadPhase;
  photoId?: string;
  /** Bytes sent so far while uploading (when the browser reports it). */
  loaded?: number;
  total?: number;
  /** The server's status of the upload, once known. */
  serverStatus?: PhotoUpload['status'];
}

/** Sends a multipart form to a presigned POST; resolves once storage has answered 2xx. */
export type FormPoster = (
  url: string,
  form: FormData,
  options: { signal?: AbortSignal; onProgress?: (loaded: number, total: number) => void },
) => Promise<void>;

export interface PhotoUploadOptions {
  onStatus?: (progress: PhotoUploadProgress) => void;
  /** How long to wait for the server's verdict after the bytes are sent (default 60 s). */
  timeoutMs?: number;
  /** Delay between status polls (default 1 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Overrides how the form is sent (default: XMLHttpRequest for progress, fetch otherwise). */
  postForm?: FormPoster;
  /** Overrides waiting between polls (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Overrides the clock used for the timeout (tests). */
  now?: () => number;
}

export type PhotoUploadResult =
  | { outcome: 'accepted'; photoId: string; upload: PhotoUpload; photo: Photo | null }
  | { outcome: 'rejected'; photoId: string; upload: PhotoUpload; rejection: PhotoRejection }
  | { outcome: 'timeout'; photoId: string; upload: PhotoUpload | null; message: string };

export const PHOTO_UPLOAD_ERROR_CODES = {
  unsupportedFormat: 'unsupported_format',
  uploadFailed: 'upload_failed',
} as const;

export const DEFAULT_UPLOAD_TIMEOUT_MS = 60_000;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** The server's limit, from the shared capture rules. */
export const MAX_UPLOAD_BYTES = captureRules.maxUploadBytes;

/**
 * Uploads one lesion photo and waits for the server's verdict.
 *
 * 1. POST /cases/{caseId}/photos/uploads -> an upload with a presigned POST;
 * 2. multipart POST of every `fields` entry, then the file last under `fileField`;
 * 3. polls GET /cases/{caseId}/photos/uploads/{photoId} until accepted, rejected or `timeoutMs`.
 *
 * The blob must be a JPEG or PNG (checked from its first bytes; convert other formats first, e.g.
 * with `toUploadableImage` in cases/imageFiles.ts). A verdict, including a rejection, resolves;
 * a failure to talk to the API or to storage rejects with an ApiError, an abort with an AbortError.
 */
export async function uploadPhoto(
  api: PhotoUploadApi,
  caseId: string,
  blob: Blob,
  meta: PhotoUploadMeta,
  opts: PhotoUploadOptions = {},
): Promise<PhotoUploadResult> {
  const report = opts.onStatus ?? (() => undefined);
  const signal = opts.signal;
  const contentType = await detectImageType(blob);
  if (contentType === null) {
    throw new ApiError(
      0,
      PHOTO_UPLOAD_ERROR_CODES.unsupportedFormat,
      'Only JPEG and PNG photos can be uploaded. Take the photo again or choose another one.',
    );
  }
  if (blob.size > MAX_UPLOAD_BYTES) {
    throw new ApiError(
      0,
      'too_large',
      'The photo is larger than 20 MB. Choose a smaller photo or take it again.',
    );
  }

  report({ phase: 'requesting' });
  const request: PhotoUploadRequest = {
    bodySite: asBodySiteId(meta.bodySite),
    contentType,
    sizeBytes: blob.size,
    source: meta.source,
  };
  if (meta.lesionId !== undefined) request.lesionId = meta.lesionId;
  if (meta.capturedAt !== undefined) request.capturedAt = meta.capturedAt;
  const intent = await api.createPhotoUpload(caseId, request, signal);
  const photoId = intent.photoId;

  report({ phase: 'uploading', photoId, loaded: 0, total: blob.size });
  const typed = blob.type === contentType ? blob : new Blob([blob], { type: contentType });
  const post = opts.postForm ?? defaultFormPoster();
  await post(intent.upload.url, buildUploadForm(intent.upload, typed), {
    ...(signal !== undefined ? { signal } : {}),
    onProgress: (loaded, total) => report({ phase: 'uploading', photoId, loaded, total }),
  });

  report({ phase: 'processing', photoId, serverStatus: 'pending' });
  return pollVerdict(api, caseId, photoId, opts, report);
}

async function pollVerdict(
  api: PhotoUploadApi,
  caseId: string,
  photoId: string,
  opts: PhotoUploadOptions,
  report: (progress: PhotoUploadProgress) => void,
): Promise<PhotoUploadResult> {
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? abortableSleep;
  const interval = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const deadline = now() + (opts.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS);
  let last: PhotoUpload | null = null;
  let wait = Math.min(interval, 400); // the first look comes early: local processing is quick

  for (;;) {
    await sleep(wait, opts.signal);
    wait = interval;
    try {
      last = await api.getPhotoUpload(caseId, photoId, opts.signal);
    } catch (error) {
      // A dropped connection while waiting is not a verdict: keep polling until the deadline.
      if (isAbortError(error) || !(error instanceof ApiError) || error.code !== CLIENT_ERROR_CODES.network) {
        throw error;
      }
    }
    if (last !== null) {
      if (last.status === 'accepted') {
        report({ phase: 'accepted', photoId, serverStatus: last.status });
        return { outcome: 'accepted', photoId, upload: last, photo: last.photo ?? null };
      }
      if (last.status === 'rejected') {
        const rejection = last.rejection ?? {
          code: 'rejected',
          message: 'The photo was not accepted. Please take it again.',
        };
        report({ phase: 'rejected', photoId, serverStatus: last.status });
        return { outcome: 'rejected', photoId, upload: last, rejection };
      }
      report({ phase: 'processing', photoId, serverStatus: last.status });
    }
    if (now() >= deadline) {
      report({ phase: 'timeout', photoId, ...(last !== null ? { serverStatus: last.status } : {}) });
      return {
        outcome: 'timeout',
        photoId,
        upload: last,
        message: 'The photo was sent but is still being checked. Look for it in the photo list in a moment.',
      };
    }
  }
}

/** The multipart form of a presigned POST: every policy field first, the file last. */
export function buildUploadForm(upload: PresignedPost, file: Blob): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append(upload.fileField || 'file', file, 'photo');
  return form;
}

/** JPEG or PNG from the first bytes (a blob's `type` may be empty or wrong); null otherwise. */
export async function detectImageType(blob: Blob): Promise<PhotoContentType | null> {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  return sniffImageType(head);
}

export function sniffImageType(head: Uint8Array): PhotoContentType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((byte, index) => head[index] === byte)) return 'image/png';
  return null;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(): Error {
  const error = new Error('The upload was cancelled.');
  error.name = 'AbortError';
  return error;
}

function storageError(status: number, cause?: unknown): ApiError {
  if (status === 0) {
    return new ApiError(
      0,
      CLIENT_ERROR_CODES.network,
      'The photo could not be sent. Check your connection and try again.',
      { cause },
    );
  }
  return new ApiError(
    status,
    PHOTO_UPLOAD_ERROR_CODES.uploadFailed,
    `The photo could not be stored (status ${status}). Please try again.`,
    { cause },
  );
}

/** XMLHttpRequest where available (it reports upload progress), fetch otherwise. */
export function defaultFormPoster(): FormPoster {
  if (typeof XMLHttpRequest === 'undefined') return fetchFormPoster;
  return (url, form, { signal, onProgress }) =>
    new Promise<void>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', url);
      if (onProgress !== undefined) {
        request.upload.onprogress = (event) => {
          if (event.lengthComputable) onProgress(event.loaded, event.total);
        };
      }
      const onAbort = () => request.abort();
      request.onload = () => {
        signal?.removeEventListener('abort', onAbort);
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(storageError(request.status, request.responseText));
      };
      request.onerror = () => {
        signal?.removeEventListener('abort', onAbort);
        reject(storageError(0));
      };
      request.onabort = () => reject(abortError());
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      request.send(form);
    });
}

export const fetchFormPoster: FormPoster = async (url, form, { signal }) => {
  let response: Response;
  try {
    response = await globalThis.fetch(url, { method: 'POST', body: form, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw storageError(0, error);
  }
  if (!response.ok) throw storageError(response.status, await response.text().catch(() => ''));
};
