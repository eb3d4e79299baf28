// The five kinds of record entry as forms: which fields each has, how a form's text becomes the
// strict content the server accepts (docs/api.md, functions/emr/kinds.py) and back, and how a field
// reads to a person. Pure, so it is unit-tested.

import type { RecordContent, RecordKind } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';

/** A form's state: every field as the text the doctor typed (lists one item per line). */
export type Draft = Record<string, string>;

export type FieldInput = 'text' | 'textarea' | 'select' | 'date' | 'number' | 'lines' | 'icd10' | 'sites';

export interface FieldSpec {
  /** Draft key; for most fields also the content field. */
  name: string;
  /** In the shown language, read when drawn (the language can change while a form is open). */
  readonly label: string;
  input: FieldInput;
  required?: boolean;
  maxLength?: number;
  readonly options?: ReadonlyArray<readonly [value: string, label: string]> | undefined;
  readonly hint?: string | undefined;
}

export interface KindSpec {
  kind: RecordKind;
  /** Group heading. */
  readonly plural: string;
  /** "Add a …" */
  readonly singular: string;
  fields: readonly FieldSpec[];
  /** Content fields in reading order, with their labels (history and conflicts name these). */
  readonly contentLabels: Readonly<Record<string, string>>;
}

// Texts are looked up when shown, never at module load: the language can change at runtime.
// Keys are built from kinds and field names here, so they are checked by the unit tests that
// read every label of every kind in both languages rather than by the compiler.
function t(key: string, options?: Record<string, unknown>): string {
  return i18next.t(`record:${key}` as never, options as never) as unknown as string;
}

export const CLINICAL_STATUSES = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] as const;
export const ROUTES = [
  'topical', 'oral', 'subcutaneous', 'intramuscular', 'intravenous', 'intralesional', 'transdermal', 'other',
] as const;
const PRESCRIPTION_STATUSES = ['active', 'on-hold', 'completed', 'stopped'] as const;
const PLAN_STATUSES = ['draft', 'active', 'on-hold', 'completed', 'revoked'] as const;
export const MODALITIES = ['video', 'in-person', 'photo-review', 'scores'] as const;
const FOLLOWUP_STATUSES = ['planned', 'completed', 'cancelled'] as const;
const DURATION_UNITS = ['day', 'week', 'month'] as const;

/** Option lists by the content field they fill; each value's words under `record:options.<list>`. */
const OPTION_LISTS = {
  clinicalStatus: CLINICAL_STATUSES,
  route: ROUTES,
  prescriptionStatus: PRESCRIPTION_STATUSES,
  planStatus: PLAN_STATUSES,
  modality: MODALITIES,
  followupStatus: FOLLOWUP_STATUSES,
  durationUnit: DURATION_UNITS,
} as const;
type OptionList = keyof typeof OPTION_LISTS;

/** One option's words ('' for an unknown value, so the caller shows the value itself). */
export function optionWords(list: OptionList, value: unknown): string {
  return (OPTION_LISTS[list] as readonly unknown[]).includes(value) ? t(`options.${list}.${String(value)}`) : '';
}

function choices(list: OptionList, notSet: boolean): ReadonlyArray<readonly [string, string]> {
  const values = OPTION_LISTS[list].map((value) => [value, t(`options.${list}.${value}`)] as const);
  return notSet ? [['', '—'] as const, ...values] : values;
}

interface FieldOptions {
  required?: boolean;
  maxLength?: number;
  /** The option list of a select, and whether it starts with "not set". */
  options?: OptionList;
  notSet?: boolean;
  hint?: boolean;
}

function field(kind: RecordKind, name: string, input: FieldInput, extra: FieldOptions = {}): FieldSpec {
  const { options, notSet = false, hint = false, ...rest } = extra;
  return {
    name,
    input,
    ...rest,
    get label() {
      return t(`kinds.${kind}.fields.${name}`);
    },
    get options() {
      return options === undefined ? undefined : choices(options, notSet);
    },
    get hint() {
      return hint ? t(`kinds.${kind}.hints.${name}`) : undefined;
    },
  };
}

function kindOf(kind: RecordKind, fields: readonly FieldSpec[], contentNames: readonly string[]): KindSpec {
  return {
    kind,
    fields,
    get plural() {
      return t(`kinds.${kind}.plural`);
    },
    get singular() {
      return t(`kinds.${kind}.singular`);
    },
    get contentLabels() {
      return Object.fromEntries(contentNames.map((name) => [name, t(`kinds.${kind}.content.${name}`)]));
    },
  };
}

