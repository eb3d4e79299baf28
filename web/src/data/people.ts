// People by name: the one hook every screen uses to show a person. Names come from the user
// directory through GET /people (cached there for 5 minutes); here they stay in memory only, never
// in localStorage, and a person the caller may not see simply has no entry.

import { useQuery } from '@tanstack/react-query';
import type { Person } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import { useServices } from '../services.tsx';
import { queryKeys } from './keys.ts';

// Names change rarely: 5 minutes, as the server's cache, so a case page's many authors cost one request.
const PEOPLE_STALE_MS = 5 * 60 * 1000;
const MAX_IDS_PER_REQUEST = 50;

/** Display profiles by user id for the given ids (missing while loading, or when not visible). */
export function usePeople(userIds: readonly (string | null | undefined)[]): Map<string, Person> {
  const { api } = useServices();
  const ids = [...new Set(userIds.filter((id): id is string => typeof id === 'string' && id !== ''))]
    .sort()
    .slice(0, MAX_IDS_PER_REQUEST);
  const query = useQuery({
    queryKey: queryKeys.people(ids),
    queryFn: ({ signal }) => api.getPeople(ids, signal),
    enabled: ids.length > 0,
    staleTime: PEOPLE_STALE_MS,
  });
  return new Map((query.data?.items ?? []).map((person) => [person.userId, person]));
}

/** A person in words: "Alex Morgan (40, female)" or "Dr. Mei Chen, Consultant dermatologist". */
export function describe(person: Person | undefined, fallback: string): string {
  if (person === undefined) return fallback;
  if (person.role === 'doctor') return person.title ? `${person.name}, ${person.title}` : person.name;
  const sex = person.sex != null && person.sex !== '' && i18next.exists(`common:sex.${person.sex}`)
    ? i18next.t(`common:sex.${person.sex}` as 'common:sex.other')
    : person.sex ?? null;
  const facts = [person.age != null ? i18next.t('common:person.age', { age: person.age }) : null, sex].filter(
    (fact): fact is string => fact !== null && fact !== '',
  );
  return facts.length > 0 ? `${person.name} (${facts.join(', ')})` : person.name;
}

/** Just the name, for running text ("Alex Morgan is waiting"). */
export function nameOf(person: Person | undefined, fallback: string): string {
  return person?.name ?? fallback;
}

/** One person's display name; `fallback` (never an id) while loading or when not visible. */
export function useDisplayName(userId: string | null | undefined, fallback?: string): string {
  return describe(usePeople([userId]).get(userId ?? ''), fallback ?? i18next.t('common:person.someone'));
}
