// The five kinds of record entry as forms: which fields each has, how a form's text becomes the
// strict content the server accepts (docs/api.md, functions/emr/kinds.py) and back, and how a field
// reads to a person. Pure, so it is unit-tested.

import type { RecordContent, RecordKind } from '../api/types.ts';

/** A form's state: every field as the text the doctor typed (lists one item per line). */
export type Draft = Record<string, string>;

export type FieldInput = 'text' | 'textarea' | 'select' | 'date' | 'number' | 'lines' | 'icd10' | 'sites';

export interface FieldSpec {
  /** Draft key; for most fields also the content field. */
  name: string;
  label: string;
  input: FieldInput;
  required?: boolean;
  maxLength?: number;
  options?: ReadonlyArray<readonly [value: string, label: string]>;
  hint?: string;
}

export interface KindSpec {
  kind: RecordKind;
  /** Group heading. */
  plural: string;
  /** "Add a …" */
  singular: string;
  fields: readonly FieldSpec[];
  /** Content fields in reading order, with their labels (history and conflicts name these). */
  contentLabels: Readonly<Record<string, string>>;
}

export const CLINICAL_STATUSES = [
  ['active', 'Active'],
  ['recurrence', 'Recurrence'],
  ['relapse', 'Relapse'],
  ['inactive', 'Inactive'],
  ['remission', 'Remission'],
  ['resolved', 'Resolved'],
] as const;

export const ROUTES = [
  ['topical', 'Topical'],
  ['oral', 'Oral'],
  ['subcutaneous', 'Subcutaneous'],
  ['intramuscular', 'Intramuscular'],
  ['intravenous', 'Intravenous'],
  ['intralesional', 'Intralesional'],
  ['transdermal', 'Transdermal'],
  ['other', 'Other'],
] as const;

const DURATION_UNITS = [
  ['day', 'days'],
  ['week', 'weeks'],
  ['month', 'months'],
] as const;

const PRESCRIPTION_STATUSES = [
  ['active', 'Active'],
  ['on-hold', 'On hold'],
  ['completed', 'Completed'],
  ['stopped', 'Stopped'],
] as const;

const PLAN_STATUSES = [
  ['draft', 'Draft'],
  ['active', 'Active'],
  ['on-hold', 'On hold'],
  ['completed', 'Completed'],
  ['revoked', 'Revoked'],
] as const;

export const MODALITIES = [
  ['video', 'Video visit'],
  ['in-person', 'In person'],
  ['photo-review', 'Photo review'],
  ['scores', 'Symptom scores'],
] as const;

const FOLLOWUP_STATUSES = [
  ['planned', 'Planned'],
  ['completed', 'Completed'],
  ['cancelled', 'Cancelled'],
] as const;

const NOT_SET = ['', '—'] as const;

