import { describe, expect, it } from 'vitest';
import type { AdaptationDecision } from './adaptation.ts';
import type { QualityVerdict } from './quality.ts';
import { anyAudioOnly, worstVerdict } from './qualityMonitor.ts';

const verdict = (level: QualityVerdict['level']): QualityVerdict => ({ level, reasons: [] });

describe('worstVerdict', () => {
  it('is the worst peer verdict, the first of equals, and null before any', () => {
    const fair = verdict('fair');
    const poorA = verdict('poor');
    const poorB = verdict('poor');
    expect(worstVerdict([{ verdict: null }, { verdict: fair }, { verdict: poorA }, { verdict: poorB }])).toBe(poorA);
    expect(worstVerdict([{ verdict: null }])).toBeNull();
  });
});

describe('anyAudioOnly', () => {
  it('is true when our video is paused towards any peer', () => {
    const audioOnly = { audioOnly: true } as AdaptationDecision;
    const video = { audioOnly: false } as AdaptationDecision;
    expect(anyAudioOnly([{ decision: video }, { decision: audioOnly }])).toBe(true);
    expect(anyAudioOnly([{ decision: video }, { decision: null }])).toBe(false);
  });
});
