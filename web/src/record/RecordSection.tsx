import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Case, RecordEntry, RecordKind } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { useBodySites, usePhotoList } from '../cases/useCaseData.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys, restartFromFirstPage } from '../data/index.ts';
import { Loading } from '../components/Loading.tsx';
import { useServices } from '../services.tsx';
import { RecordCaseContext, type RecordCaseData } from './context.ts';
import { EntryCard } from './EntryCard.tsx';
import { EntryForm } from './EntryForm.tsx';
import { fhirFileName, saveJsonFile } from './fhirDownload.ts';
import { KINDS, type KindSpec } from './kinds.ts';
import './record.css';
import { RetractForm } from './RetractForm.tsx';
import { useCaseVisitRecords, useRecordGroup } from './useRecordData.ts';
import { useLeaveGuard } from './useLeaveGuard.tsx';

type Editor =
  | { mode: 'create'; kind: RecordKind }
  | { mode: 'amend'; entry: RecordEntry }
  | { mode: 'retract'; entry: RecordEntry }
  | null;

/**
 * The case's medical record, for its doctors: entries grouped by kind, newest first, a page at a
 * time; write, amend (with a conflict view that loses nothing), retract, read each entry's history,
 * and download the case as a FHIR R4 Bundle. One form is open at a time; leaving it asks first.
 */
export function RecordSection({ clinicalCase }: { clinicalCase: Case }) {
  const caseId = clinicalCase.caseId;
  const vocabulary = useBodySites();
  const visits = useCaseVisitRecords(caseId);
  const photos = usePhotoList(caseId, { limit: 50 });
  const [editor, setEditor] = useState<Editor>(null);
  const [dirty, setDirty] = useState(false);
  const queryClient = useQueryClient();
  const [historyOpen, setHistoryOpen] = useState<ReadonlySet<string>>(new Set());
  const { guard, dialog } = useLeaveGuard(dirty);
  const { t } = useTranslation('record');

  const data = useMemo<RecordCaseData>(
    () => ({ clinicalCase, sites: vocabulary.data?.sites, visits, photos: photos.data ?? [] }),
    [clinicalCase, vocabulary.data, visits, photos.data],
  );

  // The control that opened the form gets the focus back when it closes (saved, cancelled or
  // dropped): the focus would otherwise fall to the document when the form goes.
  const opener = useRef<HTMLElement | null>(null);
  const open = (next: Editor) => {
    const from = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    guard(() => {
      opener.current = from;
      setEditor(next);
    });
  };
  useEffect(() => {
    if (editor !== null || opener.current === null) return;
    const back = opener.current;
    opener.current = null;
    if (back.isConnected) back.focus();
  }, [editor]);
  const close = useCallback(() => setEditor(null), []);
  // After a change the kind's list starts again from its newest page (where the change is).
  const refresh = useCallback(
    (kind: RecordKind) => void restartFromFirstPage(queryClient, queryKeys.records(caseId, kind)),
    [queryClient, caseId],
  );
  const saved = useCallback(
    (entry: RecordEntry) => {
      setEditor(null);
      refresh(entry.kind);
    },
    [refresh],
  );
  const discarded = useCallback(
    (kind: RecordKind) => {
      setEditor(null);
      refresh(kind);
    },
    [refresh],
  );
  const toggleHistory = (entryId: string) =>
    setHistoryOpen((current) => {
      const next = new Set(current);
      if (next.has(entryId)) next.delete(entryId);
      else next.add(entryId);
      return next;
    });

  return (
    <RecordCaseContext value={data}>
      <section className="record" aria-labelledby="record-title" data-testid="record-section">
        <header className="record__header">
          <h2 id="record-title">{t('section.title')}</h2>
          <FhirDownload caseId={caseId} />
        </header>
        {dialog}
        <div className="record__new" role="group" aria-label={t('section.addGroup')}>
          {KINDS.map((spec) => (
            <button
              key={spec.kind}
              type="button"
              className="button button--secondary button--small"
              data-testid={`record-new-${spec.kind}`}
              onClick={() => open({ mode: 'create', kind: spec.kind })}
            >
              {t('section.add', { kind: spec.singular })}
            </button>
          ))}
        </div>
        {editor?.mode === 'create' && (
          <EntryForm
            key={`create-${editor.kind}`}
            kind={editor.kind}
            onSaved={saved}
            onCancel={() => guard(close)}
            onDiscard={close}
            onDirtyChange={setDirty}
          />
        )}
        {KINDS.map((spec) => (
          <RecordGroup
            key={spec.kind}
            spec={spec}
            caseId={caseId}
            historyOpen={historyOpen}
            onToggleHistory={toggleHistory}
            editorFor={(entry) => {
              if (editor === null || editor.mode === 'create' || editor.entry.entryId !== entry.entryId) return null;
              return editor.mode === 'amend' ? (
                // Keyed by the entry alone: a list refresh that brings a newer version must not
                // remount the form and lose what the doctor typed (the 409 view handles it).
                <EntryForm
                  key={`amend-${entry.entryId}`}
                  kind={entry.kind}
                  entry={editor.entry}
                  onSaved={saved}
                  onCancel={() => guard(close)}
                  onDiscard={() => discarded(entry.kind)}
                  onDirtyChange={setDirty}
                  onStale={() => refresh(entry.kind)}
                />
              ) : (
                <RetractForm
                  entry={editor.entry}
                  onRetracted={saved}
                  onCancel={() => guard(close)}
                  onDirtyChange={setDirty}
                  onStale={() => refresh(entry.kind)}
                />
              );
            }}
            onAmend={(entry) => open({ mode: 'amend', entry })}
            onRetract={(entry) => open({ mode: 'retract', entry })}
          />
        ))}
      </section>
    </RecordCaseContext>
  );
}

