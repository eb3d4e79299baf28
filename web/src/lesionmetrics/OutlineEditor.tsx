import { useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Outline, Photo } from '../api/types.ts';
import { formatDate } from '../format.ts';
import {
  addPoint,
  close,
  draftOf,
  emptyDraft,
  MIN_POINTS,
  onEditorKey,
  svgPoints,
  toPhotoPoint,
  undo,
  type OutlineDraft,
} from './outlineEditing.ts';

interface Props {
  photo: Photo;
  /** The saved outline on this photo, if any: the editor starts from it. */
  initial: Outline | null;
  saving: boolean;
  onSave: (outline: Outline) => void;
  /** The save button's words (default: save as baseline). */
  saveLabel?: string;
  /** Distinguishes the editors when a page shows two. */
  testIdPrefix?: string;
}

/**
 * The doctor outlines the lesion on a photo: a click (or Space at the keyboard cross) places a point,
 * Enter closes the polygon, Escape removes the last point. Points are kept in the photo's
 * full-resolution pixels, the frame the server measures in, whatever size the photo is shown at.
 */
export function OutlineEditor({ photo, initial, saving, onSave, saveLabel, testIdPrefix = 'outline' }: Props) {
  const { t } = useTranslation('lesionmetrics');
  const size = { width: photo.width, height: photo.height };
  const [draft, setDraft] = useState<OutlineDraft>(() =>
    initial === null ? emptyDraft(photo.width, photo.height) : draftOf(initial, photo.width, photo.height),
  );
  const [focused, setFocused] = useState(false);
  const surface = useRef<SVGSVGElement>(null);
  const helpId = useId();
  const date = formatDate(photo.capturedAt);
  // Marks scale with the photo: about 0.6% of its larger side.
  const mark = Math.max(photo.width, photo.height) * 0.006;

  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const box = surface.current?.getBoundingClientRect();
    if (box === undefined || box.width === 0 || box.height === 0) return;
    setDraft((current) => addPoint(current, toPhotoPoint(event.clientX, event.clientY, box, size)));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const result = onEditorKey(draft, event.key, event.shiftKey, size);
    if (!result.handled) return;
    event.preventDefault();
    event.stopPropagation();
    setDraft(result.draft);
  };

  const count = draft.points.length;
  const status = draft.closed ? t('outline.closed') : count < MIN_POINTS ? t('outline.needMore') : t('outline.open');

  return (
    <div className="outline-editor" data-testid={`${testIdPrefix}-editor`}>
      <p id={helpId} className="outline-editor__help">
        {t('outline.help')}
      </p>
      <div
        className="outline-editor__stage"
        role="application"
        tabIndex={0}
        aria-label={t('outline.editorLabel', { date })}
        aria-describedby={helpId}
        data-testid={`${testIdPrefix}-stage`}
        onKeyDown={onKeyDown}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
      >
        <img
          src={photo.urls.display}
          alt={t('outline.photoAlt', { date })}
          className="outline-editor__photo"
          data-testid={`${testIdPrefix}-photo`}
          draggable={false}
        />
        <svg
          ref={surface}
          className="outline-editor__surface"
          viewBox={`0 0 ${photo.width} ${photo.height}`}
          preserveAspectRatio="none"
          aria-hidden="true"
          data-testid={`${testIdPrefix}-surface`}
          onClick={onClick}
        >
          {count > 0 &&
            (draft.closed ? (
              <polygon className="outline-editor__shape outline-editor__shape--closed" points={svgPoints(draft.points)} strokeWidth={mark / 2} />
            ) : (
              <polyline className="outline-editor__shape" points={svgPoints(draft.points)} strokeWidth={mark / 2} />
            ))}
          {draft.points.map(([x, y], index) => (
            <circle key={index} className="outline-editor__point" cx={x} cy={y} r={mark} />
          ))}
          {focused && !draft.closed && (
            <g className="outline-editor__cursor" data-testid={`${testIdPrefix}-cursor`}>
              <line x1={draft.cursor[0] - mark * 3} y1={draft.cursor[1]} x2={draft.cursor[0] + mark * 3} y2={draft.cursor[1]} strokeWidth={mark / 2} />
              <line x1={draft.cursor[0]} y1={draft.cursor[1] - mark * 3} x2={draft.cursor[0]} y2={draft.cursor[1] + mark * 3} strokeWidth={mark / 2} />
            </g>
          )}
        </svg>
      </div>
      <p className="outline-editor__status" role="status" aria-live="polite" data-testid={`${testIdPrefix}-status`} data-closed={draft.closed}>
        {t('outline.pointCount', { count })} · {status}
      </p>
      <div className="outline-editor__actions">
        <button
          type="button"
          className="button button--secondary"
          data-testid={`${testIdPrefix}-close`}
          disabled={draft.closed || count < MIN_POINTS}
          onClick={() => setDraft(close)}
        >
          {t('outline.close')}
        </button>
        <button type="button" className="button button--secondary" data-testid={`${testIdPrefix}-undo`} disabled={count === 0} onClick={() => setDraft(undo)}>
          {t('outline.undo')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          data-testid={`${testIdPrefix}-clear`}
          disabled={count === 0}
          onClick={() => setDraft(emptyDraft(photo.width, photo.height))}
        >
          {t('outline.clear')}
        </button>
        <button
          type="button"
          className="button"
          data-testid={`${testIdPrefix}-save`}
          disabled={!draft.closed || saving}
          onClick={() => onSave(draft.points)}
        >
          {saving ? t('outline.saving') : (saveLabel ?? t('outline.save'))}
        </button>
      </div>
    </div>
  );
}
