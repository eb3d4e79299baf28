import { afterEach, describe, expect, it } from 'vitest';
import rules from '../../../functions/images/capture_rules.json';
import vocabulary from '../../../functions/lesions/body_sites.json';
import type { TimelineEvent } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import en from '../i18n/locales/en/cases.json';
import zh from '../i18n/locales/zh-CN/cases.json';
import { describeOffset } from './compare.ts';
import { describeEvent, flagLabel } from './eventText.ts';
import { borderlineMessage, MESSAGES, serverRefusalMessage, tooSmallMessage } from './qualityGate.ts';
import { bandLabel, dlqiBand, easiBand, IGA_LABELS, nrsBand, poemBand, previewScore } from './scorePreview.ts';
import { siteLabel, viewLabel } from './siteLabels.ts';

afterEach(async () => {
  await i18next.changeLanguage('en');
});

function event(type: string, summary: Record<string, unknown>): TimelineEvent {
  return { eventId: 'e', type, occurredAt: '2026-03-01T10:00:00+00:00', actorId: 'u', refId: 'r', summary };
}

describe('cases texts: English stays the shared sources', () => {
  it('the photo advice in English is the capture rules file, word for word', () => {
    for (const [code, message] of Object.entries(rules.messages)) {
      expect(en.gate[code as keyof typeof rules.messages], code).toBe(message.replace(/\{(\w+)\}/g, '{{$1}}'));
    }
    expect(en.gate.problem).toEqual(rules.problemNames);
  });

  it('every body site of the vocabulary has its label, the same in English as the server sends', () => {
    for (const site of vocabulary.sites) {
      expect(en.site[site.id as keyof typeof en.site], site.id).toBe(site.label);
      expect(zh.site[site.id as keyof typeof zh.site], site.id).toBeTruthy();
    }
  });

  it('every band the instruments give has words in both languages', () => {
    const bands = new Set([
      ...IGA_LABELS,
      ...[0, 0.5, 5, 15, 30, 60].map(easiBand),
      ...[0, 3, 8, 15, 25].map(dlqiBand),
      ...[1, 5, 10, 20, 26].map(poemBand),
      ...[0, 2, 5, 7, 9].map(nrsBand),
    ]);
    for (const band of bands) {
      expect(en.band[band as keyof typeof en.band], band).toBeTruthy();
      expect(zh.band[band as keyof typeof zh.band], band).toBeTruthy();
    }
  });
});

describe('cases texts in Simplified Chinese', () => {
  it('body sites, views, events and flags follow the language', async () => {
    const sites = [{ id: 'elbow_left', label: 'Left elbow', views: ['front' as const], region: 'upperLimbs' as const }];
    await i18next.changeLanguage('zh-CN');
    expect(siteLabel(sites, 'elbow_left')).toBe('左肘');
    expect(viewLabel('back')).toBe('背面');
    expect(describeEvent(event('photo', { bodySite: 'elbow_left', bodySiteLabel: 'Left elbow', source: 'visit' }), sites)).toBe(
      '左肘的照片（问诊中拍摄）',
    );
    expect(describeEvent(event('score', { instrument: 'DLQI', total: 6, band: 'moderate_effect' }), sites)).toBe('DLQI 6 (中度影响)');
    expect(flagLabel('mcid_improved')).toBe('明显改善');
    expect(describeOffset(-2)).toBe('2 天前');
    // A site this build does not know keeps the server's label; nothing is recorded as missing.
    expect(siteLabel([{ id: 'tail', label: 'Tail', views: ['back'], region: 'trunk' }], 'tail')).toBe('Tail');
  });

  it('the photo advice is translated by its code, figures filled in', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(MESSAGES.too_dark).toBe(zh.gate.too_dark);
    expect(tooSmallMessage(640, 480)).toContain('640 x 480');
    expect(tooSmallMessage(640, 480)).toContain('800 x 600');
    expect(borderlineMessage('blurry')).toContain('清晰度');
    expect(serverRefusalMessage('blurry', 'The photo is blurred.')).toBe(zh.gate.blurry);
    expect(serverRefusalMessage('upload_expired', 'The upload link had expired.')).toBe(zh.photos.rejection.upload_expired);
    await i18next.changeLanguage('en');
    expect(serverRefusalMessage('too_small', 'The photo is 10 x 10 pixels.')).toBe('The photo is 10 x 10 pixels.');
  });

  it('score checks speak the language', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(bandLabel('very_large_effect')).toBe('重度影响');
    expect(previewScore('IGA', { grade: 5 })).toEqual({ ok: false, errors: ['请选择 0 到 4 级。'] });
    const dlqi = previewScore('DLQI', { items: [null, null, 0, 0, 0, 0, 0, 0, 0, 0] });
    expect(dlqi.ok ? [] : dlqi.errors).toEqual(['第 1、2 题未作答：最多只能有一题不答。']);
  });
});
