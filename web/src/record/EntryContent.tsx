import type { RecordContent, RecordKind } from '../api/types.ts';
import { useTranslation } from 'react-i18next';
import { siteLabel } from '../cases/siteLabels.ts';
import { useRecordCase } from './context.ts';
import { formatField, kindSpec } from './kinds.ts';

// Fields that hold what the doctor typed (or the code set's words), as opposed to values the app
// names by code (statuses, routes, units, body sites), which are shown in the reader's language.
const DATA_FIELDS = new Set([
  'code', 'text', 'note', 'drug', 'dose', 'frequency', 'instructions', 'title', 'description', 'goals',
  'activities', 'subjective', 'objective', 'assessment', 'plan',
]);

/** Every field of an entry's content, labelled, in the kind's reading order. */
export function EntryContent({ kind, content, testId }: { kind: RecordKind; content: RecordContent; testId?: string }) {
  const { sites } = useRecordCase();
  useTranslation('record'); // re-renders the labels when the language changes
  const labels = kindSpec(kind).contentLabels;
  const names = Object.keys(labels).filter((name) => content[name] !== undefined);
  return (
    <dl className="record-content" data-testid={testId ?? 'record-content'}>
      {names.map((name) => {
        const value = content[name];
        return (
          <div key={name} className="record-content__field" data-field={name}>
            <dt>{labels[name]}</dt>
            <dd translate={DATA_FIELDS.has(name) ? 'no' : undefined}>
              {Array.isArray(value) && kind === 'plan' ? (
                <ul>
                  {value.map((item, index) => (
                    <li key={index}>{String(item)}</li>
                  ))}
                </ul>
              ) : (
                formatField(kind, name, value, (siteId) => siteLabel(sites, siteId))
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
