import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import { mediaHelp } from './mediaErrors.ts';
import { describeQuality } from './quality.ts';
import { durationText } from './VisitHistory.tsx';

afterEach(async () => {
  await i18next.changeLanguage('en');
});

describe('call texts', () => {
  it('keeps the English help word for word, device names included', () => {
    expect(mediaHelp('denied', 'ios', 'camera').steps[0]).toBe(
      'Open the Settings app, scroll to Safari (or the browser you use) and set Camera to "Allow".',
    );
    expect(mediaHelp('denied', 'android').steps[1]).toBe('Turn on Camera and Microphone, then tap "Try again".');
    expect(mediaHelp('denied', 'desktop', 'microphone').steps[1]).toBe(
      'Choose "Allow" for the microphone, then click "Try again" (you may need to reload the page).',
    );
    expect(mediaHelp('no-device', 'desktop', 'microphone')).toEqual({
      problem: 'no-device',
      title: 'No microphone was found.',
      steps: ['Plug in a microphone or headset, or use your phone instead.', 'Then click "Try again".'],
    });
    expect(
      describeQuality({ level: 'poor', reasons: [{ metric: 'loss', level: 'poor', value: 7 }] }),
    ).toBe('Poor connection (data is being lost on the way). Video quality is lowered to keep the call going; moving closer to your Wi-Fi can help.');
  });

  it('speaks Simplified Chinese once the language changes, with the same sentence shapes', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(mediaHelp('in-use', 'android', 'camera').title).toBe('您的摄像头正被其他 App 使用。');
    expect(describeQuality({ level: 'fair', reasons: [{ metric: 'jitter', level: 'fair', value: 40 }] })).toBe('您的网络一般（网络不稳定）。');
    expect(durationText(605)).toBe('10 分 05 秒');
    expect(i18next.t('call:history.reconnects', { count: 2 })).toBe('，重新连接 2 次');
  });
});