export const KINDS: readonly KindSpec[] = [
  kindOf(
    'diagnosis',
    [
      field('diagnosis', 'code', 'icd10', { required: true }),
      field('diagnosis', 'clinicalStatus', 'select', { required: true, options: 'clinicalStatus' }),
      field('diagnosis', 'onsetDate', 'date'),
      field('diagnosis', 'bodySites', 'sites'),
      field('diagnosis', 'note', 'textarea', { maxLength: 2000 }),
    ],
    ['code', 'text', 'clinicalStatus', 'onsetDate', 'bodySites', 'note'],
  ),
  kindOf(
    'prescription',
    [
      field('prescription', 'drug', 'text', { required: true, maxLength: 200 }),
      field('prescription', 'dose', 'text', { required: true, maxLength: 100, hint: true }),
      field('prescription', 'route', 'select', { required: true, options: 'route' }),
      field('prescription', 'frequency', 'text', { required: true, maxLength: 100, hint: true }),
      field('prescription', 'durationValue', 'number', { required: true }),
      field('prescription', 'durationUnit', 'select', { required: true, options: 'durationUnit' }),
      field('prescription', 'instructions', 'textarea', { maxLength: 1000 }),
      field('prescription', 'status', 'select', { options: 'prescriptionStatus', notSet: true }),
    ],
    ['drug', 'dose', 'route', 'frequency', 'duration', 'instructions', 'status'],
  ),
  kindOf(
    'plan',
    [
      field('plan', 'title', 'text', { required: true, maxLength: 200 }),
      field('plan', 'description', 'textarea', { required: true, maxLength: 4000 }),
      field('plan', 'goals', 'lines', { maxLength: 500 }),
      field('plan', 'activities', 'lines', { maxLength: 500 }),
      field('plan', 'status', 'select', { options: 'planStatus', notSet: true }),
      field('plan', 'periodStart', 'date'),
      field('plan', 'periodEnd', 'date'),
    ],
    ['title', 'description', 'goals', 'activities', 'status', 'period'],
  ),
  kindOf(
    'followup',
    [
      field('followup', 'description', 'textarea', { required: true, maxLength: 2000 }),
      field('followup', 'dueDate', 'date', { required: true }),
      field('followup', 'modality', 'select', { options: 'modality', notSet: true }),
      field('followup', 'instructions', 'textarea', { maxLength: 2000 }),
      field('followup', 'status', 'select', { options: 'followupStatus', notSet: true }),
    ],
    ['description', 'dueDate', 'modality', 'instructions', 'status'],
  ),
  kindOf(
    'note',
    [
      field('note', 'subjective', 'textarea', { maxLength: 8000 }),
      field('note', 'objective', 'textarea', { maxLength: 8000 }),
      field('note', 'assessment', 'textarea', { maxLength: 8000 }),
      field('note', 'plan', 'textarea', { maxLength: 8000 }),
    ],
    ['subjective', 'objective', 'assessment', 'plan'],
  ),
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
    if (field.required === true && typed === '') throw new DraftError(field.name, t('draft.required', { field: field.label }));
    if (field.maxLength !== undefined && field.input !== 'lines' && typed.length > field.maxLength) {
      throw new DraftError(field.name, t('draft.tooLong', { field: field.label, max: field.maxLength }));
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
        throw new DraftError('durationValue', t('draft.duration'));
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
        if (items.some((item) => item.length > 500)) throw new DraftError(name, t('draft.lineTooLong'));
        if (items.length > 0) content[name] = items;
      }
      if (value('status') !== '') content.status = value('status');
      if (value('periodStart') !== '') {
        content.period = value('periodEnd') !== ''
          ? { start: value('periodStart'), end: value('periodEnd') }
          : { start: value('periodStart') };
      } else if (value('periodEnd') !== '') {
        throw new DraftError('periodStart', t('draft.periodStart'));
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
      if (Object.keys(content).length === 0) throw new DraftError('subjective', t('draft.emptyNote'));
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

function optionLabel(list: OptionList, value: unknown): string {
  return optionWords(list, value) || String(value);
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
    if (visits > 0) parts.push(t('formatted.visits', { count: visits }));
    if (photos > 0) parts.push(t('formatted.photos', { count: photos }));
    return parts.join(t('formatted.separator'));
  }
  if (kind === 'diagnosis' && name === 'clinicalStatus') return optionLabel('clinicalStatus', value);
  if (kind === 'diagnosis' && name === 'bodySites' && Array.isArray(value)) return value.map((id) => siteName(String(id))).join(', ');
  if (kind === 'prescription' && name === 'route') return optionLabel('route', value);
  if (kind === 'prescription' && name === 'status') return optionLabel('prescriptionStatus', value);
  if (kind === 'prescription' && name === 'duration') {
    const duration = value as { value: number; unit: string };
    if (!(DURATION_UNITS as readonly string[]).includes(duration.unit)) return `${duration.value} ${duration.unit}`;
    return t(`formatted.duration.${duration.unit}`, { count: duration.value });
  }
  if (kind === 'plan' && name === 'status') return optionLabel('planStatus', value);
  if (kind === 'plan' && name === 'period') {
    const period = value as { start: string; end?: string };
    return period.end !== undefined ? t('formatted.period', { start: period.start, end: period.end }) : t('formatted.periodFrom', { start: period.start });
  }
  if (kind === 'followup' && name === 'modality') return optionLabel('modality', value);
  if (kind === 'followup' && name === 'status') return optionLabel('followupStatus', value);
  if (Array.isArray(value)) return value.map(String).join('; ');
  // A field of an unexpected shape is shown as data rather than as "[object Object]".
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** The field's label for people; unknown names fall back to the name itself. */
export function fieldLabel(kind: RecordKind, name: string): string {
  if (name === 'links') return t('formatted.links');
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
      return t('formatted.followupTitle', { date: text(content.dueDate), description: text(content.description) });
    case 'note':
      return text(content.assessment) || text(content.subjective) || text(content.objective) || text(content.plan);
  }
}
