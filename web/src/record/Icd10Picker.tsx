import { useId, useState } from 'react';
import { ActionError } from '../cases/ActionError.tsx';
import { useIcd10Search } from './useRecordData.ts';
import { useTranslation } from 'react-i18next';

interface Props {
  code: string;
  label: string;
  onPick: (code: string, label: string) => void;
  invalid?: boolean;
}

/**
 * The diagnosis code: type words or a code ("psoriasis", "L40"), pick one of the top matches. The
 * label of the code set is stored with the code, so the entry reads the same wherever it goes.
 */
export function Icd10Picker({ code, label, onPick, invalid = false }: Props) {
  const [query, setQuery] = useState('');
  const [searching, setSearching] = useState(code === '');
  const results = useIcd10Search(searching ? query : '');
  const id = useId();
  const { t } = useTranslation('record');

  if (!searching && code !== '') {
    return (
      <div className="icd-picked" data-testid="icd10-picked" data-code={code}>
        <span className="icd-picked__code mono">{code}</span> <span className="icd-picked__label" translate="no">{label}</span>{' '}
        <button type="button" className="link-button" data-testid="icd10-change" onClick={() => setSearching(true)}>
          {t('icd10.change')}
        </button>
      </div>
    );
  }

  return (
    <div className="icd-search">
      <input
        id={id}
        className="field__input"
        type="search"
        data-testid="icd10-query"
        aria-label={t('icd10.search')}
        aria-invalid={invalid}
        placeholder={t('icd10.placeholder')}
        value={query}
        maxLength={100}
        autoComplete="off"
        onChange={(event) => setQuery(event.target.value)}
      />
      {results.loading && <p className="hint">{t('icd10.searching')}</p>}
      <ActionError error={results.error} testId="icd10-error" />
      {results.items.length > 0 && (
        <ul className="icd-results" role="listbox" aria-label={t('icd10.results')} data-testid="icd10-results">
          {results.items.map((item) => (
            <li key={item.code} role="option" aria-selected={item.code === code}>
              <button
                type="button"
                className="icd-results__item"
                data-testid="icd10-option"
                data-code={item.code}
                onClick={() => {
                  onPick(item.code, item.label);
                  setSearching(false);
                  setQuery('');
                }}
              >
                <span className="mono">{item.code}</span> <span translate="no">{item.label}</span>
                {!item.leaf && <span className="hint"> {t('icd10.notLeaf')}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!results.loading && results.error === null && query.trim().length > 1 && results.items.length === 0 && (
        <p className="empty" data-testid="icd10-none">{t('icd10.none')}</p>
      )}
      {code !== '' && (
        <button type="button" className="link-button" onClick={() => setSearching(false)}>
          {t('icd10.keep', { code })}
        </button>
      )}
    </div>
  );
}
