// A lesion's baseline and measured series (TanStack Query; see data/queryClient.ts).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LesionBaselineRequest, LesionOutlineRequest, LesionSeries } from '../api/types.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

/** A lesion has a handful of photos a year: one page of 100 holds its series. */
const SERIES_LIMIT = 100;
/** How often to ask again while a photo waits for its measurement (a few seconds in the pipeline). */
export const PENDING_POLL_MS = 3_000;

export function useLesionSeries(caseId: string, lesionId: string | null, pollWhile: (series: LesionSeries) => boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.lesionMeasurements(caseId, lesionId ?? ''),
    queryFn: ({ signal }) => api.getLesionMeasurements(caseId, lesionId ?? '', { limit: SERIES_LIMIT }, signal),
    enabled: lesionId !== null,
    refetchInterval: (query) => (query.state.data !== undefined && pollWhile(query.state.data) ? PENDING_POLL_MS : false),
  });
}

export function useSetBaseline(caseId: string, lesionId: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: LesionBaselineRequest) => api.setLesionBaseline(caseId, lesionId, request),
    onSuccess: () => reloadChanged(client, queryKeys.lesionMeasurements(caseId, lesionId)),
  });
}

/** A doctor confirms or corrects a follow-up's outline; the series is read again (figures, flags). */
export function useSetOutline(caseId: string, lesionId: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ photoId, request }: { photoId: string; request: LesionOutlineRequest }) =>
      api.setLesionOutline(caseId, lesionId, photoId, request),
    onSuccess: () => reloadChanged(client, queryKeys.lesionMeasurements(caseId, lesionId)),
  });
}
