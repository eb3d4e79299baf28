// Adaptive encoding: a pure function of the recent stats samples that picks the video sender's
// maxBitrate and scaleResolutionDownBy, or audio only when video cannot hold.
//
// Skin detail matters more than smooth motion, so the ladder gives up bitrate first while keeping
// the full resolution (the sender also runs with degradationPreference 'maintain-resolution', so the
// encoder drops frames before pixels). Resolution is scaled down only on the lower rungs, and
// audio only is the last resort. It steps down at once on heavy loss, after two bad samples out of
// three otherwise, and steps back up one rung at a time after a run of clean samples.

export interface EncodingLevel {
  /** bps; 0 when video is not sent at all. */
  maxBitrate: number;
  scaleResolutionDownBy: number;
  audioOnly: boolean;
}

export const LADDER: readonly EncodingLevel[] = [
  { maxBitrate: 1_500_000, scaleResolutionDownBy: 1, audioOnly: false },
  { maxBitrate: 900_000, scaleResolutionDownBy: 1, audioOnly: false },
  { maxBitrate: 500_000, scaleResolutionDownBy: 1, audioOnly: false },
  { maxBitrate: 300_000, scaleResolutionDownBy: 1.5, audioOnly: false },
  { maxBitrate: 180_000, scaleResolutionDownBy: 2, audioOnly: false },
  { maxBitrate: 0, scaleResolutionDownBy: 2, audioOnly: true },
];

export const AUDIO_ONLY_LEVEL = LADDER.length - 1;
const LOWEST_VIDEO_LEVEL = AUDIO_ONLY_LEVEL - 1;

/** The slice of a stats sample the policy reads. */
export interface AdaptationSample {
  lossPct: number;
  rttMs: number | null;
  /** The congestion controller's estimate (bps), when known. */
  availableOutgoingBitrate: number | null;
  bitrateKbps: number;
  /** Frames per second we send (null when no video is sent). */
  fps: number | null;
}

export interface AdaptationPolicy {
  /** Loss (%) that counts as congestion; two samples out of three step down one rung. */
  lossPct: number;
  /** Loss (%) that steps down two rungs at once. */
  severeLossPct: number;
  /** Loss (%) below which a sample is clean. */
  clearLossPct: number;
  /** Round trip (ms) above which a sample is not clean. */
  clearRttMs: number;
  /** Estimate below this share of our cap means we are bandwidth-limited... */
  limitedShare: number;
  /** ...provided we send at least this share of the estimate (otherwise the picture, not the network, is the limit). */
  usedShare: number;
  /** Frame rate below this (at our resolution) means resolution must give. */
  minFps: number;
  /** Estimate under this (bps) at the lowest video rung: video cannot hold. */
  audioOnlyBelowBps: number;
  /** Loss (%) at which even the lowest video rung is hopeless. */
  extremeLossPct: number;
  /** Clean samples in a row before stepping up (x 2 s). */
  upAfter: number;
  /** From audio only, clean samples in a row before video is tried again. */
  videoBackAfter: number;
  /** Samples to wait after a change before the next step down (lets it take effect). */
  holdAfterChange: number;
}

export const DEFAULT_POLICY: AdaptationPolicy = {
  lossPct: 5,
  severeLossPct: 15,
  clearLossPct: 2,
  clearRttMs: 300,
  limitedShare: 0.85,
  usedShare: 0.7,
  minFps: 5,
  audioOnlyBelowBps: 100_000,
  extremeLossPct: 30,
  upAfter: 4,
  videoBackAfter: 5,
  holdAfterChange: 1,
};

export interface AdaptationState {
  level: number;
  /** Samples seen since the level last changed. */
  samplesSinceChange: number;
}

export const INITIAL_ADAPTATION: AdaptationState = { level: 0, samplesSinceChange: 0 };

export interface AdaptationDecision extends EncodingLevel {
  level: number;
  changed: boolean;
  reason: 'steady' | 'loss' | 'severe-loss' | 'bandwidth' | 'frame-rate' | 'recovered' | 'audio-only';
}

function decision(level: number, changed: boolean, reason: AdaptationDecision['reason']): AdaptationDecision {
  const rung = LADDER[level] as EncodingLevel;
  return { ...rung, level, changed, reason };
}

function atLeast(count: number, window: readonly AdaptationSample[], test: (s: AdaptationSample) => boolean): boolean {
  return window.filter(test).length >= count;
}

/**
 * The encoding for the next interval, from the recent samples (oldest first, newest last) and the
 * previous state. Call once per new sample.
 */
