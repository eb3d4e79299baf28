import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import type { AwaitingRead } from '../api/types.ts';
import { roundPath } from '../routing/roles.ts';
import { awaitingSentence } from './AwaitingReadList.tsx';

const row: AwaitingRead = {
  caseId: 'c-1', roundId: 'cr_1', patientId: 'p-1', patientName: 'Alex Morgan', condition: 'Plaque psoriasis',
  leadId: 'd-1', leadName: 'Dr. Mei Chen', question: 'Plaque or fungal?', openedAt: '2026-12-04T01:00:00Z',
};

describe('awaitingSentence', () => {
  afterEach(async () => {
    await i18next.changeLanguage('en');
  });
  it('says who asks for the read on whose case, by name', () => {
    expect(awaitingSentence(row)).toBe('Dr. Mei Chen asks for your read on Alex Morgan’s case (Plaque psoriasis).');
  });
  it('never shows an id when a name is unknown', () => {
    const sentence = awaitingSentence({ ...row, patientName: null, leadName: null, condition: null });
    expect(sentence).toBe('A colleague asks for your read on a patient’s case.');
    expect(sentence).not.toContain('d-1');
  });
  it('says the same in Simplified Chinese, names unchanged', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(awaitingSentence(row)).toBe('Dr. Mei Chen请您对Alex Morgan的病例（Plaque psoriasis）给出独立判读。');
  });
  it('links to the round on its case page', () => {
    expect(roundPath('c 1', 'cr_1')).toBe('/cases/c%201#round-cr_1');
  });
});
