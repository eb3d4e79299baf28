import { useId } from 'react';
import type { RecordKind } from '../api/types.ts';
import { BodySitePicker } from './BodySitePicker.tsx';
import type { RecordCaseData } from './context.ts';
import { Icd10Picker } from './Icd10Picker.tsx';
import type { Draft, FieldSpec } from './kinds.ts';
import { useTranslation } from 'react-i18next';

/** One field of a record form, drawn for its input kind. */
export function FormField({
  kind,
  field,
  draft,
  set,
  sites,
  invalid,
}: {
  kind: RecordKind;
  field: FieldSpec;
  draft: Draft;
  set: (name: string, value: string) => void;
  sites: RecordCaseData['sites'];
  invalid: boolean;
}) {
  const id = useId();
  const { t } = useTranslation('record');
  const value = draft[field.name] ?? '';
  const testId = `record-field-${field.name}`;
  const label = (
    <label className="field__label" htmlFor={id}>
      {field.label}
      {field.required === true && <span aria-hidden="true"> *</span>}
    </label>
  );

  switch (field.input) {
    case 'icd10':
      return (
        <div className="field" data-testid={testId}>
          <span className="field__label">{field.label} *</span>
          <Icd10Picker
            code={value}
            label={draft.text ?? ''}
            invalid={invalid}
            onPick={(code, text) => {
              set('code', code);
              set('text', text);
            }}
          />
        </div>
      );
    case 'sites':
      return (
        <div className="field" data-testid={testId}>
          <span className="field__label">{field.label}</span>
          <BodySitePicker
            sites={sites}
            selected={value.split('\n').filter((site) => site !== '')}
            onChange={(selected) => set(field.name, selected.join('\n'))}
          />
        </div>
      );
    case 'select':
      return (
        <div className="field">
          {label}
          <select
            id={id}
            className="field__input"
            data-testid={testId}
            value={value}
            aria-invalid={invalid}
            onChange={(event) => set(field.name, event.target.value)}
          >
            {field.options?.map(([option, text]) => (
              <option key={option} value={option}>
                {text}
              </option>
            ))}
          </select>
        </div>
      );
    case 'textarea':
    case 'lines':
      return (
        <div className="field">
          {label}
          <textarea
            id={id}
            className="field__input"
            data-testid={testId}
            rows={field.input === 'lines' ? 3 : kind === 'note' ? 4 : 2}
            maxLength={field.input === 'lines' ? undefined : field.maxLength}
            value={value}
            aria-invalid={invalid}
            onChange={(event) => set(field.name, event.target.value)}
          />
        </div>
      );
    case 'number':
      return (
        <div className="field">
          {label}
          <div className="record-form__duration">
            <input
              id={id}
              className="field__input"
              type="number"
              min={1}
              max={3650}
              data-testid={testId}
              value={value}
              aria-invalid={invalid}
              onChange={(event) => set(field.name, event.target.value)}
            />
            <select
              className="field__input"
              aria-label={t('form.unit')}
              data-testid="record-field-durationUnit"
              value={draft.durationUnit ?? 'week'}
              onChange={(event) => set('durationUnit', event.target.value)}
            >
              <option value="day">{t('options.durationUnit.day')}</option>
              <option value="week">{t('options.durationUnit.week')}</option>
              <option value="month">{t('options.durationUnit.month')}</option>
            </select>
          </div>
        </div>
      );
    default:
      return (
        <div className="field">
          {label}
          <input
            id={id}
            className="field__input"
            type={field.input === 'date' ? 'date' : 'text'}
            maxLength={field.maxLength}
            data-testid={testId}
            value={value}
            aria-invalid={invalid}
            placeholder={field.hint}
            onChange={(event) => set(field.name, event.target.value)}
          />
        </div>
      );
  }
}
