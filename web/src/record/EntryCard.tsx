import type { ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { RecordEntry } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { formatDateTime } from '../format.ts';
import { mayChangeEntry } from './authorship.ts';
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
  const me = useSignedInUser();
  const retracted = entry.status === 'entered-in-error';
  const changeable = !retracted && mayChangeEntry(me.userId, entry, clinicalCase);
  const updatedBy = useDisplayName(entry.updatedBy, clinicalCase);
  const { t } = useTranslation('record');
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
        <h4 className="record-entry__title" data-testid="record-entry-title" translate="no">
          {retracted ? <del>{entryTitle(entry.kind, entry.content)}</del> : entryTitle(entry.kind, entry.content)}
        </h4>
        <span className={`tag record-status record-status--${entry.status}`} data-testid="record-entry-status">
          {retracted ? t('entry.status.enteredInError') : t('entry.status.active')}
        </span>
        <span className="tag" data-testid="record-entry-version">
          {t('entry.version', { version: entry.version })}
        </span>
      </header>
      {retracted && entry.retraction !== undefined && (
        <p className="record-entry__retraction" data-testid="record-entry-retraction">
          <Trans t={t} i18nKey="entry.retractedBecause" values={{ reason: entry.retraction.reason }} components={{ data: <span translate="no" /> }} />
        </p>
      )}
      <div className="record-entry__body">
        <EntryContent kind={entry.kind} content={entry.content} />
        <LinkedItems links={entry.links} />
      </div>
      <p className="record-entry__meta">
        <Trans
          t={t}
          i18nKey={entry.version === 1 ? 'entry.writtenBy' : 'entry.changedBy'}
          values={{ name: updatedBy, at: formatDateTime(entry.updatedAt) }}
          components={{ name: <span translate="no" /> }}
        />
      </p>
      {editor ?? (
        <div className="record-entry__actions">
          {changeable && (
            <>
              <button type="button" className="button button--secondary button--small" data-testid="record-amend" onClick={onAmend}>
                {t('entry.amend')}
              </button>
              <button type="button" className="button button--secondary button--small" data-testid="record-retract" onClick={onRetract}>
                {t('entry.retract')}
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
            {historyOpen ? t('entry.hideHistory') : t('entry.history')}
          </button>
        </div>
      )}
      {historyOpen && <HistoryView key={entry.version} entry={entry} />}
    </li>
  );
}
