// Noise gate logic, pure: from the level of the (high-pass filtered) microphone signal, decide how
// far the gate is open. Hysteresis (open above one level, close below a lower one) and a hold time
// keep it from chattering on speech pauses; opening is fast, closing is gentle.

export interface GateParams {
  /** Opens when the level rises above this (dBFS). */
  openDb: number;
  /** Closes when the level stays below this (dBFS) for `holdMs`. */
  closeDb: number;
  holdMs: number;
  /** Gain while closed: attenuate background noise rather than cut it dead (sounds more natural). */
  floorGain: number;
}

export const DEFAULT_GATE: GateParams = { openDb: -50, closeDb: -58, holdMs: 250, floorGain: 0.12 };

export interface GateState {
  open: boolean;
  /** Time (ms) the level has been under closeDb while open. */
  quietMs: number;
}

export const INITIAL_GATE: GateState = { open: true, quietMs: 0 };

/** RMS of samples in [-1, 1], in dBFS (-Infinity for silence). */
export function rmsDb(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const value = samples[i] as number;
    sum += value * value;
  }
  const rms = samples.length > 0 ? Math.sqrt(sum / samples.length) : 0;
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

export function gateStep(state: GateState, levelDb: number, elapsedMs: number, params: GateParams = DEFAULT_GATE): { state: GateState; gain: number } {
  if (levelDb >= params.openDb) return { state: { open: true, quietMs: 0 }, gain: 1 };
  if (!state.open) return { state, gain: params.floorGain };
  if (levelDb < params.closeDb) {
    const quietMs = state.quietMs + elapsedMs;
    if (quietMs >= params.holdMs) return { state: { open: false, quietMs: 0 }, gain: params.floorGain };
    return { state: { open: true, quietMs }, gain: 1 };
  }
  // Between the two thresholds: stay as we are.
  return { state: { open: true, quietMs: 0 }, gain: 1 };
}
