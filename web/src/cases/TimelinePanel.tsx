import { useTranslation } from 'react-i18next';
import type { BodySite, TimelineEvent } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys, usePagedList } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { describeEvent, flagLabel } from './eventText.ts';
import { textForCode } from './translateCode.ts';

const PAGE_SIZE = 20;

/** An event written while the user pages shifts the pages by one; each is shown once. */
const eventKey = (event: TimelineEvent): string => `${event.type}#${event.eventId}`;

/** Everything that happened on the case, newest first, a page at a time. */
export function TimelinePanel({ caseId, sites }: { caseId: string; sites: BodySite[] | undefined }) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const timeline = usePagedList({
    queryKey: queryKeys.timeline(caseId, PAGE_SIZE),
    fetchPage: (cursor, signal) =>
      api.getTimeline(caseId, cursor === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, cursor }, signal),
    itemKey: eventKey,
  });

  return (
    <div className="timeline" data-testid="timeline">
      <div className="section-heading">
        <h3>{t('timeline.title')}</h3>
        <button
          type="button"
          className="button button--small"
          data-testid="timeline-refresh"
          disabled={timeline.loading}
          onClick={timeline.reload}
        >
          {t('timeline.refresh')}
        </button>
      </div>
      {!timeline.loaded && timeline.loading && <Loading label={t('timeline.loading')} />}
      {timeline.loaded && timeline.items.length === 0 && <p className="empty">{t('timeline.empty')}</p>}
      {timeline.items.length > 0 && (
        <ol className="timeline__list" data-testid="timeline-list">
          {timeline.items.map((event) => (
            <li
              key={eventKey(event)}
              className={`timeline__item timeline__item--${event.type}`}
              data-testid="timeline-item"
              data-type={event.type}
              data-occurred-at={event.occurredAt}
              data-ref-id={event.refId}
            >
              <span className="timeline__icon" aria-hidden="true" />
              <div className="timeline__body">
                <span className="timeline__kind">{textForCode('timeline.kind', event.type, event.type)}</span>
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
      {timeline.error !== null && (
        <ErrorBanner error={timeline.error} onRetry={timeline.loaded ? timeline.loadMore : timeline.reload} />
      )}
      {timeline.hasMore && !timeline.loading && (
        <button
          type="button"
          className="button button--secondary button--block"
          data-testid="timeline-load-more"
          onClick={timeline.loadMore}
        >
          {t('timeline.loadMore')}
        </button>
      )}
      {timeline.loadingMore && <Loading label={t('timeline.loadingMore')} />}
    </div>
  );
}

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
