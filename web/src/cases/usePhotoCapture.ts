import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbortError } from '../api/client.ts';
import {
  uploadPhoto,
  type PhotoUploadMeta,
  type PhotoUploadProgress,
  type PhotoUploadResult,
} from '../api/photos.ts';
import type { PhotoSource } from '../api/types.ts';
import { useServices } from '../services.tsx';
import { preparePhoto, UnreadablePhotoError } from './imageFiles.ts';
import type { GateProblem, QualityCode } from './qualityGate.ts';

export type CaptureState =
  | { phase: 'idle' }
  | { phase: 'checking' }
  /** The browser's quality gate refused the photo: nothing was uploaded. */
  | { phase: 'refused'; code: QualityCode | 'unreadable'; message: string }
  /** `notice`: a figure was close to a limit; the photo goes up and the server's check decides. */
  | { phase: 'uploading'; progress: PhotoUploadProgress; converted: boolean; notice: GateProblem | null }
  | { phase: 'done'; result: PhotoUploadResult }
  | { phase: 'failed'; error: unknown };

export interface CaptureTarget {
  bodySite: string;
  lesionId: string | null;
}

/**
 * One photo from pick to verdict: decode and judge it here (refusing before any upload), convert
 * it to JPEG if needed, upload it and wait for the server's verdict.
 */
export function usePhotoCapture(caseId: string, onAccepted: () => void) {
  const { api } = useServices();
  const [state, setState] = useState<CaptureState>({ phase: 'idle' });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const submit = useCallback(
    async (file: Blob, source: PhotoSource, target: CaptureTarget) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setState({ phase: 'checking' });
      try {
        const prepared = await preparePhoto(file);
        if (current.signal.aborted) return;
        if (!prepared.verdict.ok) {
          setState({ phase: 'refused', code: prepared.verdict.problem.code, message: prepared.verdict.problem.message });
          return;
        }
        const meta: PhotoUploadMeta = { bodySite: target.bodySite, source };
        if (target.lesionId !== null) meta.lesionId = target.lesionId;
        const capturedAt = captureTime(file);
        if (capturedAt !== undefined) meta.capturedAt = capturedAt;
        const result = await uploadPhoto(api, caseId, prepared.blob, meta, {
          signal: current.signal,
          onStatus: (progress) => {
            if (current.signal.aborted) return;
            const notice = prepared.verdict.ok ? prepared.verdict.notice : null;
            setState({ phase: 'uploading', progress, converted: prepared.converted, notice });
          },
        });
        if (current.signal.aborted) return;
        setState({ phase: 'done', result });
        if (result.outcome === 'accepted') onAccepted();
      } catch (error) {
        if (current.signal.aborted || isAbortError(error)) return;
        if (error instanceof UnreadablePhotoError) {
          setState({ phase: 'refused', code: 'unreadable', message: error.message });
        } else {
          setState({ phase: 'failed', error });
        }
      }
    },
    [api, caseId, onAccepted],
  );

  const reset = useCallback(() => {
    controller.current?.abort();
    setState({ phase: 'idle' });
  }, []);

  return { state, submit, reset };
}

/**
 * When the photo was taken: a picked file's modification time is the capture time on phones (the
 * camera app writes the file then); fresh captures default to "now" on the server.
 */
function captureTime(file: Blob): string | undefined {
  if (!(file instanceof File) || !Number.isFinite(file.lastModified) || file.lastModified <= 0) return undefined;
  const age = Date.now() - file.lastModified;
  // Only a plausible past time: the server refuses the future and more than ten years back.
  if (age < 60_000 || age > 3650 * 86_400_000) return undefined;
  return new Date(file.lastModified).toISOString();
}
