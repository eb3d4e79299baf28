// Turns two successive RTCPeerConnection.getStats() reports into one sample of what the last
// interval was like. Pure: the reports are passed in as plain objects, so tests can build them.

/** What one stats interval looked like on one peer connection. */
export interface StatsSample {
  /** ms since epoch, end of the interval. */
  at: number;
  /** Round trip (ms): the selected candidate pair's, else RTCP's. Null before the first measure. */
  rttMs: number | null;
  /** Packet loss (%), the worse of what we receive and what the other side reports receiving. */
  lossPct: number;
  /** Loss of our own outgoing media as reported by the other side (%), drives our encoder. */
  outboundLossPct: number;
  /** Loss of what we receive (%). */
  inboundLossPct: number;
  /** Jitter of received video (or audio) in ms. */
  jitterMs: number;
  /** Frames per second of the received video (null when no video is received). */
  fps: number | null;
  /** Frames per second we send (null when we send no video). */
  sentFps: number | null;
  /** Our outgoing video bitrate over the interval (kbps). */
  bitrateKbps: number;
  /** Incoming bitrate, all media (kbps). */
  inboundKbps: number;
  /** Congestion controller's estimate of what we may send (bps), when known. */
  availableOutgoingBitrate: number | null;
  /** Total frames decoded so far (received video). */
  framesDecoded: number;
  /** Size of the video we send. */
  sentWidth: number | null;
  sentHeight: number | null;
  /** Why the encoder holds back: none, bandwidth, cpu or other. */
  qualityLimitation: string | null;
  /** Whether media arrived at all during the interval. */
  receivedBytes: number;
}

/** Running totals kept between two reports. */
export interface StatsCounters {
  at: number;
  bytesSentVideo: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
}

type Stat = Record<string, unknown> & { type: string; id: string };

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** An RTCStatsReport (a Map) or any list of stats objects. */
export function statsList(report: { forEach: (cb: (value: unknown) => void) => void } | Iterable<unknown>): Stat[] {
  const list: Stat[] = [];
  const push = (value: unknown): void => {
    if (typeof value === 'object' && value !== null && typeof (value as Stat).type === 'string') list.push(value as Stat);
  };
  if ('forEach' in report && typeof report.forEach === 'function') report.forEach(push);
  else for (const value of report as Iterable<unknown>) push(value);
  return list;
}

function selectedPair(stats: Stat[]): Stat | undefined {
  const transport = stats.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  if (transport !== undefined) {
    const pair = stats.find((s) => s.id === transport.selectedCandidatePairId);
    if (pair !== undefined) return pair;
  }
  return stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
}

/**
 * One sample from `report`, with rates computed against `previous` (null on the first report,
 * when rates are zero). Returns the counters to pass as `previous` next time.
 */
export function sampleFromReport(
  report: Stat[],
  previous: StatsCounters | null,
  now: number,
): { sample: StatsSample; counters: StatsCounters } {
  const outVideo = report.filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const inbound = report.filter((s) => s.type === 'inbound-rtp');
  const inVideo = inbound.filter((s) => s.kind === 'video');
  const remoteIn = report.filter((s) => s.type === 'remote-inbound-rtp');
  const pair = selectedPair(report);

  const sum = (list: Stat[], key: string): number => list.reduce((total, s) => total + (num(s[key]) ?? 0), 0);

  const counters: StatsCounters = {
    at: now,
    bytesSentVideo: sum(outVideo, 'bytesSent'),
    bytesReceived: sum(inbound, 'bytesReceived'),
    packetsReceived: sum(inbound, 'packetsReceived'),
    packetsLost: sum(inbound, 'packetsLost'),
    framesDecoded: sum(inVideo, 'framesDecoded'),
  };

  const seconds = previous === null ? 0 : Math.max(0.001, (now - previous.at) / 1000);
  const delta = (key: keyof StatsCounters): number =>
    previous === null ? 0 : Math.max(0, counters[key] - previous[key]);

  const received = delta('packetsReceived');
  const lost = delta('packetsLost');
  const inboundLossPct = received + lost > 0 ? (100 * lost) / (received + lost) : 0;
  const fractions = remoteIn.map((s) => num(s.fractionLost)).filter((v): v is number => v !== null);
  const outboundLossPct = fractions.length > 0 ? 100 * Math.max(...fractions) : 0;

  const pairRtt = pair !== undefined ? num(pair.currentRoundTripTime) : null;
  const rtcpRtts = remoteIn.map((s) => num(s.roundTripTime)).filter((v): v is number => v !== null);
  const rttSeconds = pairRtt ?? (rtcpRtts.length > 0 ? Math.max(...rtcpRtts) : null);

  const jitterSource = inVideo.length > 0 ? inVideo : inbound;
  const jitters = jitterSource.map((s) => num(s.jitter)).filter((v): v is number => v !== null);

  let fps: number | null = null;
  if (inVideo.length > 0) {
    const reported = inVideo.map((s) => num(s.framesPerSecond)).filter((v): v is number => v !== null);
    // framesPerSecond disappears when no frame arrived for a while: fall back to decoded frames.
    fps = previous !== null ? delta('framesDecoded') / seconds : reported.length > 0 ? Math.max(...reported) : null;
  }

  const sentFpsValues = outVideo.map((s) => num(s.framesPerSecond)).filter((v): v is number => v !== null);
  const main = outVideo.find((s) => num(s.frameWidth) !== null);
  const limitation = outVideo.find((s) => typeof s.qualityLimitationReason === 'string');

  const sample: StatsSample = {
    at: now,
    rttMs: rttSeconds === null ? null : rttSeconds * 1000,
    lossPct: Math.max(inboundLossPct, outboundLossPct),
    outboundLossPct,
    inboundLossPct,
    jitterMs: jitters.length > 0 ? Math.max(...jitters) * 1000 : 0,
    fps,
    sentFps: outVideo.length > 0 ? (sentFpsValues.length > 0 ? Math.max(...sentFpsValues) : 0) : null,
    bitrateKbps: seconds > 0 ? (8 * delta('bytesSentVideo')) / seconds / 1000 : 0,
    inboundKbps: seconds > 0 ? (8 * delta('bytesReceived')) / seconds / 1000 : 0,
    availableOutgoingBitrate: pair !== undefined ? num(pair.availableOutgoingBitrate) : null,
    framesDecoded: counters.framesDecoded,
    sentWidth: main !== undefined ? num(main.frameWidth) : null,
    sentHeight: main !== undefined ? num(main.frameHeight) : null,
    qualityLimitation: limitation !== undefined ? String(limitation.qualityLimitationReason) : null,
    receivedBytes: delta('bytesReceived'),
  };
  return { sample, counters };
}

/** Bytes received so far on all inbound streams: the cheap check behind the stall watchdog. */
export function inboundBytes(report: Stat[]): number {
  return report
    .filter((s) => s.type === 'inbound-rtp')
    .reduce((total, s) => total + (num(s.bytesReceived) ?? 0), 0);
}
