import { afterEach, describe, expect, it } from 'vitest';
import { i18next, missingKeys } from '../i18n/index.ts';
import {
  contentToDraft,
  draftChanged,
  DraftError,
  draftToContent,
  emptyDraft,
  entryTitle,
  fieldLabel,
  formatField,
  KINDS,
} from './kinds.ts';

describe('record forms', () => {
  it('has a form for each of the five kinds', () => {
    expect(KINDS.map((spec) => spec.kind).sort()).toEqual(['diagnosis', 'followup', 'note', 'plan', 'prescription']);
  });

  it('turns a diagnosis form into strict content and back', () => {
    const draft = {
      ...emptyDraft('diagnosis'),
      code: 'L40.0',
      text: 'Psoriasis vulgaris',
      clinicalStatus: 'relapse',
      onsetDate: '2025-03-01',
      bodySites: 'elbow_left\nlower_back',
      note: '  ',
    };
    const content = draftToContent('diagnosis', draft);
    expect(content).toEqual({
      code: 'L40.0',
      text: 'Psoriasis vulgaris',
      clinicalStatus: 'relapse',
      onsetDate: '2025-03-01',
      bodySites: ['elbow_left', 'lower_back'],
    });
    expect(draftToContent('diagnosis', contentToDraft('diagnosis', content))).toEqual(content);
  });

  it('builds a prescription duration and leaves empty optional fields out', () => {
    const draft = {
      ...emptyDraft('prescription'),
      drug: ' Methotrexate ',
      dose: '10 mg',
      route: 'oral',
      frequency: 'once weekly',
      durationValue: '12',
    };
    expect(draftToContent('prescription', draft)).toEqual({
      drug: 'Methotrexate',
      dose: '10 mg',
      route: 'oral',
      frequency: 'once weekly',
      duration: { value: 12, unit: 'week' },
    });
    expect(() => draftToContent('prescription', { ...draft, durationValue: '1.5' })).toThrow(DraftError);
    expect(() => draftToContent('prescription', { ...draft, durationValue: '4000' })).toThrow(/1 to 3650/);
    expect(() => draftToContent('prescription', { ...draft, drug: '' })).toThrow(/Drug is required/);
  });

  it('keeps plan goals and activities one per line, and its period', () => {
    const content = draftToContent('plan', {
      ...emptyDraft('plan'),
      title: 'Clear',
      description: 'Topicals',
      goals: 'PASI 75\n\n  DLQI under 5  ',
      activities: '',
      periodStart: '2026-12-01',
      periodEnd: '2027-03-01',
    });
    expect(content).toEqual({
      title: 'Clear',
      description: 'Topicals',
      goals: ['PASI 75', 'DLQI under 5'],
      period: { start: '2026-12-01', end: '2027-03-01' },
    });
    expect(() =>
      draftToContent('plan', { ...emptyDraft('plan'), title: 'T', description: 'D', periodEnd: '2027-01-01' }),
    ).toThrow(/start date/);
  });

  it('needs at least one part of a note, and a follow-up due date', () => {
    expect(() => draftToContent('note', emptyDraft('note'))).toThrow(DraftError);
    expect(draftToContent('note', { ...emptyDraft('note'), plan: 'Review' })).toEqual({ plan: 'Review' });
    expect(() => draftToContent('followup', { ...emptyDraft('followup'), description: 'Review' })).toThrow(/Due/);
  });

  it('knows when a form holds unsaved text', () => {
    const start = contentToDraft('note', { subjective: 'Itchy' });
    expect(draftChanged(start, { ...start })).toBe(false);
    expect(draftChanged(start, { ...start, subjective: 'Itchy ' })).toBe(false);
    expect(draftChanged(start, { ...start, plan: 'Review' })).toBe(true);
  });

  it('reads fields and titles in words', () => {
    expect(formatField('prescription', 'duration', { value: 1, unit: 'month' })).toBe('1 month');
    expect(formatField('prescription', 'duration', { value: 4, unit: 'week' })).toBe('4 weeks');
    expect(formatField('followup', 'modality', 'photo-review')).toBe('Photo review');
    expect(formatField('diagnosis', 'bodySites', ['elbow_left'], () => 'Left elbow')).toBe('Left elbow');
    expect(formatField('diagnosis', 'links', { visitIds: ['v'], photoIds: ['a', 'b'] })).toBe('1 visit, 2 photos');
    expect(fieldLabel('prescription', 'frequency')).toBe('How often');
    expect(entryTitle('diagnosis', { code: 'L40.0', text: 'Psoriasis vulgaris' })).toBe('L40.0 Psoriasis vulgaris');
    expect(
      entryTitle('prescription', { drug: 'Gel', dose: 'thin layer', route: 'topical', frequency: 'daily' }),
    ).toBe('Gel, thin layer, topical, daily');
  });

  describe('in Simplified Chinese', () => {
    afterEach(async () => {
      await i18next.changeLanguage('en');
    });

    it('names every kind, field, option and value from its code, with no key missing', async () => {
      await i18next.changeLanguage('zh-CN');
      const before = missingKeys.length;
      const words = KINDS.flatMap((spec) => [
        spec.plural,
        spec.singular,
        ...Object.values(spec.contentLabels),
        ...spec.fields.flatMap((field) => [field.label, field.hint ?? '', ...(field.options ?? []).map(([, text]) => text)]),
      ]);
      expect(missingKeys.slice(before)).toEqual([]);
      // Every word is Chinese (or the "not set" dash / the ICD-10 name), none left in English.
      for (const word of words.filter((text) => text !== '' && text !== '—')) expect(word, word).toMatch(/[\u4e00-\u9fff]/);
      expect(KINDS[0]?.plural).toBe('诊断');
      expect(formatField('prescription', 'duration', { value: 4, unit: 'week' })).toBe('4 周');
      expect(formatField('followup', 'modality', 'photo-review')).toBe('照片复查');
      expect(formatField('diagnosis', 'links', { visitIds: ['v'], photoIds: ['a', 'b'] })).toBe('1 次问诊，2 张照片');
      expect(() => draftToContent('plan', emptyDraft('plan'))).toThrow('请填写标题。');
    });
  });
});
