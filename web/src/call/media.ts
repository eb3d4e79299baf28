// The local camera and microphone: opening them with the call's constraints, muting, camera off,
// switching between the front and back camera, the noise-reduction chain, and releasing them.

import { AudioChain } from './audio.ts';
import { classifyMediaError, unsupportedReason, type MediaProblem } from './mediaErrors.ts';

export type Facing = 'user' | 'environment';

/** Audio processing asked of the browser itself (always on). */
export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export function videoConstraints(facing: Facing): MediaTrackConstraints {
  // 720p for the call; stills are taken separately at the camera's full resolution.
  return {
    facingMode: { ideal: facing },
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 30, max: 30 },
  };
}

export class MediaAccessError extends Error {
  override readonly name = 'MediaAccessError';
  readonly problem: MediaProblem;
  readonly device: 'camera' | 'microphone' | 'camera and microphone';
  constructor(problem: MediaProblem, device: MediaAccessError['device'], cause?: unknown) {
    super(`${device}: ${problem}`, { cause });
    this.problem = problem;
    this.device = device;
  }
}

export function browserProblem(): MediaProblem | null {
  return unsupportedReason({
    secureContext: globalThis.isSecureContext !== false,
    mediaDevices: typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function',
    peerConnection: typeof RTCPeerConnection === 'function',
  });
}

type Listener = () => void;

export class LocalMedia {
  readonly stream: MediaStream;
  facing: Facing;
  muted = false;
  cameraOff = false;
  noiseReduction = false;
  private chain: AudioChain | null = null;
  private readonly listeners = new Set<Listener>();
  private stopped = false;

  private constructor(stream: MediaStream, facing: Facing) {
    this.stream = stream;
    this.facing = facing;
    const video = stream.getVideoTracks()[0];
    // Tells the encoder that detail matters more than motion (maintain resolution under pressure).
    if (video !== undefined && 'contentHint' in video) video.contentHint = 'detail';
  }

  /**
   * Opens camera and microphone. When both fail together, each is tried alone so that the error
   * names the device that is really at fault.
   */
  static async open(options: { facing?: Facing; video?: boolean } = {}): Promise<LocalMedia> {
    const problem = browserProblem();
    if (problem !== null) throw new MediaAccessError(problem, 'camera and microphone');
    const facing = options.facing ?? 'user';
    const wantVideo = options.video ?? true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: AUDIO_CONSTRAINTS,
        video: wantVideo ? videoConstraints(facing) : false,
      });
      return new LocalMedia(stream, facing);
    } catch (error) {
      const both = classifyMediaError(error);
      if (!wantVideo) throw new MediaAccessError(both, 'microphone', error);
      // Which one is it? Ask for the microphone alone.
      try {
        const audioOnly = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS });
        audioOnly.getTracks().forEach((track) => track.stop());
        throw new MediaAccessError(both, 'camera', error);
      } catch (second) {
        if (second instanceof MediaAccessError) throw second;
        const micProblem = classifyMediaError(second);
        throw new MediaAccessError(micProblem === both ? both : micProblem, micProblem === both ? 'camera and microphone' : 'microphone', error);
      }
    }
  }

  get videoTrack(): MediaStreamTrack | null {
    return this.stream.getVideoTracks()[0] ?? null;
  }

  get rawAudioTrack(): MediaStreamTrack | null {
    return this.stream.getAudioTracks()[0] ?? null;
  }

  /** The audio track peers should get: processed while noise reduction is on. */
  get sendAudioTrack(): MediaStreamTrack | null {
    return this.noiseReduction && this.chain !== null ? this.chain.output : this.rawAudioTrack;
  }

  /** A stream for the self-view (video only, so the page never echoes our own voice). */
  previewStream(): MediaStream {
    return new MediaStream(this.stream.getVideoTracks());
  }

  get noiseReductionAvailable(): boolean {
    return this.chain !== null || typeof AudioContext === 'function';
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.stream.getAudioTracks().forEach((track) => (track.enabled = !muted));
    if (this.chain !== null) this.chain.output.enabled = !muted;
    this.emit();
  }

  setCameraOff(off: boolean): void {
    this.cameraOff = off;
    this.stream.getVideoTracks().forEach((track) => (track.enabled = !off));
    this.emit();
  }

  /**
   * Switches noise reduction on or off; resolves with whether it is on (it stays off where Web
   * Audio cannot run, e.g. without a user gesture yet).
   */
  async setNoiseReduction(on: boolean): Promise<boolean> {
    if (on && this.chain === null) {
      const raw = this.rawAudioTrack;
      this.chain = raw !== null ? await AudioChain.create(raw) : null;
      if (this.stopped) {
        this.chain?.close();
        this.chain = null;
      }
    }
    this.noiseReduction = on && this.chain !== null;
    if (this.chain !== null) this.chain.output.enabled = !this.muted;
    this.emit();
    return this.noiseReduction;
  }

  async canSwitchCamera(): Promise<boolean> {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      return devices.filter((device) => device.kind === 'videoinput').length > 1;
    } catch {
      return false;
    }
  }

  /**
   * Front <-> back. Phones often cannot open both cameras at once, so the current one is stopped
   * first and reopened if the other fails. Resolves with the new video track.
   */
  async switchCamera(): Promise<MediaStreamTrack> {
    const next: Facing = this.facing === 'user' ? 'environment' : 'user';
    const old = this.videoTrack;
    old?.stop();
    if (old !== null) this.stream.removeTrack(old);
    let track: MediaStreamTrack | undefined;
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(next) });
      track = fresh.getVideoTracks()[0];
    } catch (error) {
      const back = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(this.facing) });
      track = back.getVideoTracks()[0];
      if (track !== undefined) this.adopt(track);
      throw new MediaAccessError(classifyMediaError(error), 'camera', error);
    }
    if (track === undefined) throw new MediaAccessError('no-device', 'camera');
    this.facing = next;
    this.adopt(track);
    return track;
  }

  /** Stops every track and the audio chain: the camera light goes off. */
  stop(): void {
    this.stopped = true;
    this.stream.getTracks().forEach((track) => track.stop());
    this.chain?.close();
    this.chain = null;
    this.emit();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private adopt(track: MediaStreamTrack): void {
    if ('contentHint' in track) track.contentHint = 'detail';
    track.enabled = !this.cameraOff;
    this.stream.addTrack(track);
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
