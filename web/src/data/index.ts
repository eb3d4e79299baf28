// The data layer: see queryClient.ts for how screens load data.
export { DataProvider } from './DataProvider.tsx';
export { createQueryClient, dropCacheWhenUserChanges, isTransient, reloadChanged, shouldRetry, storeChanged } from './queryClient.ts';
export { queryKeys } from './keys.ts';
export {
  flattenPages,
  pagedListQuery,
  restartFromFirstPage,
  usePagedList,
  type Page,
  type PageCursor,
  type PagedList,
  type PagedListOptions,
} from './pagedList.ts';
export { describe as describePerson, nameOf, useDisplayName, usePeople } from './people.ts';
