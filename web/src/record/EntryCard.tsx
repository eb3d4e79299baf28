import type { ReactNode } from 'react';
import type { RecordEntry } from '../api/types.ts';
import { formatDateTime } from '../format.ts';
import { useRecordCase } from './context.ts';
import { EntryContent } from './EntryContent.tsx';
import { HistoryView } from './HistoryView.tsx';
import { entryTitle } from './kinds.ts';
import { LinkedItems } from './Links.tsx';
import { useDisplayName } from './people.ts';

interface Props {
  entry: RecordEntry;
  historyOpen: boolean;
  onAmend: () => void;
  onRetract: () => void;
  onToggleHistory: () => void;
  /** A form open on this entry (amend or retract), shown in place. */
  editor: ReactNode;
}

/** One entry: its content, status and version, links, and what a doctor can do with it. */
export function EntryCard({ entry, historyOpen, onAmend, onRetract, onToggleHistory, editor }: Props) {
  const { clinicalCase } = useRecordCase();
  const retracted = entry.status === 'entered-in-error';
  const updatedBy = useDisplayName(entry.updatedBy, clinicalCase);
  return (
    <li
      className={`record-entry${retracted ? ' record-entry--retracted' : ''}`}
      data-testid="record-entry"
      data-entry-id={entry.entryId}
      data-kind={entry.kind}
      data-status={entry.status}
      data-version={entry.version}
    >
      <header className="record-entry__header">
        <h4 className="record-entry__title" data-testid="record-entry-title">
          {retracted ? <del>{entryTitle(entry.kind, entry.content)}</del> : entryTitle(entry.kind, entry.content)}
        </h4>
        <span className={`tag record-status record-status--${entry.status}`} data-testid="record-entry-status">
          {retracted ? 'Entered in error' : 'Active'}
        </span>
        <span className="tag" data-testid="record-entry-version">
          Version {entry.version}
        </span>
      </header>
      {retracted && entry.retraction !== undefined && (
        <p className="record-entry__retraction" data-testid="record-entry-retraction">
          Entered in error: {entry.retraction.reason}
        </p>
      )}
      <div className="record-entry__body">
        <EntryContent kind={entry.kind} content={entry.content} />
        <LinkedItems links={entry.links} />
      </div>
      <p className="record-entry__meta">
        {entry.version === 1 ? 'Written' : 'Last changed'} by {updatedBy}, {formatDateTime(entry.updatedAt)}
      </p>
      {editor ?? (
        <div className="record-entry__actions">
          {!retracted && (
            <>
              <button type="button" className="button button--secondary button--small" data-testid="record-amend" onClick={onAmend}>
                Amend
              </button>
              <button type="button" className="button button--secondary button--small" data-testid="record-retract" onClick={onRetract}>
                Entered in error…
              </button>
            </>
          )}
          <button
            type="button"
            className="button button--secondary button--small"
            aria-expanded={historyOpen}
            data-testid="record-history-toggle"
            onClick={onToggleHistory}
          >
            {historyOpen ? 'Hide history' : 'History'}
          </button>
        </div>
      )}
      {historyOpen && <HistoryView key={entry.version} entry={entry} />}
    </li>
  );
}
