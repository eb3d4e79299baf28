import { useCallback, useEffect, useState } from 'react';
import { isAbortError } from './api/client.ts';
import type { CaseSummary } from './api/types.ts';
import { useServices } from './services.tsx';

export type AsyncState<T> =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ready'; data: T };

/**
 * Loads data for a page and cancels the request if the page goes away first, so a late answer
 * never lands on a page the user has left (or on the sign-in page after a sign-out).
 */
export function useAsyncResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'ready', data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbortError(error)) setState({ status: 'error', error });
      },
    );
    return () => controller.abort();
  }, [load, attempt]);

  const reload = useCallback(() => setAttempt((count) => count + 1), []);
  return { ...state, reload };
}

const CASE_PAGE_SIZE = 50;

export interface CaseListState {
  items: CaseSummary[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** The signed-in user's cases, page by page (GET /cases with its cursor). */
export function useCaseList(): CaseListState {
  const { api } = useServices();
  const [items, setItems] = useState<CaseSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  // `undefined` asks for the first page; a string asks for the page after it.
  const [requestedCursor, setRequestedCursor] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    const query = requestedCursor === undefined
      ? { limit: CASE_PAGE_SIZE }
      : { limit: CASE_PAGE_SIZE, cursor: requestedCursor };
    api.listCases(query, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setItems((previous) => (requestedCursor === undefined ? page.items : [...previous, ...page.items]));
        setNextCursor(page.nextCursor);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted || isAbortError(failure)) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [api, requestedCursor, generation]);

  const loadMore = useCallback(() => {
    if (nextCursor !== null) setRequestedCursor(nextCursor);
  }, [nextCursor]);

  const reload = useCallback(() => {
    setRequestedCursor(undefined);
    setGeneration((count) => count + 1);
  }, []);

  return { items, loading, error, hasMore: nextCursor !== null, loadMore, reload };
}
