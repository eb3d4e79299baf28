import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import type { AgreementEstimate } from '../api/consultation.ts';
import { estimateText, hiddenReadsText, igaGrades, kappaWords, mayClose, mayRead, share } from './figures.ts';

const estimate = (over: Partial<AgreementEstimate>): AgreementEstimate => ({
  value: 0.62, n: 24, ciLow: 0.41, ciHigh: 0.834, ciMethod: 'bootstrap', ...over,
});

describe('agreement figures in words', () => {
  it('writes a kappa with its interval, method and sample', () => {
    expect(estimateText(estimate({}), 'rounds')).toBe('0.62 (95% CI 0.41 to 0.83, bootstrap; n = 24 rounds)');
    expect(estimateText(estimate({ value: -0.125, ciLow: -0.4, ciHigh: 0.15, ciMethod: 'analytic' }), 'rounds'))
      .toBe('−0.13 (95% CI −0.40 to 0.15, asymptotic; n = 24 rounds)');
  });

  it('writes a proportion as a percentage with the Wilson interval', () => {
    expect(estimateText(estimate({ value: 0.75, ciLow: 0.5, ciHigh: 0.9, ciMethod: 'wilson', n: 8 }), 'reads', true))
      .toBe('75% (95% CI 50% to 90%, Wilson; n = 8 reads)');
  });

  it('says why a figure is not defined', () => {
    expect(estimateText(estimate({ value: null, ciLow: null, ciHigh: null, undefined: 'too_few', n: 1 }), 'rounds'))
      .toBe('Not defined: too few to say (n = 1 rounds)');
    expect(estimateText(estimate({ value: null, undefined: 'no_variation', n: 5 }), 'rounds'))
      .toContain('everyone gave the same answer');
  });

  it('reads kappas in Landis and Koch words and shares as percentages', () => {
    expect([-0.1, 0.1, 0.3, 0.5, 0.7, 0.9].map(kappaWords)).toEqual([
      'less than chance', 'slight', 'fair', 'moderate', 'substantial', 'almost perfect',
    ]);
    expect([share(0.755), share(null), share(0)]).toEqual(['76%', '–', '0%']);
  });
});

describe('what a round lets the signed-in doctor do', () => {
  const me = { lead: false, reader: true, submitted: false };

  it('shows a blinded reader only their own form, and the count to the others', () => {
    const round = { readerIds: ['a', 'b'], me: { lead: false } };
    expect(hiddenReadsText({ ...round, hiddenReason: 'read_first', readsIn: null })).not.toMatch(/of 2/);
    expect(hiddenReadsText({ ...round, hiddenReason: 'reads_hidden', readsIn: 1 })).toBe(
      '1 of 2 reads are in. They show when the round is closed.');
    expect(hiddenReadsText({ ...round, hiddenReason: 'reads_hidden', readsIn: 1, me: { lead: true } })).toMatch(
      /once every reader has read/);
    expect(mayRead({ status: 'open', me })).toBe(true);
    expect(mayRead({ status: 'open', me: { ...me, submitted: true } })).toBe(false);
    expect(mayRead({ status: 'closed', me })).toBe(false);
  });

  it('lets the lead close once a read is in', () => {
    const lead = { lead: true, reader: false, submitted: false };
    expect(mayClose({ status: 'open', me: lead, readsIn: 0 })).toBe(false);
    expect(mayClose({ status: 'open', me: lead, readsIn: 2 })).toBe(true);
    expect(mayClose({ status: 'open', me: { ...lead, reader: true }, readsIn: null })).toBe(false);
    expect(mayClose({ status: 'open', me: { ...lead, reader: true, submitted: true }, readsIn: 1 })).toBe(true);
    expect(mayClose({ status: 'closed', me: lead, readsIn: 2 })).toBe(false);
  });
});

describe('agreement figures in Simplified Chinese', () => {
  afterEach(async () => {
    await i18next.changeLanguage('en');
  });

  it('writes the interval, the method, the words and the grades in Chinese', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(estimateText(estimate({}), 'rounds')).toBe('0.62（95% CI 0.41 至 0.83，自助法；n = 24 轮）');
    expect(kappaWords(0.9)).toBe('几乎完全一致');
    expect(igaGrades()[2]).toBe('2 · 轻度');
    expect(hiddenReadsText({ readerIds: ['a', 'b'], me: { lead: false }, hiddenReason: 'reads_hidden', readsIn: 1 }))
      .toBe('已提交 1/2 份意见。本轮结束后显示。');
  });
});
