import { useEffect, useReducer, useRef } from 'react';
import type { BodySite, TimelineEvent } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { describeEvent, flagLabel } from './eventText.ts';
import { canLoadMore, initialTimelineState, timelineReducer } from './timelinePaging.ts';

const PAGE_SIZE = 20;

/** Everything that happened on the case, newest first, a page at a time. */
export function TimelinePanel({
  caseId,
  sites,
  version,
}: {
  caseId: string;
  sites: BodySite[] | undefined;
  version: number;
}) {
  const { api } = useServices();
  const [state, dispatch] = useReducer(timelineReducer, initialTimelineState);
  const request = state.loading;

  // A change elsewhere on the page (a new photo or score) starts again from the newest page.
  const shownVersion = useRef(version);
  useEffect(() => {
    if (shownVersion.current === version) return;
    shownVersion.current = version;
    dispatch({ type: 'refresh' });
  }, [version]);

  useEffect(() => {
    if (request === null) return undefined;
    const controller = new AbortController();
    const query = request.cursor === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, cursor: request.cursor };
    api.getTimeline(caseId, query, controller.signal).then(
      (page) =>
        dispatch({
          type: 'pageLoaded',
          cursor: request.cursor,
          generation: request.generation,
          items: page.items,
          nextCursor: page.nextCursor,
        }),
      (error: unknown) => {
        if (!controller.signal.aborted) {
          dispatch({ type: 'pageFailed', cursor: request.cursor, generation: request.generation, error });
        }
      },
    );
    return () => controller.abort();
  }, [api, caseId, request]);

  return (
    <div className="timeline" data-testid="timeline">
      <div className="section-heading">
        <h3>Course of the case</h3>
        <button
          type="button"
          className="button button--small"
          data-testid="timeline-refresh"
          disabled={state.loading !== null}
          onClick={() => dispatch({ type: 'refresh' })}
        >
          Refresh
        </button>
      </div>
      {!state.loaded && state.loading !== null && <Loading label="Loading the timeline…" />}
      {state.loaded && state.items.length === 0 && <p className="empty">Nothing has happened on this case yet.</p>}
      {state.items.length > 0 && (
        <ol className="timeline__list" data-testid="timeline-list">
          {state.items.map((event) => (
            <li
              key={`${event.type}#${event.eventId}`}
              className={`timeline__item timeline__item--${event.type}`}
              data-testid="timeline-item"
              data-type={event.type}
              data-occurred-at={event.occurredAt}
              data-ref-id={event.refId}
            >
              <span className="timeline__icon" aria-hidden="true" />
              <div className="timeline__body">
                <span className="timeline__kind">{KINDS[event.type] ?? event.type}</span>
                <p className="timeline__title">{describeEvent(event, sites)}</p>
                <EventFlags event={event} />
                <time className="timeline__time" dateTime={event.occurredAt}>
                  {formatDateTime(event.occurredAt)}
                </time>
              </div>
            </li>
          ))}
        </ol>
      )}
      {state.error !== null && (
        <ErrorBanner
          error={state.error}
          onRetry={() => dispatch({ type: state.loaded ? 'loadMore' : 'refresh' })}
        />
      )}
      {canLoadMore(state) && (
        <button
          type="button"
          className="button button--secondary button--block"
          data-testid="timeline-load-more"
          onClick={() => dispatch({ type: 'loadMore' })}
        >
          Load older events
        </button>
      )}
      {state.loaded && state.loading !== null && state.loading.cursor !== null && <Loading label="Loading older events…" />}
    </div>
  );
}

const KINDS: Record<string, string> = {
  photo: 'Photo',
  score: 'Score',
  visit: 'Visit',
  record: 'Record',
  note: 'Note',
  consultation: 'Consultation',
  case: 'Case',
};

function EventFlags({ event }: { event: TimelineEvent }) {
  const flags = event.summary?.flags;
  if (!Array.isArray(flags) || flags.length === 0) return null;
  return (
    <ul className="flag-list">
      {flags
        .filter((flag): flag is string => typeof flag === 'string')
        .map((flag) => (
          <li key={flag} className={`flag flag--${flag.includes('worsened') ? 'worse' : 'better'}`} data-testid="timeline-flag">
            {flagLabel(flag)}
          </li>
        ))}
    </ul>
  );
}
