import { describe, expect, it } from 'vitest';
import { gateStep, INITIAL_GATE, rmsDb } from './gate.ts';
import { classifyMediaError, detectPlatform, mediaHelp, unsupportedReason } from './mediaErrors.ts';
import { parsePeerMessage } from './messages.ts';
import { sdpSessionId, isPolite, worthSignalling } from './peer.ts';
import { ACTION_NAMES, MAX_FRAME_BYTES, parseServerFrame, validateClientFrame } from './protocol.ts';

const ROOM = 'Yc2dEw3oQ8eN2x1o4b0mVg';

describe('client frames against the server schema (functions/signaling/protocol.json)', () => {
  it('knows the seven actions', () => {
    expect(ACTION_NAMES.sort()).toEqual(['answer', 'ice', 'iceRestart', 'join', 'leave', 'offer', 'ping']);
    expect(MAX_FRAME_BYTES).toBe(30720);
  });

  it.each([
    { action: 'ping', ts: 1795680005123 },
    { action: 'join', roomId: ROOM, ref: 'join-1' },
    { action: 'leave' },
    { action: 'offer', to: 'user-1', sdp: { type: 'offer', sdp: 'v=0\r\n' } },
    { action: 'answer', to: 'user-1', sdp: { type: 'answer', sdp: 'v=0\r\n' } },
    { action: 'ice', to: 'user-1', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } },
    { action: 'ice', to: 'user-1', candidate: null },
    { action: 'iceRestart', to: 'user-1' },
  ])('accepts %o', (frame) => {
    expect(validateClientFrame(frame)).toBeNull();
  });

  it.each([
    [{ action: 'join', roomId: 'short' }, /does not match/],
    [{ action: 'join', roomId: ROOM, from: 'x' }, /unknown field/],
    [{ action: 'offer', sdp: { type: 'pranswer', sdp: 'v=0' } }, /enum/],
    [{ action: 'ice', candidate: { sdpMid: '0' } }, /oneOf/],
    [{ action: 'ice' }, /required/],
    [{ action: 'dance' }, /unknown action/],
    [{ action: 'offer', sdp: { type: 'offer', sdp: 'x'.repeat(28001) } }, /too long/],
    [{ action: 'ping', ts: 'now' }, /type/],
  ])('refuses %o', (frame, problem) => {
    expect(validateClientFrame(frame)).toMatch(problem);
  });
});

describe('server frames', () => {
  it('parses what the server sends', () => {
    expect(parseServerFrame('{"type":"joined","roomId":"r","participantId":"me","participants":[{"participantId":"d","username":"dr","role":"doctor"}]}'))
      .toEqual({ type: 'joined', roomId: 'r', participantId: 'me', resumed: false, participants: [{ participantId: 'd', username: 'dr', role: 'doctor' }] });
    expect(parseServerFrame('{"type":"ice","from":"a","candidate":null}')).toEqual({ type: 'ice', from: 'a', candidate: null });
    expect(parseServerFrame('{"type":"visit.ended","roomId":"r"}')).toEqual({ type: 'visit.ended', roomId: 'r', reason: 'completed' });
    expect(parseServerFrame('{"type":"error","code":"peer_not_found","ref":"o7"}')).toMatchObject({ code: 'peer_not_found', message: '' });
    expect(parseServerFrame('{"type":"notice.new","noticeId":"fu_1-due","kind":"followup.due","caseId":"c","dueDate":"2026-12-03","read":false}'))
      .toEqual({ type: 'notice.new', noticeId: 'fu_1-due', kind: 'followup.due', caseId: 'c', dueDate: '2026-12-03' });
    expect(parseServerFrame('{"type":"notice.new","kind":"followup.due"}')).toBeNull();
  });

  it('ignores what it does not understand', () => {
    expect(parseServerFrame('not json')).toBeNull();
    expect(parseServerFrame('{"type":"future.thing"}')).toBeNull();
    expect(parseServerFrame('{"type":"offer","from":"a"}')).toBeNull();
    expect(parseServerFrame('{"type":"joined","roomId":"r","participantId":"me","participants":[{"role":"doctor"}]}')).toBeNull();
  });

  it('keeps a participant whose role the server could not tell yet (two joins at once)', () => {
    expect(parseServerFrame('{"type":"joined","roomId":"r","participantId":"me","resumed":false,"participants":[{"participantId":"d","username":"dr","role":""}]}'))
      .toMatchObject({ participants: [{ participantId: 'd', username: 'dr', role: 'unknown' }] });
  });
});

