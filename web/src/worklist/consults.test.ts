import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import type { ConsultRequest } from '../api/types.ts';
import { consultSentence } from './ConsultList.tsx';

const row: ConsultRequest = {
  caseId: 'c-1', patientId: 'p-1', patientName: 'Alex Morgan', condition: 'Plaque psoriasis', invitedBy: 'd-1',
  invitedByName: 'Dr. Mei Chen', invitedAt: '2026-12-04T01:00:00Z', until: '2026-12-07T01:00:00Z',
  question: 'Plaque or fungal?', answer: 'pending',
};

describe('consultSentence', () => {
  it('says who asked, whose case and which condition, by name', () => {
    expect(consultSentence(row)).toBe('Dr. Mei Chen asked you to look at Alex Morgan’s case (Plaque psoriasis).');
  });
  it('never shows an id when a name is unknown', () => {
    const sentence = consultSentence({ ...row, patientName: null, invitedByName: null, condition: null });
    expect(sentence).toBe('A colleague asked you to look at a patient’s case.');
    expect(sentence).not.toContain('d-1');
  });

  afterEach(async () => {
    await i18next.changeLanguage('en');
  });
  it('says the same in Simplified Chinese, names unchanged', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(consultSentence(row)).toBe('Dr. Mei Chen邀请您查看Alex Morgan的病例（Plaque psoriasis）。');
  });
});
