import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RecordEntry } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { useServices } from '../services.tsx';

interface Props {
  entry: RecordEntry;
  onRetracted: (entry: RecordEntry) => void;
  onCancel: () => void;
  onDirtyChange: (dirty: boolean) => void;
}

/** Mark an entry entered in error, with the reason; it stays in the record, struck through. */
export function RetractForm({ entry, onRetracted, onCancel, onDirtyChange }: Props) {
  const { api } = useServices();
  const id = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const tooShort = reason.trim().length < 3;

  useEffect(() => onDirtyChange(reason.trim() !== ''), [reason, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (tooShort) return;
    setSaving(true);
    setError(null);
    try {
      const retracted = await api.retractRecordEntry(entry.caseId, entry.entryId, {
        expectedVersion: entry.version,
        reason: reason.trim(),
      });
      onDirtyChange(false);
      onRetracted(retracted);
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="record-form record-form--retract" onSubmit={submit} data-testid="record-retract-form">
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Why is this entry wrong? It stays in the record, marked entered in error, with this reason.
        </label>
        <textarea
          id={id}
          className="field__input"
          rows={2}
          maxLength={1000}
          data-testid="record-retract-reason"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
      </div>
      <ActionError error={error} testId="record-retract-error" />
      <div className="record-form__actions">
        <button type="submit" className="button button--primary" disabled={saving || tooShort} data-testid="record-retract-confirm">
          {saving ? 'Saving…' : 'Mark entered in error'}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
