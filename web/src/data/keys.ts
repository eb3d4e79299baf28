// Query keys, one factory for the whole app. A key is an array from the general to the specific:
// [resource, ...ids, detail?, query?]. Invalidating a prefix refreshes everything under it, so
// `queryKeys.case(id)` covers the case itself, its lesions, photos, scores and timeline.
// Add new resources here rather than writing key arrays inline in a screen.

import type { PhotoListQuery } from '../api/types.ts';

export const queryKeys = {
  /** Everything from the server: invalidating this refreshes every screen. */
  all: ['api'] as const,
  bodySites: () => [...queryKeys.all, 'body-sites'] as const,
  caseLists: () => [...queryKeys.all, 'cases', 'list'] as const,
  caseList: (pageSize: number) => [...queryKeys.caseLists(), { pageSize }] as const,
  case: (caseId: string) => [...queryKeys.all, 'cases', 'detail', caseId] as const,
  lesions: (caseId: string) => [...queryKeys.case(caseId), 'lesions'] as const,
  scores: (caseId: string) => [...queryKeys.case(caseId), 'scores'] as const,
  photos: (caseId: string, query: PhotoListQuery) => [...queryKeys.case(caseId), 'photos', query] as const,
  photo: (caseId: string, photoId: string) => [...queryKeys.case(caseId), 'photo', photoId] as const,
  timeline: (caseId: string, pageSize: number) => [...queryKeys.case(caseId), 'timeline', { pageSize }] as const,
  adminUsers: () => [...queryKeys.all, 'admin', 'users'] as const,
};
