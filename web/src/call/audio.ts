// Noise reduction on the microphone: the browser's own noiseSuppression / echoCancellation (asked
// for in the getUserMedia constraints) plus a Web Audio chain the user can switch on and off:
//
//   mic -> high-pass 90 Hz (rumble, handling noise, mains hum) -> low-pass 8 kHz (hiss above speech)
//       -> noise gate (gate.ts: hysteresis + hold; attenuates background between words) -> out
//
// The chain's output track replaces the raw one on every peer connection's audio sender.

import { DEFAULT_GATE, gateStep, INITIAL_GATE, rmsDb, type GateState } from './gate.ts';

const GATE_INTERVAL_MS = 20;

type AudioContextConstructor = typeof AudioContext;

function audioContextClass(): AudioContextConstructor | null {
  const w = globalThis as unknown as { AudioContext?: AudioContextConstructor; webkitAudioContext?: AudioContextConstructor };
  return w.AudioContext ?? w.webkitAudioContext ?? null;
}

export class AudioChain {
  readonly context: AudioContext;
  readonly output: MediaStreamTrack;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly gain: GainNode;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;
  private gate: GateState = INITIAL_GATE;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastTick = 0;

  private constructor(context: AudioContext, input: MediaStreamTrack) {
    this.context = context;
    this.source = context.createMediaStreamSource(new MediaStream([input]));
    const highpass = context.createBiquadFilter();
    highpass.type = 'highpass';
    highpass.frequency.value = 90;
    highpass.Q.value = 0.707;
    const lowpass = context.createBiquadFilter();
    lowpass.type = 'lowpass';
    lowpass.frequency.value = 8000;
    lowpass.Q.value = 0.707;
    this.gain = context.createGain();
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.buffer = new Float32Array(this.analyser.fftSize);
    const destination = context.createMediaStreamDestination();

    this.source.connect(highpass);
    highpass.connect(lowpass);
    lowpass.connect(this.analyser);
    lowpass.connect(this.gain);
    this.gain.connect(destination);
    const track = destination.stream.getAudioTracks()[0];
    if (track === undefined) throw new Error('Web Audio gave no output track.');
    this.output = track;
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), GATE_INTERVAL_MS);
  }

  /** A running chain for `input`, or null where Web Audio is missing or cannot start. */
  static async create(input: MediaStreamTrack): Promise<AudioChain | null> {
    const Context = audioContextClass();
    if (Context === null) return null;
    try {
      const context = new Context({ latencyHint: 'interactive' });
      if (context.state !== 'running') await context.resume().catch(() => undefined);
      if (context.state !== 'running') {
        // Without a user gesture the context stays suspended and would send silence.
        await context.close().catch(() => undefined);
        return null;
      }
      return new AudioChain(context, input);
    } catch {
      return null;
    }
  }

  get running(): boolean {
    return this.context.state === 'running';
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.output.stop();
    this.source.disconnect();
    void this.context.close().catch(() => undefined);
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    this.analyser.getFloatTimeDomainData(this.buffer);
    const { state, gain } = gateStep(this.gate, rmsDb(this.buffer), elapsed, DEFAULT_GATE);
    const opening = gain > this.gain.gain.value;
    this.gate = state;
    // Open within ~5 ms (no clipped syllables), close over ~80 ms (no pumping).
    this.gain.gain.setTargetAtTime(gain, this.context.currentTime, opening ? 0.005 : 0.08);
  }
}

/** Microphone level (0..1) for the pre-call check's meter. */
export class LevelMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;

  private constructor(context: AudioContext, track: MediaStreamTrack) {
    this.context = context;
    const source = context.createMediaStreamSource(new MediaStream([track]));
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 512;
    this.buffer = new Float32Array(this.analyser.fftSize);
    source.connect(this.analyser);
  }

  static create(track: MediaStreamTrack): LevelMeter | null {
    const Context = audioContextClass();
    if (Context === null) return null;
    try {
      const context = new Context();
      void context.resume().catch(() => undefined);
      return new LevelMeter(context, track);
    } catch {
      return null;
    }
  }

  resume(): void {
    void this.context.resume().catch(() => undefined);
  }

  /** 0 (silence) .. 1 (loud); -60 dBFS and below reads as 0. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.buffer);
    const db = rmsDb(this.buffer);
    if (!Number.isFinite(db)) return 0;
    return Math.min(1, Math.max(0, (db + 60) / 60));
  }

  close(): void {
    void this.context.close().catch(() => undefined);
  }
}

/** Plays a short two-tone chime on the chosen output, for the speaker check. */
export async function playTestTone(sinkId?: string): Promise<void> {
  const Context = audioContextClass();
  if (Context === null) throw new Error('This browser cannot play sound from a web page.');
  const context = new Context();
  try {
    const withSink = context as AudioContext & { setSinkId?: (id: string) => Promise<void> };
    if (sinkId !== undefined && sinkId !== '' && typeof withSink.setSinkId === 'function') {
      await withSink.setSinkId(sinkId).catch(() => undefined);
    }
    await context.resume();
    const start = context.currentTime + 0.05;
    for (const [index, frequency] of [660, 880].entries()) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0, start + index * 0.35);
      gain.gain.linearRampToValueAtTime(0.25, start + index * 0.35 + 0.03);
      gain.gain.linearRampToValueAtTime(0, start + index * 0.35 + 0.3);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + index * 0.35);
      oscillator.stop(start + index * 0.35 + 0.32);
    }
    await new Promise((resolve) => setTimeout(resolve, 800));
  } finally {
    await context.close().catch(() => undefined);
  }
}
