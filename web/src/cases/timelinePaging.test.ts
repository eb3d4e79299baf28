import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../api/types.ts';
import { canLoadMore, initialTimelineState, timelineReducer, type TimelineState } from './timelinePaging.ts';

function event(id: string, occurredAt: string, type = 'photo'): TimelineEvent {
  return { eventId: id, type, occurredAt, actorId: 'u-1', refId: id, summary: {} };
}

const first = [event('e3', '2026-03-03T10:00:00+00:00'), event('e2', '2026-03-02T10:00:00+00:00', 'score')];
const second = [event('e1', '2026-03-01T10:00:00+00:00', 'visit')];

function loadedFirstPage(): TimelineState {
  return timelineReducer(initialTimelineState, {
    type: 'pageLoaded',
    cursor: null,
    generation: 0,
    items: first,
    nextCursor: 'c1',
  });
}

describe('timelineReducer', () => {
  it('starts by asking for the first page', () => {
    expect(initialTimelineState.loading).toEqual({ cursor: null, generation: 0 });
    expect(canLoadMore(initialTimelineState)).toBe(false);
  });

  it('shows the first page and offers more while there is a cursor', () => {
    const state = loadedFirstPage();
    expect(state.items.map((item) => item.eventId)).toEqual(['e3', 'e2']);
    expect(state.loading).toBeNull();
    expect(canLoadMore(state)).toBe(true);
  });

  it('appends the next page after the ones shown (newest first overall)', () => {
    let state = timelineReducer(loadedFirstPage(), { type: 'loadMore' });
    expect(state.loading).toEqual({ cursor: 'c1', generation: 0 });
    expect(canLoadMore(state)).toBe(false);
    state = timelineReducer(state, { type: 'pageLoaded', cursor: 'c1', generation: 0, items: second, nextCursor: null });
    expect(state.items.map((item) => item.eventId)).toEqual(['e3', 'e2', 'e1']);
    expect(canLoadMore(state)).toBe(false);
  });

  it('ignores "load more" while a page is on the way or at the end', () => {
    const loading = timelineReducer(loadedFirstPage(), { type: 'loadMore' });
    expect(timelineReducer(loading, { type: 'loadMore' })).toBe(loading);
    const end = timelineReducer(initialTimelineState, {
      type: 'pageLoaded', cursor: null, generation: 0, items: first, nextCursor: null,
    });
    expect(timelineReducer(end, { type: 'loadMore' })).toBe(end);
  });

  it('drops a late page from before a refresh', () => {
    const more = timelineReducer(loadedFirstPage(), { type: 'loadMore' });
    const refreshed = timelineReducer(more, { type: 'refresh' });
    expect(refreshed.loading).toEqual({ cursor: null, generation: 1 });
    const late = timelineReducer(refreshed, {
      type: 'pageLoaded', cursor: 'c1', generation: 0, items: second, nextCursor: null,
    });
    expect(late).toBe(refreshed);
    const fresh = timelineReducer(refreshed, {
      type: 'pageLoaded', cursor: null, generation: 1, items: [event('e4', '2026-03-04T10:00:00+00:00'), ...first], nextCursor: 'c2',
    });
    expect(fresh.items.map((item) => item.eventId)).toEqual(['e4', 'e3', 'e2']);
    expect(fresh.nextCursor).toBe('c2');
  });

  it('keeps an event once when it shows up on two pages', () => {
    const more = timelineReducer(loadedFirstPage(), { type: 'loadMore' });
    const state = timelineReducer(more, {
      type: 'pageLoaded', cursor: 'c1', generation: 0, items: [first[1]!, ...second], nextCursor: null,
    });
    expect(state.items.map((item) => item.eventId)).toEqual(['e3', 'e2', 'e1']);
  });

  it('keeps what is shown on a failed page and allows a retry', () => {
    const more = timelineReducer(loadedFirstPage(), { type: 'loadMore' });
    const failed = timelineReducer(more, { type: 'pageFailed', cursor: 'c1', generation: 0, error: new Error('x') });
    expect(failed.items).toHaveLength(2);
    expect(failed.error).toBeInstanceOf(Error);
    expect(canLoadMore(failed)).toBe(true);
    expect(timelineReducer(failed, { type: 'loadMore' }).error).toBeNull();
  });
});
