import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asBodySiteId, type Photo } from '../api/types.ts';
import { queryKeys } from '../data/index.ts';
import { useServices } from '../services.tsx';
import { captureVideoFrame } from './imageFiles.ts';
import type { CaptureTarget } from './usePhotoCapture.ts';

/**
 * The camera with a "ghost" of the previous photo of the same spot laid over it, at an adjustable
 * opacity, so each new photo is framed like the last one (same distance, angle and crop).
 */
export function LiveCamera({
  caseId,
  target,
  onCapture,
  onClose,
}: {
  caseId: string;
  target: CaptureTarget;
  onCapture: (blob: Blob) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation('cases');
  const video = useRef<HTMLVideoElement>(null);
  // The problem by kind, put in words when shown (the language can change while the camera is open).
  const [openError, setCameraError] = useState<'denied' | 'failed' | 'notTaken' | { message: string } | null>(null);
  // Known before anything runs (plain http on a phone, an old browser), so not an effect's finding.
  const problem = navigator.mediaDevices?.getUserMedia === undefined ? 'unsupported' : openError;
  const cameraError =
    problem === null
      ? null
      : typeof problem === 'object'
        ? problem.message
        : t(`camera.${problem}`);
  const [ready, setReady] = useState(false);
  const [opacity, setOpacity] = useState(35);
  const [showGhost, setShowGhost] = useState(true);
  const ghost = useGhost(caseId, target);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let cancelled = false;
    if (navigator.mediaDevices?.getUserMedia === undefined) return undefined;
    navigator.mediaDevices
      .getUserMedia({
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1440 } },
        audio: false,
      })
      .then(
        (opened) => {
          if (cancelled) {
            opened.getTracks().forEach((track) => track.stop());
            return;
          }
          stream = opened;
          const element = video.current;
          if (element !== null) {
            element.srcObject = opened;
            void element.play().catch(() => undefined);
          }
        },
        (error: unknown) => {
          if (cancelled) return;
          const denied = error instanceof DOMException && error.name === 'NotAllowedError';
          setCameraError(denied ? 'denied' : 'failed');
        },
      );
    return () => {
      cancelled = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  const takePhoto = async () => {
    if (video.current === null) return;
    try {
      onCapture(await captureVideoFrame(video.current));
    } catch (error) {
      setCameraError(error instanceof Error ? { message: error.message } : 'notTaken');
    }
  };

  return (
    <div className="live-camera" data-testid="live-camera">
      <div className="live-camera__stage">
        <video
          ref={video}
          className="live-camera__video"
          playsInline
          muted
          autoPlay
          onLoadedMetadata={() => setReady(true)}
          data-testid="live-camera-video"
        />
        {ghost !== null && showGhost && (
          <img
            className="live-camera__ghost"
            src={ghost.urls.display}
            alt=""
            style={{ opacity: opacity / 100 }}
            data-testid="ghost-overlay"
          />
        )}
      </div>
      {cameraError !== null && (
        <p className="action-error" role="alert" data-testid="live-camera-error">
          {cameraError}
        </p>
      )}
      {ghost !== null ? (
        <div className="live-camera__controls">
          <label className="field field--inline">
            <input type="checkbox" checked={showGhost} onChange={(event) => setShowGhost(event.target.checked)} />
            <span>{t('camera.showGhost')}</span>
          </label>
          <label className="field">
            <span className="field__label">{t('camera.ghostOpacity', { opacity })}</span>
            <input
              type="range"
              min={0}
              max={100}
              step={5}
              value={opacity}
              className="range"
              data-testid="ghost-opacity"
              onChange={(event) => setOpacity(Number(event.target.value))}
            />
          </label>
        </div>
      ) : (
        <p className="hint">{t('camera.noGhost')}</p>
      )}
      <div className="live-camera__actions">
        <button
          type="button"
          className="button button--primary"
          disabled={!ready}
          data-testid="live-capture"
          onClick={() => void takePhoto()}
        >
          {t('camera.take')}
        </button>
        <button type="button" className="button button--secondary" onClick={onClose} data-testid="live-close">
          {t('camera.close')}
        </button>
      </div>
    </div>
  );
}

/** The previous photo of the lesion (GET .../latest-photo), or of the site when no lesion is chosen. */
function useGhost(caseId: string, target: CaptureTarget): Photo | null {
  const { api } = useServices();
  const { bodySite, lesionId } = target;
  const ghost = useQuery({
    queryKey: [...queryKeys.caseFollowUp(caseId), 'ghost', { bodySite, lesionId }],
    queryFn: ({ signal }): Promise<Photo | null> =>
      lesionId !== null
        ? api.getLatestLesionPhoto(caseId, lesionId, signal)
        : api.listPhotos(caseId, { bodySite: asBodySiteId(bodySite), limit: 1 }, signal).then((page) => page.items[0] ?? null),
    // No earlier photo (404 no_photo_yet) simply means no guide; so does any other failure.
    retry: false,
  });
  return ghost.data ?? null;
}
