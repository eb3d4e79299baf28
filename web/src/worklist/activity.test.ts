import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import { arrivals, lesionChanges, worsening } from './activity.ts';

describe('worklist wording', () => {
  it('counts what arrived', () => {
    expect(arrivals({ newPhotos: 2, newScores: 1 })).toBe('2 new photos, 1 new score');
    expect(arrivals({ newPhotos: 1, newScores: 0 })).toBe('1 new photo');
    expect(arrivals({ newPhotos: 0, newScores: 3 })).toBe('3 new scores');
  });

  it('names what worsened in words', () => {
    expect(worsening({ worsened: ['ITCH_NRS', 'DLQI'] })).toBe('Worse: itch, quality of life (DLQI)');
    expect(worsening({ worsened: [] })).toBe('');
  });

  it('says how many lesions measured a meaningful change', () => {
    expect(lesionChanges({ changedLesions: ['l1'] })).toBe('Measured change: 1 lesion');
    expect(lesionChanges({ changedLesions: ['l1', 'l2'] })).toBe('Measured change: 2 lesions');
    expect(lesionChanges({ changedLesions: [] })).toBe('');
  });

  afterEach(async () => {
    await i18next.changeLanguage('en');
  });

  it('counts and names in Simplified Chinese', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(arrivals({ newPhotos: 2, newScores: 1 })).toBe('2张新照片、1项新评分');
    expect(worsening({ worsened: ['ITCH_NRS', 'DLQI'] })).toBe('加重：瘙痒、生活质量（DLQI）');
    expect(lesionChanges({ changedLesions: ['l1'] })).toBe('测量到明显变化：1 处皮损');
  });
});
