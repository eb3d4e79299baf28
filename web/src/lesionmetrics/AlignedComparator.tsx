import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LesionSeries, Photo } from '../api/types.ts';
import { formatDate, formatDateTime } from '../format.ts';
import { cssMatrix3d, isHomography } from './overlay.ts';

/** Blink period: long enough to see each photo, short enough for the eye to catch a change. */
const BLINK_MS = 700;

type Mode = 'swipe' | 'blink';

/**
 * A follow-up laid over the baseline with the measured alignment, seen with a swipe or a blink. Only
 * aligned photos are offered: a photo whose alignment failed says so in the series, never here as a
 * bad overlay.
 */
export function AlignedComparator({ series, photos }: { series: LesionSeries; photos: Photo[] }) {
  const { t } = useTranslation('lesionmetrics');
  const baselinePhoto = photos.find((photo) => photo.photoId === series.baseline?.photoId) ?? null;
  const candidates = series.items.flatMap((item) => {
    const photo = photos.find((candidate) => candidate.photoId === item.photoId);
    const homography = item.alignment.homography;
    return item.aligned && item.baselinePhotoId === series.baseline?.photoId && photo !== undefined && isHomography(homography)
      ? [{ photo, homography }]
      : [];
  });
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>('swipe');
  const [swipe, setSwipe] = useState(50);
  const [blinking, setBlinking] = useState(false);
  const [showFollowup, setShowFollowup] = useState(true);
  const [shownWidth, setShownWidth] = useState(0);
  const baseImage = useRef<HTMLImageElement>(null);
  const hasCandidate = candidates.length > 0;

  // The overlay is drawn in shown px: follow the baseline image's width as the layout changes.
  useEffect(() => {
    const element = baseImage.current;
    if (element === null || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setShownWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [baselinePhoto?.photoId, hasCandidate]);

  useEffect(() => {
    if (mode !== 'blink' || !blinking) return;
    const timer = window.setInterval(() => setShowFollowup((shown) => !shown), BLINK_MS);
    return () => window.clearInterval(timer);
  }, [mode, blinking]);

  if (baselinePhoto === null) return null;
  const current = candidates.find((candidate) => candidate.photo.photoId === chosenId) ?? candidates[candidates.length - 1];
  if (current === undefined) {
    return (
      <section className="aligned-compare" data-testid="aligned-compare">
        <h3>{t('compare.title')}</h3>
        <p className="empty">{t('compare.none')}</p>
      </section>
    );
  }
  const scale = shownWidth > 0 ? shownWidth / baselinePhoto.width : 0;
  const followupVisible = mode === 'swipe' || showFollowup;
  const baseDate = formatDate(baselinePhoto.capturedAt);
  const followDate = formatDate(current.photo.capturedAt);

  return (
    <section className="aligned-compare" data-testid="aligned-compare">
      <h3>{t('compare.title')}</h3>
      <div className="aligned-compare__controls">
        <label className="field">
          <span className="field__label">{t('compare.photo')}</span>
          <select
            className="field__input"
            data-testid="aligned-photo"
            value={current.photo.photoId}
            onChange={(event) => setChosenId(event.target.value)}
          >
            {candidates.map((candidate) => (
              <option key={candidate.photo.photoId} value={candidate.photo.photoId}>
                {formatDateTime(candidate.photo.capturedAt)}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="aligned-compare__modes">
          <legend>{t('compare.mode')}</legend>
          {(['swipe', 'blink'] as const).map((option) => (
            <label key={option}>
              <input
                type="radio"
                name="aligned-compare-mode"
                value={option}
                checked={mode === option}
                data-testid={`aligned-mode-${option}`}
                onChange={() => {
                  setMode(option);
                  setBlinking(false);
                  setShowFollowup(true);
                }}
              />{' '}
              {t(`compare.${option}`)}
            </label>
          ))}
        </fieldset>
      </div>
      <div className="aligned-compare__stage" data-testid="aligned-stage">
        <img
          ref={baseImage}
          className="aligned-compare__base"
          src={baselinePhoto.urls.display}
          alt={t('compare.baselineAlt', { date: baseDate })}
          onLoad={(event) => setShownWidth(event.currentTarget.clientWidth)}
        />
        {scale > 0 && (
          <div
            className="aligned-compare__layer"
            style={{ clipPath: mode === 'swipe' ? `inset(0 0 0 ${swipe}%)` : undefined, visibility: followupVisible ? 'visible' : 'hidden' }}
            data-testid="aligned-layer"
          >
            <img
              className="aligned-compare__followup"
              src={current.photo.urls.display}
              alt={t('compare.followupAlt', { date: followDate })}
              style={{ width: current.photo.width, height: current.photo.height, transform: cssMatrix3d(current.homography, scale) }}
            />
          </div>
        )}
      </div>
      {mode === 'swipe' ? (
        <input
          type="range"
          min={0}
          max={100}
          step={1}
          value={swipe}
          className="range"
          aria-label={t('compare.swipeLabel')}
          data-testid="aligned-swipe"
          onChange={(event) => setSwipe(Number(event.target.value))}
        />
      ) : (
        <div className="aligned-compare__blink">
          <button type="button" className="button button--secondary" data-testid="aligned-blink" onClick={() => setBlinking((on) => !on)}>
            {blinking ? t('compare.pause') : t('compare.play')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            data-testid="aligned-switch"
            disabled={blinking}
            onClick={() => setShowFollowup((shown) => !shown)}
          >
            {t('compare.switch')}
          </button>
          <span data-testid="aligned-showing">
            {t('compare.showing', {
              which: showFollowup ? t('compare.followup', { date: followDate }) : t('compare.baseline', { date: baseDate }),
            })}
          </span>
        </div>
      )}
    </section>
  );
}
