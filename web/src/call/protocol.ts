// The signaling protocol (docs/signaling.md): typed client and server frames.
//
// The client -> server schemas are the backend's own file, imported at build time, so a frame this
// client builds can be checked against exactly what the server validates (see validateClientFrame,
// used by the unit tests and, in development builds, before every send).

import protocol from '../../../functions/signaling/protocol.json';

export const MAX_FRAME_BYTES: number = protocol.maxFrameBytes;
/** The room cap (the patient plus up to 3 doctors, full mesh): the server reads the same number. */
export const MAX_PARTICIPANTS: number = protocol.maxParticipants;
export const MAX_SDP_CHARS: number = protocol.definitions.sdp.properties.sdp.maxLength;
export const ACTION_NAMES = Object.keys(protocol.actions) as ClientAction[];

export type Role = 'patient' | 'doctor';

export interface SdpPayload {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface CandidatePayload {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

// --- client -> server ---------------------------------------------------------------------------

export type ClientFrame =
  | { action: 'ping'; ts?: number; ref?: string }
  | { action: 'join'; roomId: string; ref?: string }
  | { action: 'leave'; ref?: string }
  | { action: 'offer'; to?: string; sdp: SdpPayload; ref?: string }
  | { action: 'answer'; to?: string; sdp: SdpPayload; ref?: string }
  | { action: 'ice'; to?: string; candidate: CandidatePayload | null; ref?: string }
  | { action: 'iceRestart'; to?: string; ref?: string };

export type ClientAction = ClientFrame['action'];

/** Frames the server relays to another participant (they need to be in a room). */
export type RelayFrame = Extract<ClientFrame, { action: 'offer' | 'answer' | 'ice' | 'iceRestart' }>;

// --- server -> client ---------------------------------------------------------------------------

export interface ParticipantInfo {
  participantId: string;
  username: string;
  /**
   * 'unknown' when the server could not tell yet: two people joining at the same moment may get
   * each other in `joined` before the room has recorded the other's role (their
   * `participant.joined`, which follows, carries it).
   */
  role: Role | 'unknown';
}

export type ServerFrame =
  | { type: 'pong'; serverTime: number; ts?: number }
  | { type: 'joined'; roomId: string; participantId: string; resumed: boolean; participants: ParticipantInfo[] }
  | { type: 'left'; roomId: string }
  | ({ type: 'participant.joined'; resumed: boolean } & ParticipantInfo)
  | { type: 'participant.left'; participantId: string; reason: 'left' | 'disconnected' | 'grant_ended'; resumableForSeconds?: number }
  | { type: 'offer' | 'answer'; from: string; sdp: SdpPayload }
  | { type: 'ice'; from: string; candidate: CandidatePayload | null }
  | { type: 'iceRestart'; from: string }
  | { type: 'error'; code: string; message: string; ref?: string }
  | { type: 'visit.waiting'; roomId: string; caseId: string; patient: string; requestedAt: string }
  | { type: 'visit.admitted'; roomId: string; admittedBy: string }
  | { type: 'visit.declined'; roomId: string }
  | { type: 'visit.cancelled'; roomId: string }
  | { type: 'visit.ended'; roomId: string; reason: string }
  | { type: 'queue.changed'; roomId: string }
  | { type: 'notice.new'; noticeId: string; kind: string; caseId: string; dueDate: string }
  | { type: 'discussion.message'; caseId: string; messageId: string; authorId: string; retracted: boolean }
  | { type: 'session.replaced' };

export type ServerFrameType = ServerFrame['type'];

/** Server frames that concern a visit's lifecycle rather than the call's media. */
export type VisitNotice = Extract<ServerFrame, { type: `visit.${string}` | 'queue.changed' }>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown): value is string => typeof value === 'string';

function isParticipant(value: unknown): value is Record<string, unknown> {
  return isObject(value) && str(value.participantId) && str(value.username);
}

function participant(value: Record<string, unknown>): ParticipantInfo {
  const role = value.role === 'patient' || value.role === 'doctor' ? value.role : 'unknown';
  return { participantId: String(value.participantId), username: String(value.username), role };
}

function isSdp(value: unknown): value is SdpPayload {
  return isObject(value) && (value.type === 'offer' || value.type === 'answer') && str(value.sdp);
}

function isCandidate(value: unknown): value is CandidatePayload | null {
  return value === null || (isObject(value) && str(value.candidate));
}

/**
 * Parses one server frame. Unknown types and frames missing the fields this client relies on give
 * null: the server may grow new frames, which an older client must simply ignore.
 */
export function parseServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || !str(value.type)) return null;
  const v = value;
  switch (v.type) {
    case 'pong':
      return typeof v.serverTime === 'number' ? (v as ServerFrame) : null;
    case 'joined':
      return str(v.roomId) && str(v.participantId) && Array.isArray(v.participants) &&
        v.participants.every(isParticipant)
        ? {
            type: 'joined',
            roomId: v.roomId,
            participantId: v.participantId,
            resumed: v.resumed === true,
            participants: (v.participants as unknown[]).filter(isParticipant).map(participant),
          }
        : null;
    case 'left':
      return str(v.roomId) ? (v as ServerFrame) : null;
    case 'participant.joined':
      return isParticipant(v) ? { type: 'participant.joined', ...participant(v), resumed: v.resumed === true } : null;
    case 'participant.left':
      return str(v.participantId) && (v.reason === 'left' || v.reason === 'disconnected' || v.reason === 'grant_ended')
        ? (v as ServerFrame)
        : null;
    case 'offer':
    case 'answer':
      return str(v.from) && isSdp(v.sdp) ? (v as ServerFrame) : null;
    case 'ice':
      return str(v.from) && 'candidate' in v && isCandidate(v.candidate) ? (v as ServerFrame) : null;
    case 'iceRestart':
      return str(v.from) ? (v as ServerFrame) : null;
    case 'error':
      return str(v.code) ? ({ message: '', ...v } as ServerFrame) : null;
    case 'visit.waiting':
      return str(v.roomId) && str(v.caseId) ? (v as ServerFrame) : null;
    case 'visit.admitted':
    case 'visit.declined':
    case 'visit.cancelled':
    case 'queue.changed':
      return str(v.roomId) ? (v as ServerFrame) : null;
    case 'visit.ended':
      return str(v.roomId) ? ({ reason: 'completed', ...v } as ServerFrame) : null;
    case 'notice.new':
      return str(v.noticeId) && str(v.kind) && str(v.caseId) && str(v.dueDate)
        ? { type: 'notice.new', noticeId: v.noticeId, kind: v.kind, caseId: v.caseId, dueDate: v.dueDate }
        : null;
    case 'discussion.message':
      return str(v.caseId) && str(v.messageId) && str(v.authorId)
        ? { type: 'discussion.message', caseId: v.caseId, messageId: v.messageId, authorId: v.authorId, retracted: v.retracted === true }
        : null;
    case 'session.replaced':
      return { type: 'session.replaced' };
    default:
      return null;
  }
}

