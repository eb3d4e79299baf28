// Server data the pages share, each a thin hook over TanStack Query (see data/queryClient.ts).

import { useQuery } from '@tanstack/react-query';
import type { CaseSummary } from './api/types.ts';
import { queryKeys, usePagedList, type PagedList } from './data/index.ts';
import { useServices } from './services.tsx';

const CASE_PAGE_SIZE = 50;

/** The signed-in user's cases, page by page (GET /cases with its cursor). */
export function useCaseList(): PagedList<CaseSummary> {
  const { api } = useServices();
  return usePagedList({
    queryKey: queryKeys.caseList(CASE_PAGE_SIZE),
    fetchPage: (cursor, signal) =>
      api.listCases(cursor === null ? { limit: CASE_PAGE_SIZE } : { limit: CASE_PAGE_SIZE, cursor }, signal),
    itemKey: (item) => item.caseId,
  });
}

/** One case (GET /cases/{caseId}); `enabled: false` holds the request back (e.g. during a call set-up). */
export function useCaseDetail(caseId: string, enabled = true) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.caseDetail(caseId),
    queryFn: ({ signal }) => api.getCase(caseId, signal),
    enabled,
  });
}

/** Every account, for the admin's list (GET /admin/users). */
export function useAdminUsers() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.adminUsers(),
    queryFn: ({ signal }) => api.listAdminUsers(signal),
  });
}
