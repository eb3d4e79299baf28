import { describe, expect, it } from 'vitest';
import { inboundBytes, sampleFromReport, statsList } from './stats.ts';
import { initialIce } from './reconnect.ts';
import { addSample, EMPTY_SUMMARY, qualityReport, setupTime } from './summary.ts';

function report(t: number, o: { sent: number; recv: number; lost: number; bytesIn: number; frames: number; fractionLost?: number }) {
  return [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', currentRoundTripTime: 0.08, availableOutgoingBitrate: 1_200_000, nominated: true, state: 'succeeded' },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', bytesSent: o.sent, framesPerSecond: 24, frameWidth: 1280, frameHeight: 720, qualityLimitationReason: 'bandwidth' },
    { id: 'IV', type: 'inbound-rtp', kind: 'video', packetsReceived: o.recv, packetsLost: o.lost, bytesReceived: o.bytesIn, framesDecoded: o.frames, jitter: 0.012, framesPerSecond: 25 },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 0, packetsLost: 0, bytesReceived: 0, jitter: 0.004 },
    { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', fractionLost: o.fractionLost ?? 0, roundTripTime: 0.09 },
    { id: 'x', type: 'codec', mimeType: 'video/VP8', at: t },
  ];
}

describe('stats sample', () => {
  it('reads a report from a Map as well as from a list', () => {
    const map = new Map(report(0, { sent: 0, recv: 0, lost: 0, bytesIn: 0, frames: 0 }).map((s) => [s.id, s]));
    expect(statsList(map)).toHaveLength(7);
    expect(statsList(report(0, { sent: 0, recv: 0, lost: 0, bytesIn: 0, frames: 0 }))).toHaveLength(7);
  });

  it('computes rates over the interval between two reports', () => {
    const first = sampleFromReport(statsList(report(0, { sent: 0, recv: 1000, lost: 0, bytesIn: 0, frames: 0 })), null, 1000);
    expect(first.sample.bitrateKbps).toBe(0);
    const second = sampleFromReport(
      statsList(report(2, { sent: 250_000, recv: 1900, lost: 100, bytesIn: 500_000, frames: 50, fractionLost: 0.02 })),
      first.counters,
      3000,
    ).sample;
    expect(second.bitrateKbps).toBeCloseTo(1000); // 250 kB in 2 s
    expect(second.inboundKbps).toBeCloseTo(2000);
    expect(second.inboundLossPct).toBeCloseTo(10); // 100 lost of 1000
    expect(second.outboundLossPct).toBeCloseTo(2);
    expect(second.lossPct).toBeCloseTo(10);
    expect(second.rttMs).toBeCloseTo(80); // the selected pair's, not RTCP's
    expect(second.jitterMs).toBeCloseTo(12);
    expect(second.fps).toBeCloseTo(25);
    expect(second.sentFps).toBe(24);
    expect(second.availableOutgoingBitrate).toBe(1_200_000);
    expect(second.sentWidth).toBe(1280);
    expect(second.qualityLimitation).toBe('bandwidth');
    expect(second.receivedBytes).toBe(500_000);
  });

  it('falls back to RTCP round trip and the nominated pair when there is no transport entry', () => {
    const list = statsList(report(0, { sent: 0, recv: 0, lost: 0, bytesIn: 0, frames: 0 }).filter((s) => s.type !== 'transport'));
    expect(sampleFromReport(list, null, 0).sample.rttMs).toBeCloseTo(80);
    const noPair = statsList(report(0, { sent: 0, recv: 0, lost: 0, bytesIn: 0, frames: 0 }).filter((s) => s.type !== 'transport' && s.type !== 'candidate-pair'));
    const sample = sampleFromReport(noPair, null, 0).sample;
    expect(sample.rttMs).toBeCloseTo(90);
    expect(sample.availableOutgoingBitrate).toBeNull();
  });

  it('reports no video when none is received or sent', () => {
    const sample = sampleFromReport(statsList([{ id: 'a', type: 'inbound-rtp', kind: 'audio', bytesReceived: 10 }]), null, 0).sample;
    expect(sample.fps).toBeNull();
    expect(sample.sentFps).toBeNull();
    expect(inboundBytes(statsList([{ id: 'a', type: 'inbound-rtp', kind: 'audio', bytesReceived: 10 }, { id: 'b', type: 'inbound-rtp', kind: 'video', bytesReceived: 5 }]))).toBe(15);
  });

  it('never reports negative rates when counters restart (ICE restart, new stream)', () => {
    const first = sampleFromReport(statsList(report(0, { sent: 900_000, recv: 5000, lost: 10, bytesIn: 9_000_000, frames: 900 })), null, 0);
    const second = sampleFromReport(statsList(report(2, { sent: 1000, recv: 10, lost: 0, bytesIn: 1000, frames: 2 })), first.counters, 2000).sample;
    expect(second.bitrateKbps).toBe(0);
    expect(second.inboundLossPct).toBe(0);
    expect(second.fps).toBe(0);
  });
});

const ICE = initialIce(0);

describe('quality summary', () => {
  it('averages the samples and keeps the worst level and time in audio only', () => {
    const base = sampleFromReport(statsList(report(0, { sent: 0, recv: 0, lost: 0, bytesIn: 0, frames: 0 })), null, 0).sample;
    let state = addSample(EMPTY_SUMMARY, { ...base, at: 0, rttMs: 40, lossPct: 0, bitrateKbps: 800, fps: 30 }, 'good', false);
    state = addSample(state, { ...base, at: 2000, rttMs: 60, lossPct: 10, bitrateKbps: 400, fps: 10 }, 'poor', true);
    state = addSample(state, { ...base, at: 4000, rttMs: null, lossPct: 2, bitrateKbps: 300, fps: null }, 'fair', true);
    const body = qualityReport(state, { reconnects: 2, durationSeconds: 95.4 });
    expect(body).toEqual({
      rttMs: 50,
      jitterMs: 12,
      lossPct: 4,
      bitrateKbps: 500,
      framesPerSecond: 20,
      reconnects: 2,
      durationSeconds: 95,
      audioOnlySeconds: 4,
      worstQuality: 'poor',
    });
  });

  it('sends the required fields even for a call without samples', () => {
    expect(qualityReport(EMPTY_SUMMARY, { reconnects: 0, durationSeconds: 0 })).toMatchObject({
      rttMs: 0,
      lossPct: 0,
      bitrateKbps: 0,
      reconnects: 0,
    });
    expect(qualityReport(EMPTY_SUMMARY, { reconnects: 0, durationSeconds: 0 }).worstQuality).toBeUndefined();
  });

  it('reports the setup time only for a call that connected, within the server range', () => {
    expect(qualityReport(EMPTY_SUMMARY, { reconnects: 0, durationSeconds: 0, setupMs: 1849.6 }).setupMs).toBe(1850);
    expect(qualityReport(EMPTY_SUMMARY, { reconnects: 0, durationSeconds: 0, setupMs: 9e9 }).setupMs).toBe(600_000);
    expect('setupMs' in qualityReport(EMPTY_SUMMARY, { reconnects: 0, durationSeconds: 0, setupMs: null })).toBe(false);
  });

  it('measures the setup from meeting the peer that connected first', () => {
    const peer = (phase: 'new' | 'restarting' | 'connected', createdAt: number) => ({ ice: { ...ICE, phase }, createdAt });
    expect(setupTime([peer('restarting', 1_000), peer('connected', 4_000)], 6_500)).toBe(2_500);
    expect(setupTime([peer('new', 1_000)], 6_500)).toBeNull();
    expect(setupTime([], 6_500)).toBeNull();
  });
});