export const KINDS: readonly KindSpec[] = [
  {
    kind: 'diagnosis',
    plural: 'Diagnoses',
    singular: 'diagnosis',
    fields: [
      { name: 'code', label: 'ICD-10 code', input: 'icd10', required: true },
      { name: 'clinicalStatus', label: 'Clinical status', input: 'select', required: true, options: CLINICAL_STATUSES },
      { name: 'onsetDate', label: 'Onset', input: 'date' },
      { name: 'bodySites', label: 'Body sites', input: 'sites' },
      { name: 'note', label: 'Note', input: 'textarea', maxLength: 2000 },
    ],
    contentLabels: {
      code: 'Code',
      text: 'Diagnosis',
      clinicalStatus: 'Clinical status',
      onsetDate: 'Onset',
      bodySites: 'Body sites',
      note: 'Note',
    },
  },
  {
    kind: 'prescription',
    plural: 'Prescriptions',
    singular: 'prescription',
    fields: [
      { name: 'drug', label: 'Drug', input: 'text', required: true, maxLength: 200 },
      { name: 'dose', label: 'Dose', input: 'text', required: true, maxLength: 100, hint: 'e.g. thin layer, 50 mg' },
      { name: 'route', label: 'Route', input: 'select', required: true, options: ROUTES },
      { name: 'frequency', label: 'How often', input: 'text', required: true, maxLength: 100, hint: 'e.g. twice daily' },
      { name: 'durationValue', label: 'For how long', input: 'number', required: true },
      { name: 'durationUnit', label: 'Unit', input: 'select', required: true, options: DURATION_UNITS },
      { name: 'instructions', label: 'Instructions', input: 'textarea', maxLength: 1000 },
      { name: 'status', label: 'Status', input: 'select', options: [NOT_SET, ...PRESCRIPTION_STATUSES] },
    ],
    contentLabels: {
      drug: 'Drug',
      dose: 'Dose',
      route: 'Route',
      frequency: 'How often',
      duration: 'Duration',
      instructions: 'Instructions',
      status: 'Status',
    },
  },
  {
    kind: 'plan',
    plural: 'Treatment plans',
    singular: 'treatment plan',
    fields: [
      { name: 'title', label: 'Title', input: 'text', required: true, maxLength: 200 },
      { name: 'description', label: 'Description', input: 'textarea', required: true, maxLength: 4000 },
      { name: 'goals', label: 'Goals (one per line)', input: 'lines', maxLength: 500 },
      { name: 'activities', label: 'Activities (one per line)', input: 'lines', maxLength: 500 },
      { name: 'status', label: 'Status', input: 'select', options: [NOT_SET, ...PLAN_STATUSES] },
      { name: 'periodStart', label: 'From', input: 'date' },
      { name: 'periodEnd', label: 'Until', input: 'date' },
    ],
    contentLabels: {
      title: 'Title',
      description: 'Description',
      goals: 'Goals',
      activities: 'Activities',
      status: 'Status',
      period: 'Period',
    },
  },
  {
    kind: 'followup',
    plural: 'Follow-ups',
    singular: 'follow-up',
    fields: [
      { name: 'description', label: 'What', input: 'textarea', required: true, maxLength: 2000 },
      { name: 'dueDate', label: 'Due', input: 'date', required: true },
      { name: 'modality', label: 'How', input: 'select', options: [NOT_SET, ...MODALITIES] },
      { name: 'instructions', label: 'Instructions', input: 'textarea', maxLength: 2000 },
      { name: 'status', label: 'Status', input: 'select', options: [NOT_SET, ...FOLLOWUP_STATUSES] },
    ],
    contentLabels: {
      description: 'What',
      dueDate: 'Due',
      modality: 'How',
      instructions: 'Instructions',
      status: 'Status',
    },
  },
  {
    kind: 'note',
    plural: 'Encounter notes',
    singular: 'encounter note',
    fields: [
      { name: 'subjective', label: 'Subjective', input: 'textarea', maxLength: 8000 },
      { name: 'objective', label: 'Objective', input: 'textarea', maxLength: 8000 },
      { name: 'assessment', label: 'Assessment', input: 'textarea', maxLength: 8000 },
      { name: 'plan', label: 'Plan', input: 'textarea', maxLength: 8000 },
    ],
    contentLabels: { subjective: 'Subjective', objective: 'Objective', assessment: 'Assessment', plan: 'Plan' },
  },
];

export function kindSpec(kind: RecordKind): KindSpec {
  const spec = KINDS.find((candidate) => candidate.kind === kind);
  if (spec === undefined) throw new Error(`unknown record kind ${kind}`);
  return spec;
}

