// Find one of the clinic's people by name (GET /people/search, doctors only): opening a case for a
// patient, assigning or inviting a colleague.

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PeopleSearchRole, Person } from '../api/types.ts';
import { describePerson, queryKeys } from '../data/index.ts';
import { useServices } from '../services.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';

const SEARCH_DELAY_MS = 250;

/** People of the clinic matching what was typed, once typing pauses (nothing under 2 letters). */
function usePeopleSearch(role: PeopleSearchRole, typed: string) {
  const { api } = useServices();
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(typed.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  return useQuery({
    queryKey: [...queryKeys.all, 'people-search', role, query],
    queryFn: async ({ signal }) => (await api.searchPeople(role, query, signal)).items,
    enabled: query.length >= 2,
  });
}

export function PersonPicker({ role, label, testId, onPick }: {
  role: PeopleSearchRole;
  label: string;
  testId: string;
  onPick: (person: Person) => void;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState('');
  const found = usePeopleSearch(role, typed);
  return (
    <div className="person-picker">
      <label className="field">
        <span>{label}</span>
        <input
          type="search"
          value={typed}
          autoComplete="off"
          data-testid={`${testId}-search`}
          onChange={(event) => setTyped(event.target.value)}
          placeholder={t('personPicker.placeholder')}
        />
      </label>
      {found.error !== null && <ErrorBanner error={found.error} />}
      {found.data !== undefined && typed.trim().length >= 2 && (
        <ul className="person-picker__results" data-testid={`${testId}-results`}>
          {found.data.length === 0 && <li className="empty">{t('personPicker.nobody')}</li>}
          {found.data.map((person) => (
            <li key={person.userId}>
              <button
                type="button"
                className="button button--link"
                translate="no"
                data-testid={`${testId}-option`}
                onClick={() => {
                  onPick(person);
                  setTyped('');
                }}
              >
                {describePerson(person, person.name)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
