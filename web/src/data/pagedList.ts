// The one paged-list hook. Every list the API pages with a cursor (`{items, nextCursor}`) is shown
// through usePagedList: the first page loads on mount, `loadMore` appends the next, `reload`
// starts again from the newest page while the items already shown stay on screen.

import {
  useInfiniteQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';

/** A page as every paged endpoint answers it. */
export interface Page<T> {
  items: T[];
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
}

/** `null` asks for the first page, a string for the page after that cursor. */
export type PageCursor = string | null;

export interface PagedListOptions<T> {
  queryKey: QueryKey;
  fetchPage: (cursor: PageCursor, signal: AbortSignal) => Promise<Page<T>>;
  /**
   * Identity of an item. Given, an item already shown is not shown again when a later page
   * repeats it (something written while the user pages shifts the pages by one).
   */
  itemKey?: (item: T) => string;
  enabled?: boolean;
}

export interface PagedList<T> {
  items: T[];
  /** The first page as the server answered it (for what a list answer carries beside its items). */
  firstPage: Page<T> | undefined;
  /** The first page has arrived (since the list was last emptied). */
  loaded: boolean;
  /** Any request is in flight: the first page, a refresh or the next page. */
  loading: boolean;
  loadingMore: boolean;
  /** The last request's failure, cleared by the next request. */
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** The infinite-query options behind usePagedList (exported so they can be tested without React). */
export function pagedListQuery<T>({ queryKey, fetchPage, enabled = true }: PagedListOptions<T>) {
  return {
    queryKey,
    queryFn: ({ pageParam, signal }: { pageParam: PageCursor; signal: AbortSignal }) =>
      fetchPage(pageParam, signal),
    initialPageParam: null as PageCursor,
    getNextPageParam: (last: Page<T>): PageCursor | undefined => last.nextCursor ?? undefined,
    enabled,
  };
}

/** The items of every loaded page in order, each once when `itemKey` is given. */
export function flattenPages<T>(pages: readonly Page<T>[], itemKey?: (item: T) => string): T[] {
  const items = pages.flatMap((page) => page.items);
  if (itemKey === undefined) return items;
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = itemKey(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Fetches the list again from its first page only. A plain refetch would fetch every page already
 * loaded, one after another; keeping the first page's data while it refetches means the list does
 * not flash empty.
 */
export async function restartFromFirstPage(client: QueryClient, queryKey: QueryKey): Promise<void> {
  await client.cancelQueries({ queryKey, exact: true });
  client.setQueryData<InfiniteData<unknown, PageCursor>>(queryKey, (data) =>
    data === undefined
      ? data
      : { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) },
  );
  await client.refetchQueries({ queryKey, exact: true });
}

export function usePagedList<T>(options: PagedListOptions<T>): PagedList<T> {
  const client = useQueryClient();
  const query = useInfiniteQuery(pagedListQuery(options));
  const { itemKey } = options;
  const { queryKey } = options;
  const pages = query.data?.pages;
  const items = useMemo(() => flattenPages(pages ?? [], itemKey), [pages, itemKey]);
  const { hasNextPage, isFetching, isFetchingNextPage, fetchNextPage } = query;

  const loadMore = useCallback(() => {
    // One page at a time: a second click while a page is on its way asks for nothing.
    if (hasNextPage && !isFetching) void fetchNextPage();
  }, [hasNextPage, isFetching, fetchNextPage]);

  // The key is an array made afresh on each render; its JSON names the same query every time.
  const keyText = JSON.stringify(queryKey);
  const reload = useCallback(() => {
    void restartFromFirstPage(client, JSON.parse(keyText) as QueryKey);
  }, [client, keyText]);

  return {
    items,
    firstPage: pages?.[0],
    loaded: query.data !== undefined,
    loading: isFetching,
    loadingMore: isFetchingNextPage,
    error: query.error,
    hasMore: hasNextPage && query.data !== undefined,
    loadMore,
    reload,
  };
}
