// The local controls of a call (mute, camera off, switching camera, noise reduction) and telling
// the peers about our media: what each peer's tile shows of us comes from these messages.

import { i18next } from '../i18n/index.ts';
import type { PeerEntry } from './callTypes.ts';
import type { LocalMedia } from './media.ts';

export interface MediaControlsOptions {
  media: LocalMedia;
  peers: () => PeerEntry[];
  setError: (message: string, detail?: unknown) => void;
  changed: () => void;
}

export class MediaControls {
  private readonly options: MediaControlsOptions;

  constructor(options: MediaControlsOptions) {
    this.options = options;
  }

  toggleMute(): void {
    const { media } = this.options;
    media.setMuted(!media.muted);
    this.broadcast();
  }

  toggleCamera(): void {
    const { media } = this.options;
    media.setCameraOff(!media.cameraOff);
    this.broadcast();
  }

  async switchCamera(): Promise<void> {
    const { media } = this.options;
    const replace = (track: MediaStreamTrack | null) =>
      Promise.all(this.options.peers().map((peer) => peer.link.replaceTrack('video', track)));
    try {
      await replace(await media.switchCamera());
    } catch (error) {
      this.options.setError(i18next.t('call:errors.otherCamera'), error);
      await replace(media.videoTrack);
    }
    this.options.changed();
  }

  async setNoiseReduction(on: boolean): Promise<void> {
    const result = await this.options.media.setNoiseReduction(on);
    if (on && !result) this.options.setError(i18next.t('call:errors.noNoiseReduction'));
    await this.replaceAudioEverywhere();
    this.options.changed();
  }

  /** Sends the processed (or raw) microphone track to every peer, after the chain changed. */
  async replaceAudioEverywhere(): Promise<void> {
    const track = this.options.media.sendAudioTrack;
    await Promise.all(this.options.peers().map((peer) => peer.link.replaceTrack('audio', track).catch(() => undefined)));
  }

  /** Our media state to every peer (audio-only is per peer: it follows that link's quality). */
  broadcast(): void {
    const { media } = this.options;
    for (const peer of this.options.peers()) {
      peer.link.sendMessage({
        t: 'media',
        cameraOff: media.cameraOff,
        audioOnly: peer.decision?.audioOnly === true,
        muted: media.muted,
      });
    }
  }
}
