import type { RecordContent, RecordKind } from '../api/types.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { useRecordCase } from './context.ts';
import { formatField, kindSpec } from './kinds.ts';

/** Every field of an entry's content, labelled, in the kind's reading order. */
export function EntryContent({ kind, content, testId }: { kind: RecordKind; content: RecordContent; testId?: string }) {
  const { sites } = useRecordCase();
  const labels = kindSpec(kind).contentLabels;
  const names = Object.keys(labels).filter((name) => content[name] !== undefined);
  return (
    <dl className="record-content" data-testid={testId ?? 'record-content'}>
      {names.map((name) => {
        const value = content[name];
        return (
          <div key={name} className="record-content__field" data-field={name}>
            <dt>{labels[name]}</dt>
            <dd>
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
