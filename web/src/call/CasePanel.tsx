import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { BodySite, Case } from '../api/types.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';

/** Loads photos only once the call has connected (or after a few seconds): the list presigns URLs,
 * which must not delay the call set-up. */
const PHOTOS_FALLBACK_MS = 4000;

/** The case beside the call (doctor's desk): facts, plan and photos, newest first. */
export function CasePanel({
  caseId,
  photosVersion,
  sites,
  clinicalCase,
  ready,
}: {
  caseId: string;
  photosVersion: number;
  sites: readonly BodySite[];
  clinicalCase: Case | null;
  ready: boolean;
}) {
  const { t } = useTranslation('call');
  const { api } = useServices();
  const [waited, setWaited] = useState(false);

  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), PHOTOS_FALLBACK_MS);
    return () => clearTimeout(timer);
  }, []);

  const photosQuery = useQuery({
    queryKey: [...queryKeys.photos(caseId, { limit: 12 }), { photosVersion }],
    queryFn: async ({ signal }) => (await api.listPhotos(caseId, { limit: 12 }, signal)).items,
    enabled: ready || waited,
    placeholderData: keepPreviousData,
  });
  const photos = photosQuery.data ?? null;
  const error = photosQuery.error;

  const label = (id: string) => siteLabel(sites, id);

  return (
    <aside className="case-panel" aria-label={t('casePanel.label')} data-testid="call-case-panel">
      {error !== null && <ErrorBanner error={error} onRetry={() => void photosQuery.refetch()} />}
      {clinicalCase !== null && (
        <>
          <h2 className="case-panel__title" translate="no">
            {clinicalCase.condition}
          </h2>
          {clinicalCase.bodySites.length > 0 && (
            <p className="case-panel__sites">
              <strong>{t('casePanel.bodySites')}</strong> {clinicalCase.bodySites.map(label).join(', ')}
            </p>
          )}
          {clinicalCase.followUpPlan !== null && clinicalCase.followUpPlan.trim() !== '' && (
            <p className="case-panel__plan">
              <strong>{t('casePanel.plan')}</strong> <span translate="no">{clinicalCase.followUpPlan}</span>
            </p>
          )}
          <Link className="button button--small" to={casePath(caseId)} target="_blank" rel="noreferrer">
            {t('casePanel.openCase')}
          </Link>
        </>
      )}
      <h3 className="case-panel__subtitle">{t('casePanel.photos')}</h3>
      {photos === null && <p className="empty">{t('casePanel.loading')}</p>}
      {photos !== null && photos.length === 0 && <p className="empty">{t('casePanel.empty')}</p>}
      {photos !== null && photos.length > 0 && (
        <ul className="case-panel__photos" data-testid="call-case-photos">
          {photos.map((photo) => (
            <li key={photo.photoId} className="case-panel__photo" data-testid="call-case-photo" data-photo-id={photo.photoId} data-source={photo.source}>
              <a href={photo.urls.display} target="_blank" rel="noreferrer">
                <img src={photo.urls.thumb} alt={`${label(photo.bodySite)}, ${formatDateTime(photo.capturedAt)}`} loading="lazy" />
              </a>
              <span className="case-panel__photo-caption">
                {label(photo.bodySite)} · {formatDateTime(photo.capturedAt)}
                {photo.source === 'visit' ? ` · ${t('casePanel.takenInVisit')}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
