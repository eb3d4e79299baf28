import { useQuery } from '@tanstack/react-query';
import type { Photo, RecordLinks, VisitRecord } from '../api/types.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { queryKeys } from '../data/index.ts';
import { formatDate, formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { useRecordCase } from './context.ts';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.ts';

export function visitLabel(visit: VisitRecord | undefined): string {
  if (visit === undefined) return i18next.t('record:links.visitGone');
  const when = formatDateTime(visit.startedAt ?? visit.requestedAt);
  if (visit.durationSeconds === null) return i18next.t('record:links.visit', { when });
  return i18next.t('record:links.visitMinutes', { when, minutes: Math.max(1, Math.round(visit.durationSeconds / 60)) });
}

function photoLabel(photo: Photo | undefined, sites: Parameters<typeof siteLabel>[0]): string {
  if (photo === undefined) return i18next.t('record:links.photo');
  return i18next.t('record:links.photoLabel', { site: siteLabel(sites, photo.bodySite), date: formatDate(photo.capturedAt) });
}

/** An entry's linked visits and photos (photos as thumbnails). */
export function LinkedItems({ links }: { links: RecordLinks }) {
  const { clinicalCase, visits, photos, sites } = useRecordCase();
  useTranslation('record'); // re-renders the labels when the language changes
  if (links.visitIds.length === 0 && links.photoIds.length === 0) return null;
  return (
    <div className="record-links" data-testid="record-links">
      {links.visitIds.length > 0 && (
        <ul className="record-links__visits">
          {links.visitIds.map((visitId) => (
            <li key={visitId} data-testid="record-link-visit" data-visit-id={visitId}>
              {visitLabel(visits.find((visit) => visit.roomId === visitId))}
            </li>
          ))}
        </ul>
      )}
      {links.photoIds.length > 0 && (
        <ul className="record-links__photos">
          {links.photoIds.map((photoId) => {
            const photo = photos.find((candidate) => candidate.photoId === photoId);
            return (
              <li key={photoId} data-testid="record-link-photo" data-photo-id={photoId}>
                {photo !== undefined ? (
                  <img className="record-links__thumb" src={photo.urls.thumb} alt={photoLabel(photo, sites)} loading="lazy" />
                ) : (
                  <OlderPhoto caseId={clinicalCase.caseId} photoId={photoId} sites={sites} />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** A linked photo older than the case's newest 50 (those the section lists), fetched by itself. */
function OlderPhoto({ caseId, photoId, sites }: { caseId: string; photoId: string; sites: Parameters<typeof siteLabel>[0] }) {
  const { api } = useServices();
  const { t } = useTranslation('record');
  const photo = useQuery({
    queryKey: queryKeys.photo(caseId, photoId),
    queryFn: ({ signal }) => api.getPhoto(caseId, photoId, signal),
    // Its presigned URLs live 5 minutes: fetch again before they run out.
    staleTime: 4 * 60_000,
    refetchInterval: 4 * 60_000,
  });
  if (photo.data !== undefined) {
    return <img className="record-links__thumb" src={photo.data.urls.thumb} alt={photoLabel(photo.data, sites)} loading="lazy" />;
  }
  return <span className="record-links__missing">{photo.isError ? t('links.photoRemoved') : t('links.loadingPhoto')}</span>;
}

/** Pick the case's visits and photos an entry refers to. */
export function LinksPicker({ links, onChange }: { links: RecordLinks; onChange: (links: RecordLinks) => void }) {
  const { visits, photos, sites } = useRecordCase();
  const { t } = useTranslation('record');
  const toggle = (list: 'visitIds' | 'photoIds', id: string) => {
    const current = links[list];
    onChange({ ...links, [list]: current.includes(id) ? current.filter((item) => item !== id) : [...current, id] });
  };
  return (
    <fieldset className="links-picker" data-testid="record-links-picker">
      <legend className="field__label">{t('links.refersTo')}</legend>
      {visits.length === 0 && photos.length === 0 && <p className="hint">{t('links.none')}</p>}
      {visits.length > 0 && (
        <ul className="links-picker__visits">
          {visits.map((visit) => (
            <li key={visit.roomId}>
              <label className="choice">
                <input
                  type="checkbox"
                  data-testid="record-pick-visit"
                  data-visit-id={visit.roomId}
                  checked={links.visitIds.includes(visit.roomId)}
                  onChange={() => toggle('visitIds', visit.roomId)}
                />{' '}
                {visitLabel(visit)}
              </label>
            </li>
          ))}
        </ul>
      )}
      {photos.length > 0 && (
        <ul className="links-picker__photos">
          {photos.map((photo) => {
            const picked = links.photoIds.includes(photo.photoId);
            return (
              <li key={photo.photoId}>
                <button
                  type="button"
                  className={`links-picker__photo${picked ? ' links-picker__photo--picked' : ''}`}
                  aria-pressed={picked}
                  data-testid="record-pick-photo"
                  data-photo-id={photo.photoId}
                  onClick={() => toggle('photoIds', photo.photoId)}
                >
                  <img src={photo.urls.thumb} alt={photoLabel(photo, sites)} loading="lazy" />
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
}
