// Messages exchanged peer to peer over the call's RTCDataChannel (never through the server):
// chat, the doctor's request for a still, the patient's progress on it, and media state.

export const MAX_CHAT_CHARS = 2000;

export type StillStatus = 'capturing' | 'uploading' | 'processing' | 'accepted' | 'rejected' | 'failed';

export type PeerMessage =
  | { t: 'chat'; id: string; text: string; at: number }
  | { t: 'still.request'; id: string; bodySite: string }
  | { t: 'still.status'; id: string; status: StillStatus; photoId?: string; message?: string }
  /** The sender's media: camera switched off by the user, or video paused for a weak network. */
  | { t: 'media'; cameraOff: boolean; audioOnly: boolean; muted: boolean };

const STILL_STATUSES: readonly StillStatus[] = ['capturing', 'uploading', 'processing', 'accepted', 'rejected', 'failed'];

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;

/** Parses a DataChannel message; null for anything malformed or unknown (the peer may be newer). */
export function parsePeerMessage(data: unknown): PeerMessage | null {
  if (typeof data !== 'string' || data.length > 8 * 1024) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  switch (m.t) {
    case 'chat':
      return isText(m.id, 64) && isText(m.text, MAX_CHAT_CHARS) && m.text.trim() !== '' && typeof m.at === 'number'
        ? { t: 'chat', id: m.id, text: m.text, at: m.at }
        : null;
    case 'still.request':
      return isText(m.id, 64) && isText(m.bodySite, 64) ? { t: 'still.request', id: m.id, bodySite: m.bodySite } : null;
    case 'still.status': {
      if (!isText(m.id, 64) || !STILL_STATUSES.includes(m.status as StillStatus)) return null;
      const message: PeerMessage = { t: 'still.status', id: m.id, status: m.status as StillStatus };
      if (isText(m.photoId, 128)) message.photoId = m.photoId;
      if (isText(m.message, 500)) message.message = m.message;
      return message;
    }
    case 'media':
      return { t: 'media', cameraOff: m.cameraOff === true, audioOnly: m.audioOnly === true, muted: m.muted === true };
    default:
      return null;
  }
}

export function newMessageId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
