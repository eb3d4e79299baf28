import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import type { RecordConflictDetails, RecordEntry, RecordKind, RecordLinks } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { useServices } from '../services.tsx';
import { ConflictView } from './ConflictView.tsx';
import { useRecordCase } from './context.ts';
import { FormField } from './FormField.tsx';
import {
  contentToDraft,
  draftChanged,
  DraftError,
  draftToContent,
  emptyDraft,
  kindSpec,
  type Draft,
} from './kinds.ts';
import { LinksPicker } from './Links.tsx';
import { compareVersions, reapply, sameValue, type MergeRow } from './merge.ts';
import { useTranslation } from 'react-i18next';

const NO_LINKS: RecordLinks = { visitIds: [], photoIds: [] };

interface Props {
  kind: RecordKind;
  /** The entry to amend (the form starts from its current version); absent for a new entry. */
  entry?: RecordEntry;
  onSaved: (entry: RecordEntry) => void;
  /** Close the form (the section asks first when there is unsaved text). */
  onCancel: () => void;
  /** Close the form without asking: the doctor chose to drop their change. */
  onDiscard: () => void;
  onDirtyChange: (dirty: boolean) => void;
  /** The list shows an older version than the server has: load it again (this form stays). */
  onStale?: () => void;
}

interface Conflict {
  theirs: RecordEntry;
  rows: MergeRow[];
}

/** Write a new entry of a kind, or amend one. Everything typed lives in this component's memory only. */
export function EntryForm({ kind, entry, onSaved, onCancel, onDiscard, onDirtyChange, onStale }: Props) {
  const { api } = useServices();
  const { clinicalCase, sites } = useRecordCase();
  const spec = kindSpec(kind);
  const { t } = useTranslation('record');
  const formId = useId();
  const [base, setBase] = useState<RecordEntry | undefined>(entry);
  const [start, setStart] = useState<Draft>(() => (entry ? contentToDraft(kind, entry.content) : emptyDraft(kind)));
  const [startLinks, setStartLinks] = useState<RecordLinks>(entry?.links ?? NO_LINKS);
  const [draft, setDraft] = useState<Draft>(start);
  const [links, setLinks] = useState<RecordLinks>(startLinks);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [keepTheirs, setKeepTheirs] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<DraftError | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // The form opens where the doctor asked for it: the first field takes the focus, so typing starts
  // there (a keyboard user would otherwise Tab from the button that opened it).
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('.record-form__fields :is(input, textarea, select)')?.focus();
  }, []);

  const dirty = conflict !== null || draftChanged(start, draft) || !sameValue(startLinks, links);
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  const set = (name: string, value: string) => {
    setDraft((current) => ({ ...current, [name]: value }));
    if (fieldError?.field === name) setFieldError(null);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let content;
    try {
      content = draftToContent(kind, draft);
    } catch (failure) {
      if (failure instanceof DraftError) {
        setFieldError(failure);
        return;
      }
      throw failure;
    }
    setSaving(true);
    try {
      const saved = base === undefined
        ? await api.createRecordEntry(clinicalCase.caseId, { kind, content, links })
        : await api.amendRecordEntry(clinicalCase.caseId, base.entryId, { expectedVersion: base.version, content, links });
      onDirtyChange(false);
      onSaved(saved);
    } catch (failure) {
      const details = conflictDetails(failure);
      if (base !== undefined && details !== null && failure instanceof ApiError && failure.code === 'version_conflict') {
        const rows = compareVersions(
          { content: base.content, links: base.links },
          { content: details.current.content, links: details.current.links },
          { content, links },
          Object.keys(spec.contentLabels),
        );
        setConflict({ theirs: details.current, rows });
        setKeepTheirs(new Set());
        setNotice(null);
        onStale?.();
      } else {
        setError(failure);
      }
    } finally {
      setSaving(false);
    }
  };

  const reapplyMine = () => {
    if (conflict === null) return;
    const { theirs, rows } = conflict;
    const merged = reapply(rows, { content: theirs.content, links: theirs.links }, keepTheirs);
    const theirsDraft = contentToDraft(kind, theirs.content);
    setBase(theirs);
    setStart(theirsDraft);
    setStartLinks(theirs.links);
    setDraft(contentToDraft(kind, merged.content));
    setLinks(merged.links);
    setConflict(null);
    setNotice(t('form.reapplied', { version: theirs.version }));
  };

  const title = base === undefined ? t('form.new', { kind: spec.singular }) : t('form.amend', { kind: spec.singular, version: base.version });

  return (
    <form
      className="record-form"
      ref={form}
      aria-labelledby={`${formId}-title`}
      data-testid="record-form"
      data-kind={kind}
      data-mode={base === undefined ? 'create' : 'amend'}
      onSubmit={(event) => void save(event)}
      noValidate
    >
      <h3 id={`${formId}-title`}>{title}</h3>
      {notice !== null && (
        <p className="notice" role="status" data-testid="record-reapplied">
          {notice}
        </p>
      )}
      {conflict !== null && (
        <ConflictView
          kind={kind}
          theirs={conflict.theirs}
          rows={conflict.rows}
          keepTheirs={keepTheirs}
          onChoose={(field, takeTheirs) =>
            setKeepTheirs((current) => {
              const next = new Set(current);
              if (takeTheirs) next.add(field);
              else next.delete(field);
              return next;
            })
          }
          onReapply={reapplyMine}
          onDiscard={() => {
            onDirtyChange(false);
            onDiscard();
          }}
        />
      )}
      <fieldset className="record-form__fields" disabled={conflict !== null || saving}>
        {spec.fields.map((field) =>
          field.name === 'durationUnit' ? null : (
            <FormField
              key={field.name}
              kind={kind}
              field={field}
              draft={draft}
              set={set}
              sites={sites}
              invalid={fieldError?.field === field.name}
            />
          ),
        )}
        <LinksPicker links={links} onChange={setLinks} />
      </fieldset>
      {fieldError !== null && (
        <p className="action-error" role="alert" data-testid="record-form-invalid">
          {fieldError.message}
        </p>
      )}
      <ActionError error={error} testId="record-form-error" />
      <div className="record-form__actions">
        <button type="submit" className="button button--primary" disabled={saving || conflict !== null} data-testid="record-save">
          {saving ? t('form.saving') : base === undefined ? t('form.save', { kind: spec.singular }) : t('form.saveVersion', { version: base.version + 1 })}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel} data-testid="record-cancel">
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}

function conflictDetails(failure: unknown): RecordConflictDetails | null {
  if (!(failure instanceof ApiError) || failure.status !== 409) return null;
  const details = failure.details as Partial<RecordConflictDetails> | undefined;
  return details?.current !== undefined && typeof details.currentVersion === 'number'
    ? (details as RecordConflictDetails)
    : null;
}
