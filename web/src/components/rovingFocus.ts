// One Tab stop for a group of many controls (the body figures: 28 sites a side), the arrow keys moving
// between them (WAI-ARIA's roving tabindex). Without it a keyboard user crosses 56 stops of the body
// map to reach anything after it.

import { useState, type KeyboardEvent, type RefObject } from 'react';

/** Where an arrow, Home or End key moves from `index` among `count` controls (wrapping); null: not ours. */
export function rovingStep(key: string, index: number, count: number): number | null {
  if (count === 0 || index < 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * `ids` in their order; the Tab stop is the control last focused, else `preferred` (the selected one),
 * else the first. Each control carries `data-roving-id` so the arrow keys can move the focus to it.
 */
export function useRovingFocus(ids: readonly string[], preferred: string | null, container: RefObject<Element | null>) {
  const [last, setLast] = useState<string | null>(null);
  const stop = last !== null && ids.includes(last) ? last : preferred !== null && ids.includes(preferred) ? preferred : (ids[0] ?? null);
  return {
    tabIndex: (id: string): 0 | -1 => (id === stop ? 0 : -1),
    onFocus: (id: string) => setLast(id),
    /** Handles the arrow, Home and End keys (true when it did). */
    onKeyDown: (event: KeyboardEvent, id: string): boolean => {
      const step = rovingStep(event.key, ids.indexOf(id), ids.length);
      if (step === null) return false;
      event.preventDefault();
      const next = ids[step];
      if (next === undefined) return false;
      setLast(next);
      container.current?.querySelector<HTMLElement | SVGElement>(`[data-roving-id="${next}"]`)?.focus();
      return true;
    },
  };
}
