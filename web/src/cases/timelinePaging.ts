// Cursor pagination of a case's timeline as a pure reducer: pages arrive newest first and are
// appended; a late answer for a cursor that is no longer wanted (after a refresh) is ignored.

import type { TimelineEvent } from '../api/types.ts';

export interface TimelineState {
  items: TimelineEvent[];
  /** Cursor of the page after the last one shown; null once the oldest event is shown. */
  nextCursor: string | null;
  /** The request in flight: `first` for the first page, the cursor for a later one. */
  loading: { cursor: string | null; generation: number } | null;
  error: unknown;
  /** Bumped by every refresh, so answers to older requests can be told apart. */
  generation: number;
  /** Whether the first page has arrived since the last refresh. */
  loaded: boolean;
}

export type TimelineAction =
  | { type: 'refresh' }
  | { type: 'loadMore' }
  | {
      type: 'pageLoaded';
      cursor: string | null;
      generation: number;
      items: TimelineEvent[];
      nextCursor: string | null;
    }
  | { type: 'pageFailed'; cursor: string | null; generation: number; error: unknown };

export const initialTimelineState: TimelineState = {
  items: [],
  nextCursor: null,
  loading: { cursor: null, generation: 0 },
  error: null,
  generation: 0,
  loaded: false,
};

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case 'refresh': {
      const generation = state.generation + 1;
      // Items stay on screen until the new first page replaces them (no flash of emptiness).
      return { ...state, generation, loading: { cursor: null, generation }, error: null };
    }
    case 'loadMore': {
      if (state.loading !== null || state.nextCursor === null || !state.loaded) return state;
      return {
        ...state,
        loading: { cursor: state.nextCursor, generation: state.generation },
        error: null,
      };
    }
    case 'pageLoaded': {
      if (!isCurrent(state, action)) return state;
      const items =
        action.cursor === null ? dedupe(action.items) : dedupe([...state.items, ...action.items]);
      return {
        ...state,
        items,
        nextCursor: action.nextCursor,
        loading: null,
        error: null,
        loaded: true,
      };
    }
    case 'pageFailed': {
      if (!isCurrent(state, action)) return state;
      return { ...state, loading: null, error: action.error };
    }
  }
}

/** The request the state asks for, if any: the component fetches exactly this. */
export function pendingRequest(state: TimelineState): { cursor: string | null; generation: number } | null {
  return state.loading;
}

export function canLoadMore(state: TimelineState): boolean {
  return state.loaded && state.loading === null && state.nextCursor !== null;
}

function isCurrent(
  state: TimelineState,
  action: { cursor: string | null; generation: number },
): boolean {
  return (
    state.loading !== null &&
    state.loading.generation === action.generation &&
    state.loading.cursor === action.cursor &&
    action.generation === state.generation
  );
}

/** Keeps the first occurrence of each event (an event written during paging may repeat). */
function dedupe(items: TimelineEvent[]): TimelineEvent[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.type}#${item.eventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
