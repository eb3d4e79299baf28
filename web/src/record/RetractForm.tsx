import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import type { RecordConflictDetails, RecordEntry } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { useServices } from '../services.tsx';
import { useTranslation } from 'react-i18next';

interface Props {
  entry: RecordEntry;
  onRetracted: (entry: RecordEntry) => void;
  onCancel: () => void;
  onDirtyChange: (dirty: boolean) => void;
  /** The list shows an older version than the server has: load it again (this form stays). */
  onStale: () => void;
}

/** Mark an entry entered in error, with the reason; it stays in the record, struck through. */
export function RetractForm({ entry, onRetracted, onCancel, onDirtyChange, onStale }: Props) {
  const { api } = useServices();
  const id = useId();
  const { t } = useTranslation('record');
  const [reason, setReason] = useState('');
  // The version this retraction is for; moves on when another doctor saved a newer one meanwhile.
  const [target, setTarget] = useState(entry);
  const [newer, setNewer] = useState(false);
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
      const retracted = await api.retractRecordEntry(target.caseId, target.entryId, {
        expectedVersion: target.version,
        reason: reason.trim(),
      });
      onDirtyChange(false);
      onRetracted(retracted);
    } catch (failure) {
      const current = (failure instanceof ApiError && failure.code === 'version_conflict'
        ? (failure.details as Partial<RecordConflictDetails> | undefined)?.current
        : undefined);
      if (current !== undefined) {
        // Keep the reason; ask again for the version now current rather than retract it unseen.
        setTarget(current);
        setNewer(true);
        onStale();
      } else {
        setError(failure);
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="record-form record-form--retract" onSubmit={(event) => void submit(event)} data-testid="record-retract-form">
      <div className="field">
        <label className="field__label" htmlFor={id}>
          {t('retract.why')}
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
      {newer && (
        <p className="notice" role="alert" data-testid="record-retract-newer">
          {t('retract.newer', { version: target.version })}
        </p>
      )}
      <ActionError error={error} testId="record-retract-error" />
      <div className="record-form__actions">
        <button type="submit" className="button button--primary" disabled={saving || tooShort} data-testid="record-retract-confirm">
          {saving ? t('form.saving') : t('retract.confirm')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}
