// The case follow-up's server data, each a thin hook over TanStack Query (see data/queryClient.ts).
// A change on the case (a photo accepted or removed, a lesion added, a score recorded) reloads (reloadChanged)
// `queryKeys.caseFollowUp(caseId)`, so every list below that is on screen loads again.

import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Lesion, Photo, PhotoListQuery, Score } from '../api/types.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

/** The vocabulary changes with a release, not during a visit to the page. */
const BODY_SITES_STALE_MS = 10 * 60_000;

/** The body-site vocabulary (GET /body-sites). */
export function useBodySites() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.bodySites(),
    queryFn: ({ signal }) => api.getBodySites(signal),
    staleTime: BODY_SITES_STALE_MS,
  });
}

/** Tells every follow-up list of the case to load again. */
export function useCaseChanged(caseId: string): () => void {
  const client = useQueryClient();
  return useCallback(() => void reloadChanged(client, queryKeys.caseFollowUp(caseId)), [client, caseId]);
}

/** Pages of 100 are followed up to this many: a case has tens of lesions at most. */
const LESION_PAGES = 10;

/** Every lesion of the case. */
export function useLesions(caseId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.lesions(caseId),
    queryFn: async ({ signal }) => {
      const all: Lesion[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < LESION_PAGES; page += 1) {
        const answer = await api.listLesions(
          caseId,
          cursor === undefined ? { limit: 100 } : { limit: 100, cursor },
          signal,
        );
        all.push(...answer.items);
        if (answer.nextCursor === null) break;
        cursor = answer.nextCursor;
      }
      return all;
    },
  });
}

/** Every score of the case, oldest first (the trend order), up to 200. */
export function useScores(caseId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.scores(caseId),
    queryFn: async ({ signal }): Promise<Score[]> => (await api.listScores(caseId, { limit: 200 }, signal)).items,
  });
}

/** Fetch again this long before presigned URLs run out. */
const URL_REFRESH_MARGIN_MS = 20_000;
/** Never sooner than this, even if a URL is already about to expire. */
const MIN_URL_REFRESH_MS = 5_000;

/**
 * Photos of the case (newest capture first), optionally of one site or lesion. Their presigned URLs
 * live 5 minutes, so the list is fetched again shortly before they expire while it is on screen.
 * Changing the filter keeps the previous list visible until the new one arrives.
 */
export function usePhotoList(caseId: string, query: PhotoListQuery, enabled = true) {
  const { api } = useServices();
  const { bodySite, lesionId, limit = 50 } = query;
  const request: PhotoListQuery = { limit };
  if (bodySite !== undefined) request.bodySite = bodySite;
  if (lesionId !== undefined) request.lesionId = lesionId;
  return useQuery({
    queryKey: queryKeys.photos(caseId, request),
    queryFn: async ({ signal }): Promise<Photo[]> => (await api.listPhotos(caseId, request, signal)).items,
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval: (current) => urlRenewalDelay(current.state.data, Date.now()),
    // The URLs expire whether or not the tab is visible; a list shown after a while must work.
    refetchIntervalInBackground: true,
  });
}

/** One photo with fresh short-lived URLs (GET /cases/{caseId}/photos/{photoId}); the previous one stays while it loads. */
export function usePhoto(caseId: string, photoId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.photo(caseId, photoId),
    queryFn: ({ signal }) => api.getPhoto(caseId, photoId, signal),
    placeholderData: keepPreviousData,
  });
}

/** How long until the photos' URLs should be renewed; false when there is nothing to renew. */
export function urlRenewalDelay(photos: readonly Photo[] | undefined, now: number): number | false {
  if (photos === undefined) return false;
  const expiry = earliestExpiry(photos);
  if (expiry === null) return false;
  return Math.max(MIN_URL_REFRESH_MS, expiry - now - URL_REFRESH_MARGIN_MS);
}

function earliestExpiry(photos: readonly Photo[]): number | null {
  let earliest: number | null = null;
  for (const photo of photos) {
    const time = Date.parse(photo.urlsExpireAt);
    if (!Number.isNaN(time) && (earliest === null || time < earliest)) earliest = time;
  }
  return earliest;
}
