import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import { askTarget, dueText, noticeText, scheduleRequest } from './wording.ts';

describe('follow-up wording', () => {
  it('counts calendar days against the clinic today the server sent', () => {
    expect(dueText('2026-12-03', '2026-12-03', 'due')).toBe('Due today');
    expect(dueText('2026-12-04', '2026-12-03', 'planned')).toBe('Due tomorrow');
    expect(dueText('2026-12-08', '2026-12-03', 'planned')).toMatch(/^Due in 5 days \(/);
    expect(dueText('2026-11-28', '2026-12-03', 'overdue')).toMatch(/^Overdue since /);
    expect(dueText('2026-12-01', '2026-12-03', 'due')).toMatch(/^Due since /);
    expect(dueText('2026-12-01', '2026-12-03', 'done')).toBe('Done');
  });

  it('sends each ask to the place in the app that answers it', () => {
    expect(askTarget('/cases/c1', 'photos')).toBe('/cases/c1?tab=photos');
    expect(askTarget('/cases/c1', 'score:ITCH_NRS')).toBe('/cases/c1?tab=scores');
    expect(askTarget('/cases/c1', 'visit')).toBe('/cases/c1');
  });

  it('words notices from their kind alone', () => {
    expect(noticeText('followup.due', '2026-12-03')).toBe('A follow-up step is due today.');
    expect(noticeText('followup.overdue', '2026-11-28')).toMatch(/overdue since/);
    expect(noticeText('something.else', '2026-11-28')).toBe('You have a new notice.');
  });

  it('turns the schedule form into a request, or names what to fix', () => {
    const form = { dueDate: '2026-12-10', modality: 'photo-review' as const, asks: ['photos' as const], everyWeeks: 0, times: 1 };
    expect(scheduleRequest(form, '2026-12-03')).toEqual({ dueDate: '2026-12-10', modality: 'photo-review', asks: ['photos'] });
    expect(scheduleRequest({ ...form, everyWeeks: 2, times: 6 }, '2026-12-03')).toEqual({
      dueDate: '2026-12-10', modality: 'photo-review', asks: ['photos'], repeat: { everyDays: 14, count: 6 } });
    expect(scheduleRequest({ ...form, everyWeeks: 2, times: 1 }, '2026-12-03')).toBe('A series has 2 to 52 follow-ups.');
    expect(scheduleRequest({ ...form, dueDate: '2026-12-01' }, '2026-12-03')).toBe('The day cannot be in the past.');
    expect(scheduleRequest({ ...form, asks: [] }, '2026-12-03')).toBe('Choose what the patient is asked for.');
    expect(scheduleRequest({ ...form, modality: 'in-person', asks: [] }, '2026-12-03')).toEqual({
      dueDate: '2026-12-10', modality: 'in-person', asks: [] });
    expect(scheduleRequest({ ...form, dueDate: '' }, '2026-12-03')).toBe('Choose the day it is due.');
  });

  describe('in Simplified Chinese', () => {
    afterEach(async () => {
      await i18next.changeLanguage('en');
    });

    it('says due days, dates and problems in Chinese', async () => {
      await i18next.changeLanguage('zh-CN');
      expect(dueText('2026-12-03', '2026-12-03', 'due')).toBe('今天到期');
      expect(dueText('2026-12-08', '2026-12-03', 'planned')).toBe('5天后到期（12月8日）');
      expect(noticeText('followup.overdue', '2026-11-28')).toBe('您有一项复诊任务自11月28日起已逾期。');
      expect(scheduleRequest({ dueDate: '', modality: 'video', asks: ['visit'], everyWeeks: 0, times: 1 }, '2026-12-03'))
        .toBe('请选择到期日期。');
    });
  });
});
