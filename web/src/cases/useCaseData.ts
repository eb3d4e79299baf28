import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  BodySiteVocabulary,
  Lesion,
  Photo,
  PhotoListQuery,
  Score,
} from '../api/types.ts';
import { isAbortError } from '../api/client.ts';
import { useServices } from '../services.tsx';

/** What a loader shows: the last data stays on screen while a newer copy is on its way. */
export interface KeptResource<T> {
  data: T | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
}

/**
 * Like useAsyncResource, but a reload (a new `load`, or `reload()`) keeps the previous data visible
 * instead of going back to a loading state, so refreshing a list does not make it flicker.
 * A late answer of a superseded request is dropped.
 */
export function useKeptResource<T>(load: (signal: AbortSignal) => Promise<T>): KeptResource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const request = ++latest.current;
    setLoading(true);
    load(controller.signal).then(
      (answer) => {
        if (controller.signal.aborted || request !== latest.current) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted || isAbortError(failure) || request !== latest.current) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [load, attempt]);

  const reload = useCallback(() => setAttempt((count) => count + 1), []);
  return { data, loading, error, reload };
}

/** The body-site vocabulary (GET /body-sites): one fetch per page. */
export function useBodySites(): KeptResource<BodySiteVocabulary> {
  const { api } = useServices();
  const load = useCallback((signal: AbortSignal) => api.getBodySites(signal), [api]);
  return useKeptResource(load);
}

/** Every lesion of the case (a case has tens at most; pages of 100 are followed). */
export function useLesions(caseId: string, version: number) {
  const { api } = useServices();
  const load = useCallback(
    async (signal: AbortSignal) => {
      const all: Lesion[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
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
    // `version` asks for a fresh list after a change.
    [api, caseId, version],
  );
  return useKeptResource(load);
}

/** Every score of the case, oldest first (the trend order), up to 200. */
export function useScores(caseId: string, version: number) {
  const { api } = useServices();
  const load = useCallback(
    async (signal: AbortSignal): Promise<Score[]> => (await api.listScores(caseId, { limit: 200 }, signal)).items,
    [api, caseId, version],
  );
  return useKeptResource(load);
}

/** Fetch again this long before presigned URLs run out. */
const URL_REFRESH_MARGIN_MS = 20_000;

/**
 * Photos of the case (newest capture first), optionally of one site or lesion. Their presigned URLs
 * live 5 minutes, so the list is fetched again shortly before they expire while it is on screen.
 */
export function usePhotoList(
  caseId: string,
  query: PhotoListQuery,
  version: number,
  enabled = true,
): KeptResource<Photo[]> {
  const { api } = useServices();
  const { bodySite, lesionId, limit = 50 } = query;
  const [renewals, setRenewals] = useState(0);
  const load = useCallback(
    async (signal: AbortSignal): Promise<Photo[]> => {
      if (!enabled) return [];
      const request: PhotoListQuery = { limit };
      if (bodySite !== undefined) request.bodySite = bodySite;
      if (lesionId !== undefined) request.lesionId = lesionId;
      return (await api.listPhotos(caseId, request, signal)).items;
    },
    [api, caseId, bodySite, lesionId, limit, version, renewals, enabled],
  );
  const state = useKeptResource(load);
  const expiry = state.data !== undefined ? earliestExpiry(state.data) : null;
  useEffect(() => {
    if (expiry === null) return undefined;
    const delay = Math.max(5_000, expiry - Date.now() - URL_REFRESH_MARGIN_MS);
    const timer = setTimeout(() => setRenewals((count) => count + 1), delay);
    return () => clearTimeout(timer);
  }, [expiry]);
  return state;
}

function earliestExpiry(photos: readonly Photo[]): number | null {
  let earliest: number | null = null;
  for (const photo of photos) {
    const time = Date.parse(photo.urlsExpireAt);
    if (!Number.isNaN(time) && (earliest === null || time < earliest)) earliest = time;
  }
  return earliest;
}
