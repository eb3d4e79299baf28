// Data loading of the record section, on the app's data layer (src/data): every list through the
// one paged-list hook, every answer in TanStack Query's memory cache (never persisted).

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Icd10Code, RecordEntry, RecordKind, RecordVersion, VisitRecord } from '../api/types.ts';
import { queryKeys, usePagedList, type PagedList } from '../data/index.ts';
import { useServices } from '../services.tsx';

export const GROUP_PAGE_SIZE = 10;
const HISTORY_PAGE_SIZE = 20;

const entryKey = (entry: RecordEntry) => entry.entryId;
const versionKey = (version: RecordVersion) => String(version.version);

/** One kind's entries of the case, newest first, a page at a time (retracted ones included). */
export function useRecordGroup(caseId: string, kind: RecordKind): PagedList<RecordEntry> {
  const { api } = useServices();
  return usePagedList({
    queryKey: queryKeys.records(caseId, kind),
    fetchPage: (cursor, signal) =>
      api.listRecordEntries(
        caseId,
        cursor === null ? { kind, limit: GROUP_PAGE_SIZE } : { kind, limit: GROUP_PAGE_SIZE, cursor },
        signal,
      ),
    itemKey: entryKey,
  });
}

/** An entry's versions, newest first (keyed by the entry's current version: a new one refetches). */
export function useRecordHistory(entry: RecordEntry): PagedList<RecordVersion> {
  const { api } = useServices();
  return usePagedList({
    queryKey: queryKeys.recordHistory(entry.caseId, entry.entryId, entry.version),
    fetchPage: (cursor, signal) =>
      api.getRecordHistory(
        entry.caseId,
        entry.entryId,
        cursor === null ? { limit: HISTORY_PAGE_SIZE } : { limit: HISTORY_PAGE_SIZE, cursor },
        signal,
      ),
    itemKey: versionKey,
  });
}

/** The case's past video visits, newest first (the visit history and the entries' links). */
export function useCaseVisitRecordsQuery(caseId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.caseVisitRecords(caseId),
    queryFn: async ({ signal }) => (await api.listCaseVisits(caseId, 50, signal)).items,
  });
}

/** The case's past video visits (the entries' links point at them). */
export function useCaseVisitRecords(caseId: string): VisitRecord[] {
  return useCaseVisitRecordsQuery(caseId).data ?? [];
}

const SEARCH_DELAY_MS = 250;

export interface CodeSearchState {
  items: Icd10Code[];
  loading: boolean;
  error: unknown;
}

/** ICD-10 codes for what is typed, asked 250 ms after the last key (one request per pause). */
export function useIcd10Search(query: string): CodeSearchState {
  const { api } = useServices();
  const typed = query.trim().slice(0, 100);
  const [settled, setSettled] = useState(typed);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(typed), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  const enabled = /[A-Za-z0-9]/.test(settled);
  const search = useQuery({
    queryKey: queryKeys.icd10(settled),
    queryFn: ({ signal }) => api.searchIcd10(settled, 10, signal),
    enabled,
    // The code set changes once a year: an answer stays good for the whole session.
    staleTime: Infinity,
  });
  if (!/[A-Za-z0-9]/.test(typed)) return { items: [], loading: false, error: null };
  return {
    items: enabled ? (search.data?.items ?? []) : [],
    loading: typed !== settled || search.isFetching,
    error: search.error,
  };
}