function RecordGroup({
  spec,
  caseId,
  historyOpen,
  onToggleHistory,
  editorFor,
  onAmend,
  onRetract,
}: {
  spec: KindSpec;
  caseId: string;
  historyOpen: ReadonlySet<string>;
  onToggleHistory: (entryId: string) => void;
  editorFor: (entry: RecordEntry) => ReactNode;
  onAmend: (entry: RecordEntry) => void;
  onRetract: (entry: RecordEntry) => void;
}) {
  const list = useRecordGroup(caseId, spec.kind);
  const { t } = useTranslation('record');

  return (
    <section className="record-group" aria-labelledby={`record-group-${spec.kind}`} data-testid={`record-group-${spec.kind}`}>
      <h3 id={`record-group-${spec.kind}`}>{spec.plural}</h3>
      {list.error !== null && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {!list.loaded && list.loading && <Loading label={t('section.loadingGroup', { kinds: spec.plural.toLowerCase() })} />}
      {list.loaded && list.items.length === 0 && list.error === null && <p className="empty">{t('section.none')}</p>}
      <ul className="record-group__list">
        {list.items.map((entry) => (
          <EntryCard
            key={entry.entryId}
            entry={entry}
            historyOpen={historyOpen.has(entry.entryId)}
            onToggleHistory={() => onToggleHistory(entry.entryId)}
            onAmend={() => onAmend(entry)}
            onRetract={() => onRetract(entry)}
            editor={editorFor(entry)}
          />
        ))}
      </ul>
      {list.hasMore && (
        <button
          type="button"
          className="button button--secondary button--small"
          data-testid={`record-more-${spec.kind}`}
          disabled={list.loadingMore}
          onClick={list.loadMore}
        >
          {list.loadingMore ? t('section.loadingMore') : t('section.older', { kinds: spec.plural.toLowerCase() })}
        </button>
      )}
    </section>
  );
}

/** The case's record as a FHIR R4 Bundle, saved as a file (nothing is kept in the browser). */
function FhirDownload({ caseId }: { caseId: string }) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const { t } = useTranslation('record');
  const [error, setError] = useState<unknown>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      saveJsonFile(await api.getCaseFhir(caseId), fhirFileName(caseId, new Date()), 'application/fhir+json');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="record__download">
      <button type="button" className="button button--secondary button--small" data-testid="record-fhir-download" disabled={busy} onClick={() => void download()}>
        {busy ? t('section.preparing') : t('section.downloadFhir')}
      </button>
      <ActionError error={error} testId="record-fhir-error" />
    </div>
  );
}
