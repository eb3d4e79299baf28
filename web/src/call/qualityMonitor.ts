// Call quality, every STATS_INTERVAL_MS: each peer's WebRTC stats become a sample, the samples a
// verdict (quality.ts), and our video encoding follows the link (adaptation.ts). The worst sample
// of each round feeds the summary posted when the call ends (summary.ts).

import { adapt, encodingDiffers } from './adaptation.ts';
import type { CallLogger, PeerEntry } from './callTypes.ts';
import { scoreQuality, worse, type QualityLevel, type QualityVerdict } from './quality.ts';
import { sampleFromReport, statsList, type StatsSample } from './stats.ts';
import { addSample, EMPTY_SUMMARY, type SummaryState } from './summary.ts';

/** The verdict weighs the last 10 samples: 20 s of a call at one sample per 2 s. */
export const MAX_SAMPLES = 10;

/** What a peer whose media does not get through at all is worth: poor. */
export const INTERRUPTED: QualityVerdict = { level: 'poor', reasons: [{ metric: 'loss', level: 'poor', value: 100 }] };

export interface QualityMonitorOptions {
  peers: () => Iterable<PeerEntry>;
  /** Whether the call has been connected once (the summary starts then). */
  connected: () => boolean;
  /** Our audio-only state changed towards a peer: tell the peers. */
  broadcastMedia: () => void;
  changed: () => void;
  log: CallLogger;
}

export class QualityMonitor {
  private summaryState: SummaryState = EMPTY_SUMMARY;
  private readonly options: QualityMonitorOptions;

  constructor(options: QualityMonitorOptions) {
    this.options = options;
  }

  get summary(): SummaryState {
    return this.summaryState;
  }

  /** One round: a sample of every connected peer, their verdicts, the encoder's next step. */
  async collect(): Promise<void> {
    let level: QualityLevel | null = null;
    let worstSample: StatsSample | null = null;
    for (const peer of [...this.options.peers()]) {
      if (peer.ice.phase === 'new' || peer.statsBusy) continue;
      peer.statsBusy = true;
      try {
        const report = statsList(await peer.link.getStats());
        const { sample, counters } = sampleFromReport(report, peer.counters, Date.now());
        const first = peer.counters === null;
        peer.counters = counters;
        if (first) continue;
        const interrupted = peer.stalled || peer.ice.phase !== 'connected';
        let verdict: QualityVerdict | null;
        if (interrupted) {
          // Nothing gets through: poor, and nothing to learn for the encoder (the congestion
          // estimate collapses without feedback; adapting to it would leave video off afterwards).
          verdict = INTERRUPTED;
        } else {
          peer.samples = [...peer.samples, sample].slice(-MAX_SAMPLES);
          verdict = scoreQuality(peer.samples, { expectVideo: !peer.media.cameraOff && !peer.media.audioOnly });
        }
        peer.verdict = verdict;
        if (verdict !== null) level = level === null ? verdict.level : worse(level, verdict.level);
        if (worstSample === null || sample.lossPct > worstSample.lossPct) worstSample = sample;
        if (!interrupted) await this.adaptPeer(peer);
      } catch (error) {
        this.options.log('stats failed', error);
      } finally {
        peer.statsBusy = false;
      }
    }
    if (worstSample !== null && this.options.connected()) {
      this.summaryState = addSample(this.summaryState, worstSample, level, anyAudioOnly(this.options.peers()));
    }
    this.options.changed();
  }

  private async adaptPeer(peer: PeerEntry): Promise<void> {
    if (peer.ice.phase !== 'connected') return;
    const samples = peer.samples.map((s) => ({
      lossPct: s.outboundLossPct,
      rttMs: s.rttMs,
      availableOutgoingBitrate: s.availableOutgoingBitrate,
      bitrateKbps: s.bitrateKbps,
      fps: s.sentFps,
    }));
    const { state, decision } = adapt(samples, peer.adaptation);
    peer.adaptation = state;
    const previous = peer.decision;
    peer.decision = decision;
    const current = peer.link.currentEncoding();
    if (current !== null && encodingDiffers(current, decision)) {
      const applied = await peer.link.applyEncoding(decision);
      if (applied && decision.changed) {
        this.options.log(`encoding -> ${decision.audioOnly ? 'audio only' : `${decision.maxBitrate / 1000} kbps /${decision.scaleResolutionDownBy}`} (${decision.reason})`);
      }
    }
    if ((previous?.audioOnly ?? false) !== decision.audioOnly) this.options.broadcastMedia();
  }
}

/** Whether our video is paused towards any peer for a weak link. */
export function anyAudioOnly(peers: Iterable<Pick<PeerEntry, 'decision'>>): boolean {
  return [...peers].some((peer) => peer.decision?.audioOnly === true);
}

/** The worst verdict across peers (the first of equally bad ones). */
export function worstVerdict(peers: Iterable<Pick<PeerEntry, 'verdict'>>): QualityVerdict | null {
  let quality: QualityVerdict | null = null;
  for (const peer of peers) {
    if (peer.verdict === null) continue;
    if (quality === null || worse(quality.level, peer.verdict.level) !== quality.level) quality = peer.verdict;
  }
  return quality;
}
