import { describe, expect, it } from 'vitest';
import { addPoint, close, draftOf, emptyDraft, MAX_POINTS, onEditorKey, toPhotoPoint, undo } from './outlineEditing.ts';

const photo = { width: 4000, height: 3000 };

describe('outline editing', () => {
  it('maps a click on the shown photo to full-resolution pixels', () => {
    // Shown at 800 x 600 from (100, 50): the middle is the photo's middle.
    expect(toPhotoPoint(500, 350, { left: 100, top: 50, width: 800, height: 600 }, photo)).toEqual([2000, 1500]);
    // Outside the photo clamps to its edge (the server refuses outlines outside the photo).
    expect(toPhotoPoint(0, 2000, { left: 100, top: 50, width: 800, height: 600 }, photo)).toEqual([0, 3000]);
  });

  it('closes only with three points, and Escape undoes a point or reopens', () => {
    let draft = emptyDraft(photo.width, photo.height);
    draft = addPoint(addPoint(draft, [10, 10]), [100, 10]);
    expect(close(draft).closed).toBe(false);
    draft = close(addPoint(draft, [50, 90]));
    expect(draft.closed).toBe(true);
    expect(addPoint(draft, [1, 1]).points).toHaveLength(3); // closed: no more points
    draft = undo(draft);
    expect(draft.closed).toBe(false);
    expect(draft.points).toHaveLength(3);
    expect(undo(draft).points).toEqual([
      [10, 10],
      [100, 10],
    ]);
  });

  it('draws with the keyboard: arrows move the cross, Space places, Enter closes, Escape undoes', () => {
    let draft = emptyDraft(photo.width, photo.height);
    expect(draft.cursor).toEqual([2000, 1500]);
    const press = (key: string, shift = false) => {
      const result = onEditorKey(draft, key, shift, photo);
      draft = result.draft;
      return result.handled;
    };
    press(' ');
    press('ArrowRight'); // 2% of 4000 px
    press(' ');
    press('ArrowDown', true); // 0.5%
    press(' ');
    expect(draft.points).toEqual([
      [2000, 1500],
      [2080, 1500],
      [2080, 1520],
    ]);
    expect(press('Enter')).toBe(true);
    expect(draft.closed).toBe(true);
    expect(press('Escape')).toBe(true);
    expect(draft.closed).toBe(false);
    expect(press('Escape')).toBe(true);
    expect(draft.points).toHaveLength(2);
    expect(press('a')).toBe(false);
  });

  it('keeps to the server limit of points and starts closed from a saved outline', () => {
    let draft = emptyDraft(photo.width, photo.height);
    for (let i = 0; i < MAX_POINTS + 5; i += 1) draft = addPoint(draft, [i, i]);
    expect(draft.points).toHaveLength(MAX_POINTS);
    expect(draftOf([[1, 1], [5, 1], [3, 4]], 10, 10).closed).toBe(true);
  });
});
