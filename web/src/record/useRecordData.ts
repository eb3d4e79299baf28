// Data loading of the record section, in small hooks of its own (one place to move to the app's
// shared data layer when it has one).

import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbortError } from '../api/client.ts';
import type { Icd10Code, RecordEntry, RecordKind, RecordVersion, VisitRecord } from '../api/types.ts';
import { useKeptResource, type KeptResource } from '../cases/useCaseData.ts';
import { useServices } from '../services.tsx';

export const GROUP_PAGE_SIZE = 10;

export interface PagedList<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/**
 * One page at a time of a cursor-paged list; `load(cursor)` fetches a page. A new `load` (or
 * reload) starts again from the first page; a late answer of a superseded request is dropped.
 */
export function usePagedList<T>(
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<{ items: T[]; nextCursor: string | null }>,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [requested, setRequested] = useState<{ cursor: string | undefined; generation: number }>({
    cursor: undefined,
    generation: 0,
  });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);

  useEffect(() => {
    // A new loader (another case, another kind) starts from the first page.
    setRequested((current) => ({ cursor: undefined, generation: current.generation + 1 }));
  }, [load]);

  useEffect(() => {
    if (requested.generation === 0) return undefined;
    const controller = new AbortController();
    const request = ++latest.current;
    setLoading(true);
    load(requested.cursor, controller.signal).then(
      (page) => {
        if (controller.signal.aborted || request !== latest.current) return;
        setItems((previous) => (requested.cursor === undefined ? page.items : [...previous, ...page.items]));
        setNextCursor(page.nextCursor);
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
    // `load` is deliberately absent: its change resets `requested`, which runs this again.
  }, [requested]);

  const loadMore = useCallback(() => {
    if (nextCursor !== null) setRequested((current) => ({ cursor: nextCursor, generation: current.generation + 1 }));
  }, [nextCursor]);
  const reload = useCallback(() => setRequested((current) => ({ cursor: undefined, generation: current.generation + 1 })), []);

  return { items, loading, error, hasMore: nextCursor !== null, loadMore, reload };
}

/** One kind's entries of the case, newest first, a page at a time (retracted ones included). */
export function useRecordGroup(caseId: string, kind: RecordKind): PagedList<RecordEntry> {
  const { api } = useServices();
  const load = useCallback(
    (cursor: string | undefined, signal: AbortSignal) =>
      api.listRecordEntries(
        caseId,
        cursor === undefined ? { kind, limit: GROUP_PAGE_SIZE } : { kind, limit: GROUP_PAGE_SIZE, cursor },
        signal,
      ),
    [api, caseId, kind],
  );
  return usePagedList(load);
}

/** An entry's versions, newest first. */
export function useRecordHistory(caseId: string, entryId: string): PagedList<RecordVersion> {
  const { api } = useServices();
  const load = useCallback(
    (cursor: string | undefined, signal: AbortSignal) =>
      api.getRecordHistory(caseId, entryId, cursor === undefined ? { limit: 20 } : { limit: 20, cursor }, signal),
    [api, caseId, entryId],
  );
  return usePagedList(load);
}

/** The case's past video visits (the entries' links point at them). */
export function useCaseVisits(caseId: string): KeptResource<VisitRecord[]> {
  const { api } = useServices();
  const load = useCallback(
    async (signal: AbortSignal) => (await api.listCaseVisits(caseId, 50, signal)).items,
    [api, caseId],
  );
  return useKeptResource(load);
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
  const [state, setState] = useState<CodeSearchState>({ items: [], loading: false, error: null });
  const text = query.trim();

  useEffect(() => {
    if (!/[A-Za-z0-9]/.test(text)) {
      setState({ items: [], loading: false, error: null });
      return undefined;
    }
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    const timer = setTimeout(() => {
      api.searchIcd10(text.slice(0, 100), 10, controller.signal).then(
        (answer) => {
          if (!controller.signal.aborted) setState({ items: answer.items, loading: false, error: null });
        },
        (failure: unknown) => {
          if (!controller.signal.aborted && !isAbortError(failure)) setState({ items: [], loading: false, error: failure });
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, text]);

  return state;
}
