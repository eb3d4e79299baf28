import { describe, expect, it } from 'vitest';
import {
  adapt,
  AUDIO_ONLY_LEVEL,
  encodingDiffers,
  INITIAL_ADAPTATION,
  LADDER,
  type AdaptationSample,
  type AdaptationState,
} from './adaptation.ts';

/** `n` copies of `value` (typed, unlike `Array(n).fill`). */
const repeat = <T,>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

const clean: AdaptationSample = { lossPct: 0, rttMs: 20, availableOutgoingBitrate: 3_000_000, bitrateKbps: 900, fps: 30 };
const lossy = (lossPct: number): AdaptationSample => ({ ...clean, lossPct });

/** Feeds samples one by one, as the session does every 2 s; returns every decision. */
function run(samples: AdaptationSample[], start: AdaptationState = INITIAL_ADAPTATION) {
  let state = start;
  const seen: AdaptationSample[] = [];
  const decisions = [];
  for (const sample of samples) {
    seen.push(sample);
    const result = adapt(seen.slice(-10), state);
    state = result.state;
    decisions.push(result.decision);
  }
  return { state, decisions };
}

describe('adaptation policy', () => {
  it('keeps full quality on a clean network', () => {
    const { state, decisions } = run(repeat(10, clean));
    expect(state.level).toBe(0);
    expect(decisions.every((d) => !d.changed && d.maxBitrate === 1_500_000 && d.scaleResolutionDownBy === 1)).toBe(true);
  });

  it('ignores a single lossy interval', () => {
    const { state } = run([clean, clean, lossy(7), clean, clean]);
    expect(state.level).toBe(0);
  });

  it('lowers the bitrate after two lossy intervals out of three, keeping the resolution', () => {
    const { decisions } = run([clean, clean, lossy(7), clean, lossy(8)]);
    const last = decisions.at(-1)!;
    expect(last.changed).toBe(true);
    expect(last.reason).toBe('loss');
    expect(last.maxBitrate).toBeLessThan(1_500_000);
    expect(last.scaleResolutionDownBy).toBe(1);
  });

  it('steps down two rungs at once on heavy loss', () => {
    const { decisions } = run([clean, clean, lossy(20)]);
    expect(decisions.at(-1)).toMatchObject({ level: 2, changed: true, reason: 'severe-loss', scaleResolutionDownBy: 1 });
  });

  it('gives up resolution only on the lower rungs (resolution is preferred over frame rate)', () => {
    const firstScaled = LADDER.findIndex((rung) => rung.scaleResolutionDownBy > 1);
    expect(firstScaled).toBeGreaterThanOrEqual(3);
    for (let index = 1; index < LADDER.length; index += 1) {
      const rung = LADDER[index]!;
      const above = LADDER[index - 1]!;
      if (!rung.audioOnly) expect(rung.maxBitrate).toBeLessThan(above.maxBitrate);
      expect(rung.scaleResolutionDownBy).toBeGreaterThanOrEqual(above.scaleResolutionDownBy);
    }
  });

  it('waits one interval after a change before stepping down again', () => {
    const { decisions } = run([clean, clean, lossy(20), lossy(20), lossy(20)]);
    expect(decisions.map((d) => d.level)).toEqual([0, 0, 2, 2, 4]);
  });

  it('falls back to audio only when even the lowest video rung cannot hold, never straight away', () => {
    const starvedLink = { ...lossy(12), availableOutgoingBitrate: 60_000, bitrateKbps: 55 };
    const { decisions } = run([clean, ...repeat(10, starvedLink)]);
    const levels = decisions.map((d) => d.level);
    expect(levels).toContain(AUDIO_ONLY_LEVEL - 1);
    const first = levels.indexOf(AUDIO_ONLY_LEVEL);
    expect(first).toBeGreaterThan(levels.indexOf(AUDIO_ONLY_LEVEL - 1) + 1);
    expect(decisions.at(-1)).toMatchObject({ audioOnly: true, level: AUDIO_ONLY_LEVEL });
  });

  it('keeps video at the lowest rung under random loss alone (sending less would not help)', () => {
    const { state } = run([clean, ...repeat(12, lossy(18))]);
    expect(state.level).toBe(AUDIO_ONLY_LEVEL - 1);
  });

  it('goes audio only when the picture freezes or loss is extreme at the lowest rung', () => {
    const frozen = run([clean, ...repeat(10, { ...lossy(10), fps: 2 })]).state;
    expect(frozen.level).toBe(AUDIO_ONLY_LEVEL);
    const extreme = run([clean, ...repeat(10, lossy(40))]).state;
    expect(extreme.level).toBe(AUDIO_ONLY_LEVEL);
  });

  it('fits the estimate when bandwidth is limited (after the start-up ramp)', () => {
    const limited = { ...clean, availableOutgoingBitrate: 420_000, bitrateKbps: 400 };
    const { decisions } = run([clean, clean, clean, limited, limited]);
    const last = decisions.at(-1)!;
    expect(last.reason).toBe('bandwidth');
    expect(last.maxBitrate).toBeLessThanOrEqual(0.9 * 420_000);
    expect(last.audioOnly).toBe(false);
  });

  it('does not mistake a sender with little to send (low estimate, low use) for a limited one', () => {
    const stillPicture = { ...clean, availableOutgoingBitrate: 350_000, bitrateKbps: 90 };
    expect(run(repeat(8, stillPicture)).state.level).toBe(0);
  });

  it('does not treat the congestion controller ramping up at the start as a limit', () => {
    const ramp = { ...clean, availableOutgoingBitrate: 300_000 };
    const { state } = run([ramp, ramp]);
    expect(state.level).toBe(0);
  });

  it('scales resolution when the frame rate collapses', () => {
    const slideshow = { ...clean, fps: 2 };
    const { decisions } = run([clean, slideshow, slideshow]);
    expect(decisions.at(-1)).toMatchObject({ changed: true, reason: 'frame-rate', level: 1 });
  });

  it('raises quality again one rung at a time once the network is clean', () => {
    const start: AdaptationState = { level: 3, samplesSinceChange: 10 };
    const recovered = { ...clean, availableOutgoingBitrate: 5_000_000 };
    const { decisions, state } = run(repeat(20, recovered), start);
    const changes = decisions.filter((d) => d.changed);
    expect(changes.map((d) => d.level)).toEqual([2, 1, 0]);
    expect(changes.every((d) => d.reason === 'recovered')).toBe(true);
    expect(state.level).toBe(0);
    // At least four clean intervals (8 s) between two steps up.
    const indexes = decisions.map((d, i) => (d.changed ? i : -1)).filter((i) => i >= 0);
    expect(indexes[1]! - indexes[0]!).toBeGreaterThanOrEqual(4);
  });

  it('does not step up while still bandwidth-limited at the current rung', () => {
    const start: AdaptationState = { level: 2, samplesSinceChange: 10 };
    const tight = { ...clean, availableOutgoingBitrate: 400_000, bitrateKbps: 380 };
    const { state } = run(repeat(8, tight), start);
    expect(state.level).toBeGreaterThanOrEqual(2);
  });

  it('tries video again after a longer clean run in audio only', () => {
    const start: AdaptationState = { level: AUDIO_ONLY_LEVEL, samplesSinceChange: 0 };
    const audioClean = { ...clean, fps: null, availableOutgoingBitrate: 60_000 };
    const { decisions } = run(repeat(6, audioClean), start);
    const change = decisions.findIndex((d) => d.changed);
    expect(change).toBe(4); // the fifth clean sample
    expect(decisions[change]).toMatchObject({ level: AUDIO_ONLY_LEVEL - 1, audioOnly: false });
  });

  it('stays in audio only while loss goes on', () => {
    const start: AdaptationState = { level: AUDIO_ONLY_LEVEL, samplesSinceChange: 3 };
    const { state } = run(repeat(8, { ...lossy(12), fps: null }), start);
    expect(state.level).toBe(AUDIO_ONLY_LEVEL);
  });

  it('tells when the sender needs new parameters', () => {
    const rung = LADDER[1]!;
    expect(encodingDiffers({ maxBitrate: rung.maxBitrate, scaleResolutionDownBy: 1, active: true }, rung)).toBe(false);
    expect(encodingDiffers({ maxBitrate: 1_500_000, scaleResolutionDownBy: 1, active: true }, rung)).toBe(true);
    expect(encodingDiffers({ active: true }, LADDER[AUDIO_ONLY_LEVEL]!)).toBe(true);
    expect(encodingDiffers({ active: false }, LADDER[AUDIO_ONLY_LEVEL]!)).toBe(false);
    expect(encodingDiffers({ maxBitrate: rung.maxBitrate, active: false }, rung)).toBe(true);
  });
});