describe('peer messages', () => {
  it('parses chat, still requests and statuses', () => {
    expect(parsePeerMessage(JSON.stringify({ t: 'chat', id: 'a', text: 'hello', at: 1 }))).toEqual({ t: 'chat', id: 'a', text: 'hello', at: 1 });
    expect(parsePeerMessage(JSON.stringify({ t: 'still.request', id: 'a', bodySite: 'elbow_left' }))).toMatchObject({ bodySite: 'elbow_left' });
    expect(parsePeerMessage(JSON.stringify({ t: 'still.status', id: 'a', status: 'accepted', photoId: 'p1', extra: 1 })))
      .toEqual({ t: 'still.status', id: 'a', status: 'accepted', photoId: 'p1' });
  });

  it('refuses malformed ones', () => {
    expect(parsePeerMessage('{')).toBeNull();
    expect(parsePeerMessage(JSON.stringify({ t: 'chat', id: 'a', text: '   ', at: 1 }))).toBeNull();
    expect(parsePeerMessage(JSON.stringify({ t: 'still.status', id: 'a', status: 'exploded' }))).toBeNull();
    expect(parsePeerMessage(new ArrayBuffer(4))).toBeNull();
  });
});

describe('perfect negotiation roles', () => {
  it('exactly one side of a pair is polite', () => {
    expect(isPolite('b', 'a')).toBe(true);
    expect(isPolite('a', 'b')).toBe(false);
  });

  it('reads the SDP session id (changes only with a new peer connection)', () => {
    expect(sdpSessionId('v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n')).toBe('4611731400430051336');
    expect(sdpSessionId('v=0\r\n')).toBeNull();
  });
});

describe('camera and microphone help', () => {
  const named = (name: string) => Object.assign(new Error(name), { name });

  it.each([
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['NotFoundError', 'no-device'],
    ['OverconstrainedError', 'no-device'],
    ['NotReadableError', 'in-use'],
    ['AbortError', 'in-use'],
    ['TypeError', 'unsupported'],
    ['WeirdError', 'unknown'],
  ])('%s is %s', (name, problem) => {
    expect(classifyMediaError(named(name))).toBe(problem);
  });

  it('knows when the browser cannot call at all', () => {
    expect(unsupportedReason({ secureContext: false, mediaDevices: true, peerConnection: true })).toBe('insecure');
    expect(unsupportedReason({ secureContext: true, mediaDevices: false, peerConnection: true })).toBe('unsupported');
    expect(unsupportedReason({ secureContext: true, mediaDevices: true, peerConnection: true })).toBeNull();
  });

  it('gives platform-specific steps', () => {
    expect(detectPlatform('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)')).toBe('ios');
    expect(detectPlatform('Mozilla/5.0 (Linux; Android 14)')).toBe('android');
    expect(detectPlatform('Mozilla/5.0 (X11; Linux x86_64)')).toBe('desktop');
    expect(mediaHelp('denied', 'ios', 'camera').steps.join(' ')).toMatch(/Settings/);
    expect(mediaHelp('denied', 'android').steps.join(' ')).toMatch(/Permissions/);
    expect(mediaHelp('in-use', 'desktop', 'camera').title).toMatch(/another app/);
    expect(mediaHelp('no-device', 'desktop', 'microphone').steps[0]).toMatch(/headset/);
  });
});

describe('noise gate', () => {
  it('measures levels in dBFS', () => {
    expect(rmsDb(new Float32Array(128).fill(1))).toBeCloseTo(0);
    expect(rmsDb(new Float32Array(128).fill(0.01))).toBeCloseTo(-40);
    expect(rmsDb(new Float32Array(128))).toBe(-Infinity);
  });

  it('opens at once on speech and closes only after a quiet hold', () => {
    let state = INITIAL_GATE;
    const step = (db: number, ms = 20) => {
      const result = gateStep(state, db, ms);
      state = result.state;
      return result.gain;
    };
    expect(step(-30)).toBe(1);
    const gains = Array.from({ length: 13 }, () => step(-70));
    expect(gains.slice(0, 12).every((g) => g === 1)).toBe(true); // 240 ms < 250 ms hold
    expect(gains[12]).toBeLessThan(1);
    expect(step(-54)).toBeLessThan(1); // between thresholds: stays closed
    expect(step(-45)).toBe(1);
    expect(step(-54)).toBe(1); // between thresholds: stays open
  });
});

describe('worthSignalling', () => {
  it('leaves out TCP active host candidates, which no browser peer can pair with', () => {
    expect(worthSignalling('candidate:1 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0')).toBe(false);
    expect(worthSignalling('candidate:2 1 udp 2122260223 127.0.0.1 41884 typ host generation 0')).toBe(true);
    expect(worthSignalling('candidate:3 1 tcp 1518280447 10.0.0.2 5000 typ host tcptype passive')).toBe(true);
    expect(worthSignalling('candidate:4 1 udp 41885439 203.0.113.5 3478 typ relay raddr 0.0.0.0 rport 0')).toBe(true);
  });
});
