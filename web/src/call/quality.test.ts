import { describe, expect, it } from 'vitest';
import { describeQuality, median, scoreQuality, worse } from './quality.ts';
import type { StatsSample } from './stats.ts';

function sample(overrides: Partial<StatsSample> = {}): StatsSample {
  return {
    at: 0,
    rttMs: 40,
    lossPct: 0,
    outboundLossPct: 0,
    inboundLossPct: 0,
    jitterMs: 5,
    fps: 30,
    sentFps: 30,
    bitrateKbps: 900,
    inboundKbps: 900,
    availableOutgoingBitrate: 2_500_000,
    framesDecoded: 100,
    sentWidth: 1280,
    sentHeight: 720,
    qualityLimitation: 'none',
    receivedBytes: 100_000,
    ...overrides,
  };
}

const video = { expectVideo: true };

describe('quality score', () => {
  it('has nothing to say before the first sample', () => {
    expect(scoreQuality([], video)).toBeNull();
  });

  it('is good on a healthy connection', () => {
    expect(scoreQuality([sample(), sample(), sample()], video)).toEqual({ level: 'good', reasons: [] });
  });

  it.each([
    ['rtt', { rttMs: 200 }, 'fair'],
    ['rtt', { rttMs: 420 }, 'poor'],
    ['loss', { lossPct: 3 }, 'fair'],
    ['loss', { lossPct: 12 }, 'poor'],
    ['jitter', { jitterMs: 35 }, 'fair'],
    ['jitter', { jitterMs: 80 }, 'poor'],
    ['fps', { fps: 12 }, 'fair'],
    ['fps', { fps: 4 }, 'poor'],
    ['bandwidth', { availableOutgoingBitrate: 400_000, bitrateKbps: 380 }, 'fair'],
    ['bandwidth', { availableOutgoingBitrate: 150_000, bitrateKbps: 140 }, 'poor'],
  ] as const)('judges %s: %o -> %s', (metric, overrides, level) => {
    const verdict = scoreQuality([sample(overrides), sample(overrides), sample(overrides)], video);
    expect(verdict?.level).toBe(level);
    expect(verdict?.reasons[0]?.metric).toBe(metric);
  });

  it('takes the worst metric', () => {
    const verdict = scoreQuality([sample({ rttMs: 200, lossPct: 9 })], video)!;
    expect(verdict.level).toBe('poor');
    expect(verdict.reasons.map((r) => r.metric)).toEqual(['loss', 'rtt']);
  });

  it('uses the median so that one bad interval does not flip it', () => {
    const verdict = scoreQuality([sample(), sample({ lossPct: 30, rttMs: 900 }), sample()], video);
    expect(verdict?.level).toBe('good');
  });

  it('only judges the newest samples', () => {
    const old = Array.from({ length: 5 }, () => sample({ lossPct: 30 }));
    expect(scoreQuality([...old, sample(), sample(), sample()], video)?.level).toBe('good');
  });

  it('ignores frame rate when no video is expected (camera off, audio only)', () => {
    const still = [sample({ fps: 0 }), sample({ fps: 0 })];
    expect(scoreQuality(still, { expectVideo: false })?.level).toBe('good');
    expect(scoreQuality(still, video)?.level).toBe('poor');
  });

  it('does not judge the bitrate actually sent (a still picture needs little)', () => {
    expect(scoreQuality([sample({ bitrateKbps: 40, availableOutgoingBitrate: null })], video)?.level).toBe('good');
    // A low estimate while sending little says nothing about the network either.
    expect(scoreQuality([sample({ bitrateKbps: 40, availableOutgoingBitrate: 200_000 })], video)?.level).toBe('good');
  });

  it('ignores unknown round trips', () => {
    expect(scoreQuality([sample({ rttMs: null })], video)?.level).toBe('good');
  });

  it('words the warning for people', () => {
    expect(describeQuality(null)).toMatch(/good/);
    expect(describeQuality(scoreQuality([sample({ lossPct: 12 })], video))).toMatch(/Poor connection.*lost/);
    expect(describeQuality(scoreQuality([sample({ rttMs: 200 })], video))).toMatch(/fair/);
  });

  it('helpers', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(worse('good', 'fair')).toBe('fair');
    expect(worse('poor', 'fair')).toBe('poor');
  });
});