/** A form for a new entry: select fields start at their first choice, the rest empty. */
export function emptyDraft(kind: RecordKind): Draft {
  const draft: Draft = {};
  for (const field of kindSpec(kind).fields) {
    draft[field.name] = field.input === 'select' && field.required === true ? (field.options?.[0]?.[0] ?? '') : '';
  }
  if (kind === 'diagnosis') draft.text = '';
  if (kind === 'prescription') draft.durationUnit = 'week';
  return draft;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function lines(value: unknown): string {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string').join('\n') : '';
}

/** A stored entry's content as a form (the amend form starts from the current version). */
export function contentToDraft(kind: RecordKind, content: RecordContent): Draft {
  const draft = emptyDraft(kind);
  for (const field of kindSpec(kind).fields) {
    if (field.input === 'lines') draft[field.name] = lines(content[field.name]);
    else if (field.input === 'sites') draft[field.name] = lines(content[field.name]);
    else if (field.name in content) draft[field.name] = text(content[field.name]);
  }
  if (kind === 'diagnosis') draft.text = text(content.text);
  if (kind === 'prescription') {
    const duration = content.duration as { value?: unknown; unit?: unknown } | undefined;
    draft.durationValue = typeof duration?.value === 'number' ? String(duration.value) : '';
    draft.durationUnit = text(duration?.unit) || 'week';
  }
  if (kind === 'plan') {
    const period = content.period as { start?: unknown; end?: unknown } | undefined;
    draft.periodStart = text(period?.start);
    draft.periodEnd = text(period?.end);
  }
  return draft;
}

export class DraftError extends Error {
  override readonly name = 'DraftError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function splitLines(value: string): string[] {
  return value
    .split('\n')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * The content the server accepts for a form: trimmed, empty optional fields left out. Throws
 * DraftError naming the field when something required is missing or malformed.
 */
export function draftToContent(kind: RecordKind, draft: Draft): RecordContent {
  const spec = kindSpec(kind);
  const content: RecordContent = {};
  const value = (name: string) => (draft[name] ?? '').trim();
  for (const field of spec.fields) {
    const typed = value(field.name);
    if (field.required === true && typed === '') throw new DraftError(field.name, `${field.label} is required.`);
    if (field.maxLength !== undefined && field.input !== 'lines' && typed.length > field.maxLength) {
      throw new DraftError(field.name, `${field.label} is longer than ${field.maxLength} characters.`);
    }
  }
  switch (kind) {
    case 'diagnosis': {
      content.code = value('code');
      content.text = value('text') || value('code');
      content.clinicalStatus = value('clinicalStatus');
      if (value('onsetDate') !== '') content.onsetDate = value('onsetDate');
      const sites = splitLines(draft.bodySites ?? '');
      if (sites.length > 0) content.bodySites = sites;
      if (value('note') !== '') content.note = value('note');
      break;
    }
    case 'prescription': {
      for (const name of ['drug', 'dose', 'route', 'frequency']) content[name] = value(name);
      const amount = Number(value('durationValue'));
      if (!Number.isInteger(amount) || amount < 1 || amount > 3650) {
        throw new DraftError('durationValue', 'For how long must be a whole number from 1 to 3650.');
      }
      content.duration = { value: amount, unit: value('durationUnit') };
      if (value('instructions') !== '') content.instructions = value('instructions');
      if (value('status') !== '') content.status = value('status');
      break;
    }
    case 'plan': {
      content.title = value('title');
      content.description = value('description');
      for (const name of ['goals', 'activities']) {
        const items = splitLines(draft[name] ?? '');
        if (items.some((item) => item.length > 500)) throw new DraftError(name, 'Each line may have 500 characters.');
        if (items.length > 0) content[name] = items;
      }
      if (value('status') !== '') content.status = value('status');
      if (value('periodStart') !== '') {
        content.period = value('periodEnd') !== ''
          ? { start: value('periodStart'), end: value('periodEnd') }
          : { start: value('periodStart') };
      } else if (value('periodEnd') !== '') {
        throw new DraftError('periodStart', 'A plan with an end date needs a start date.');
      }
      break;
    }
    case 'followup': {
      content.description = value('description');
      content.dueDate = value('dueDate');
      for (const name of ['modality', 'instructions', 'status']) {
        if (value(name) !== '') content[name] = value(name);
      }
      break;
    }
    case 'note': {
      for (const field of spec.fields) if (value(field.name) !== '') content[field.name] = value(field.name);
      if (Object.keys(content).length === 0) throw new DraftError('subjective', 'Write at least one part of the note.');
      break;
    }
  }
  return content;
}

/** Whether the form holds anything the doctor typed beyond where it started. */
export function draftChanged(start: Draft, current: Draft): boolean {
  const names = new Set([...Object.keys(start), ...Object.keys(current)]);
  for (const name of names) if ((start[name] ?? '').trim() !== (current[name] ?? '').trim()) return true;
  return false;
}

function optionLabel(options: ReadonlyArray<readonly [string, string]>, value: unknown): string {
  return options.find(([candidate]) => candidate === value)?.[1] ?? String(value);
}

/** A content field as a person reads it ('' when absent). `siteName` turns body-site ids into words. */
export function formatField(
  kind: RecordKind,
  name: string,
  value: unknown,
  siteName: (siteId: string) => string = (siteId) => siteId.replace(/_/g, ' '),
): string {
  if (value === undefined || value === null) return '';
  if (name === 'links') {
    const links = value as { visitIds?: string[]; photoIds?: string[] };
    const parts = [];
    const visits = links.visitIds?.length ?? 0;
    const photos = links.photoIds?.length ?? 0;
    if (visits > 0) parts.push(`${visits} visit${visits === 1 ? '' : 's'}`);
    if (photos > 0) parts.push(`${photos} photo${photos === 1 ? '' : 's'}`);
    return parts.join(', ');
  }
  if (kind === 'diagnosis' && name === 'clinicalStatus') return optionLabel(CLINICAL_STATUSES, value);
  if (kind === 'diagnosis' && name === 'bodySites' && Array.isArray(value)) return value.map((id) => siteName(String(id))).join(', ');
  if (kind === 'prescription' && name === 'route') return optionLabel(ROUTES, value);
  if (kind === 'prescription' && name === 'status') return optionLabel(PRESCRIPTION_STATUSES, value);
  if (kind === 'prescription' && name === 'duration') {
    const duration = value as { value: number; unit: string };
    const unit = duration.value === 1 ? duration.unit : `${duration.unit}s`;
    return `${duration.value} ${unit}`;
  }
  if (kind === 'plan' && name === 'status') return optionLabel(PLAN_STATUSES, value);
  if (kind === 'plan' && name === 'period') {
    const period = value as { start: string; end?: string };
    return period.end !== undefined ? `${period.start} to ${period.end}` : `from ${period.start}`;
  }
  if (kind === 'followup' && name === 'modality') return optionLabel(MODALITIES, value);
  if (kind === 'followup' && name === 'status') return optionLabel(FOLLOWUP_STATUSES, value);
  if (Array.isArray(value)) return value.map(String).join('; ');
  // A field of an unexpected shape is shown as data rather than as "[object Object]".
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** The field's label for people; unknown names fall back to the name itself. */
export function fieldLabel(kind: RecordKind, name: string): string {
  if (name === 'links') return 'Linked visits and photos';
  return kindSpec(kind).contentLabels[name] ?? name;
}

/** One line that names an entry in a list. */
export function entryTitle(kind: RecordKind, content: RecordContent): string {
  switch (kind) {
    case 'diagnosis':
      return `${text(content.code)} ${text(content.text)}`.trim();
    case 'prescription':
      return `${text(content.drug)}, ${text(content.dose)}, ${formatField(kind, 'route', content.route).toLowerCase()}, ${text(content.frequency)}`;
    case 'plan':
      return text(content.title);
    case 'followup':
      return `Due ${text(content.dueDate)}: ${text(content.description)}`;
    case 'note':
      return text(content.assessment) || text(content.subjective) || text(content.objective) || text(content.plan);
  }
}
