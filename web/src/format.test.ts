import { afterEach, describe, expect, it } from 'vitest';
import { formatMonth } from './format.ts';
import { i18next } from './i18n/index.ts';

describe('formatMonth', () => {
  afterEach(async () => {
    await i18next.changeLanguage('en');
  });
  it('names the month in English', async () => {
    await i18next.changeLanguage('en');
    expect(formatMonth('2026-11')).toBe('November 2026');
    expect(formatMonth('2027-01')).toBe('January 2027');
  });
  it('names the month in Simplified Chinese', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(formatMonth('2026-11')).toBe('2026年11月');
  });
  it('shows anything that is not a month key as it came', () => {
    for (const raw of ['2026-13', '2026-1', 'soon', '']) expect(formatMonth(raw)).toBe(raw);
  });
});