export function adapt(
  samples: readonly AdaptationSample[],
  state: AdaptationState,
  policy: AdaptationPolicy = DEFAULT_POLICY,
): { state: AdaptationState; decision: AdaptationDecision } {
  const current = LADDER[state.level] as EncodingLevel;
  const since = state.samplesSinceChange + 1;
  const stay = (reason: AdaptationDecision['reason'] = 'steady') => ({
    state: { level: state.level, samplesSinceChange: since },
    decision: decision(state.level, false, reason),
  });
  const move = (level: number, reason: AdaptationDecision['reason']) => {
    const bounded = Math.max(0, Math.min(AUDIO_ONLY_LEVEL, level));
    if (bounded === state.level) return stay();
    return { state: { level: bounded, samplesSinceChange: 0 }, decision: decision(bounded, true, reason) };
  };

  const latest = samples[samples.length - 1];
  if (latest === undefined) return stay();
  const last3 = samples.slice(-3);

  const congested = (s: AdaptationSample) => s.lossPct >= policy.lossPct;
  // Bandwidth-limited: the estimate is under our cap AND we actually use most of it. A sender with
  // little to send (a still picture) keeps a low estimate without being limited by the network.
  const limited = (s: AdaptationSample) =>
    !current.audioOnly &&
    s.availableOutgoingBitrate !== null &&
    s.availableOutgoingBitrate < policy.limitedShare * current.maxBitrate &&
    s.bitrateKbps * 1000 >= policy.usedShare * s.availableOutgoingBitrate;
  const starved = (s: AdaptationSample) => !current.audioOnly && s.fps !== null && s.fps < policy.minFps;
  const clean = (s: AdaptationSample) =>
    s.lossPct < policy.clearLossPct &&
    (s.rttMs === null || s.rttMs < policy.clearRttMs) &&
    (current.audioOnly ||
      ((s.availableOutgoingBitrate === null || s.availableOutgoingBitrate >= 0.9 * current.maxBitrate) &&
        (s.fps === null || s.fps >= policy.minFps)));

  // --- down ---
  const holding = since <= policy.holdAfterChange;
  let target = state.level;
  let reason: AdaptationDecision['reason'] = 'steady';
  if (latest.lossPct >= policy.severeLossPct) {
    target = state.level + 2;
    reason = 'severe-loss';
  } else if (atLeast(2, last3, congested)) {
    target = state.level + 1;
    reason = 'loss';
  } else if (samples.length >= 3 && atLeast(2, last3, limited)) {
    // (Not in the first samples: the congestion controller starts low and probes upwards.)
    // Straight to the highest rung that fits in the estimate (at least one step).
    const available = latest.availableOutgoingBitrate ?? 0;
    let fit = LADDER.findIndex((rung) => !rung.audioOnly && rung.maxBitrate <= 0.9 * available);
    if (fit < 0) fit = available < policy.audioOnlyBelowBps ? AUDIO_ONLY_LEVEL : LOWEST_VIDEO_LEVEL;
    target = Math.max(state.level + 1, fit);
    reason = 'bandwidth';
  } else if (atLeast(2, last3, starved)) {
    target = state.level + 1;
    reason = 'frame-rate';
  }
  if (target > state.level) {
    if (holding || current.audioOnly) return stay(); // audio only: nothing lower to go to
    // Audio only is the last resort: only from the lowest video rung, after a while there, and only
    // when video really cannot hold (no bandwidth, frozen picture, or extreme loss). Random loss
    // alone does not go away by sending less, so it stops at the lowest video rung.
    if (target >= AUDIO_ONLY_LEVEL) {
      const cannotHold = (s: AdaptationSample) =>
        (s.availableOutgoingBitrate !== null && s.availableOutgoingBitrate < policy.audioOnlyBelowBps) ||
        (s.fps !== null && s.fps < policy.minFps) ||
        s.lossPct >= policy.extremeLossPct;
      const ready = state.level === LOWEST_VIDEO_LEVEL && since >= 2 && atLeast(2, last3, cannotHold);
      target = ready ? AUDIO_ONLY_LEVEL : LOWEST_VIDEO_LEVEL;
      if (target === state.level) return stay();
    }
    return move(target, target >= AUDIO_ONLY_LEVEL ? 'audio-only' : reason);
  }

  // --- up ---
  const needed = current.audioOnly ? policy.videoBackAfter : policy.upAfter;
  const run = samples.slice(-needed);
  if (state.level > 0 && since >= needed && run.length >= needed && run.every(clean)) {
    return move(state.level - 1, 'recovered');
  }
  return stay();
}

/** Where a policy decision differs from what the sender has (so setParameters is worth calling). */
export function encodingDiffers(
  current: { maxBitrate?: number | undefined; scaleResolutionDownBy?: number | undefined; active?: boolean | undefined },
  wanted: EncodingLevel,
): boolean {
  if (wanted.audioOnly) return current.active !== false;
  return (
    current.active === false ||
    current.maxBitrate !== wanted.maxBitrate ||
    (current.scaleResolutionDownBy ?? 1) !== wanted.scaleResolutionDownBy
  );
}