// --- a small validator for the subset of JSON Schema (draft 7) that protocol.json uses ------------

type Schema = Record<string, unknown>;

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/definitions/', '');
  const target = (protocol.definitions as Record<string, unknown>)[name];
  if (!isObject(target)) throw new Error(`protocol.json: unknown $ref ${ref}`);
  return target;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'object':
      return isObject(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function check(schemaIn: Schema, value: unknown, path: string): string | null {
  const schema = resolve(schemaIn);
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((option) => check(option, value, path) === null);
    return matches.length === 1 ? null : `${path}: matches ${matches.length} of oneOf`;
  }
  if ('const' in schema && value !== schema.const) return `${path}: must be ${String(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return `${path}: not in enum`;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => typeMatches(type, value))) return `${path}: wrong type`;
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `${path}: too long`;
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `${path}: too short`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      return `${path}: does not match ${schema.pattern}`;
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${path}: below minimum`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${path}: above maximum`;
  }
  if (isObject(value) && isObject(schema.properties)) {
    const properties = schema.properties as Record<string, Schema>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in value)) return `${path}.${name}: required`;
    }
    for (const [name, child] of Object.entries(value)) {
      const childSchema = properties[name];
      if (childSchema === undefined) {
        if (schema.additionalProperties === false) return `${path}.${name}: unknown field`;
        continue;
      }
      const problem = check(childSchema, child, `${path}.${name}`);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** Why the server would refuse this frame (null when it would accept it), including its size. */
export function validateClientFrame(frame: unknown): string | null {
  if (!isObject(frame) || typeof frame.action !== 'string') return 'frame: no action';
  const schema = (protocol.actions as Record<string, Schema>)[frame.action];
  if (schema === undefined) return `frame: unknown action ${frame.action}`;
  const problem = check(schema, frame, 'frame');
  if (problem !== null) return problem;
  return frameBytes(frame) > MAX_FRAME_BYTES ? 'frame: too large' : null;
}

export function frameBytes(frame: unknown): number {
  return new TextEncoder().encode(JSON.stringify(frame)).length;
}
