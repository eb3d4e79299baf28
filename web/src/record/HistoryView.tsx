import type { RecordEntry, RecordVersion } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useRecordCase } from './context.ts';
import { EntryContent } from './EntryContent.tsx';
import { fieldLabel } from './kinds.ts';
import { LinkedItems } from './Links.tsx';
import { useDisplayName } from './people.ts';
import { useRecordHistory } from './useRecordData.ts';

const ACTIONS: Record<RecordVersion['action'], string> = {
  create: 'Written',
  amend: 'Amended',
  retract: 'Marked entered in error',
};

/** Every version of an entry, newest first: who, when, which fields, and what it said. */
export function HistoryView({ entry }: { entry: RecordEntry }) {
  const history = useRecordHistory(entry);
  return (
    <section className="record-history" aria-label="Version history" data-testid="record-history">
      <h4>Version history</h4>
      {history.error !== null && <ErrorBanner error={history.error} onRetry={history.reload} />}
      {!history.loaded && history.loading && <Loading label="Loading versions…" />}
      <ol className="record-history__list">
        {history.items.map((version) => (
          <VersionItem key={version.version} entry={entry} version={version} />
        ))}
      </ol>
      {history.hasMore && (
        <button type="button" className="button button--secondary button--small" onClick={history.loadMore} disabled={history.loading}>
          Show older versions
        </button>
      )}
    </section>
  );
}

function VersionItem({ entry, version }: { entry: RecordEntry; version: RecordVersion }) {
  const { clinicalCase } = useRecordCase();
  const author = useDisplayName(version.authorId, clinicalCase);
  const changed = version.changedFields.map((field) => fieldLabel(entry.kind, field)).join(', ');
  return (
    <li className="record-history__item" data-testid="record-version" data-version={version.version} data-action={version.action}>
      <p className="record-history__head">
        <strong>Version {version.version}</strong> · {ACTIONS[version.action]} by{' '}
        <span data-testid="record-version-author">{author}</span> · {formatDateTime(version.at)}
      </p>
      {changed !== '' && (
        <p className="record-history__changed" data-testid="record-version-changed">
          {version.action === 'create' ? 'Fields: ' : 'Changed: '}
          {changed}
        </p>
      )}
      {version.reason !== undefined && (
        <p className="record-history__reason" data-testid="record-version-reason">
          Reason: {version.reason}
        </p>
      )}
      <details>
        <summary>What this version said</summary>
        <EntryContent kind={entry.kind} content={version.content} testId="record-version-content" />
        <LinkedItems links={version.links} />
      </details>
    </li>
  );
}
