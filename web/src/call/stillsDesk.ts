// Lesion stills during a visit. The doctor asks the patient's app for a full-resolution still of
// a body site; the patient's app captures it from the local camera, uploads it to the case and
// reports each step back over the data channel. The state is a pure reducer (stillsReducer); the
// StillsDesk runs the capture and upload and sends the messages.

import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import { uploadPhoto } from '../api/photos.ts';
import { i18next } from '../i18n/index.ts';
import type { CallLogger, PeerEntry, StillEntry, StillRequest } from './callTypes.ts';
import type { LocalMedia } from './media.ts';
import { newMessageId, type PeerMessage, type StillStatus } from './messages.ts';
import { captureStill, stillTooSmall } from './stills.ts';

export interface StillsState {
  stills: ReadonlyMap<string, StillEntry>;
  /** Patient: the doctor's pending request. */
  request: StillRequest | null;
  /** Bumped when a still was accepted: case panels reload their photos. */
  photosVersion: number;
}

export const NO_STILLS: StillsState = { stills: new Map(), request: null, photosVersion: 0 };

type StillExtra = { message?: string; photoId?: string };

export type StillsAction =
  /** Doctor: we asked the patient for a still. */
  | { type: 'asked'; id: string; bodySite: string; by: string; at: number }
  /** Patient: the doctor asked us. */
  | { type: 'requestReceived'; id: string; bodySite: string; by: string; byName: string; at: number }
  | { type: 'requestDismissed' }
  /** Patient: our own still moved on (the request it answers, if any, is then settled). */
  | { type: 'progress'; id: string; bodySite: string; status: StillEntry['status']; by: string | null; at: number; extra?: StillExtra }
  /** Doctor: the patient's app reported a step. */
  | { type: 'statusReceived'; id: string; status: StillStatus; at: number; extra: StillExtra };

export function stillsReducer(state: StillsState, action: StillsAction): StillsState {
  const put = (entry: StillEntry, accepted: boolean, request = state.request): StillsState => ({
    stills: new Map(state.stills).set(entry.id, entry),
    request,
    photosVersion: accepted ? state.photosVersion + 1 : state.photosVersion,
  });
  switch (action.type) {
    case 'asked':
      return put({ id: action.id, bodySite: action.bodySite, status: 'requested', requestedBy: action.by, at: action.at }, false);
    case 'requestReceived':
      return put(
        { id: action.id, bodySite: action.bodySite, status: 'requested', requestedBy: action.by, at: action.at },
        false,
        { id: action.id, bodySite: action.bodySite, fromName: action.byName },
      );
    case 'requestDismissed':
      return state.request === null ? state : { ...state, request: null };
    case 'progress': {
      const request = state.request?.id === action.id ? null : state.request;
      const entry: StillEntry = { id: action.id, bodySite: action.bodySite, status: action.status, requestedBy: action.by, at: action.at, ...action.extra };
      return put(entry, action.status === 'accepted', request);
    }
    case 'statusReceived': {
      const known = state.stills.get(action.id);
      const entry: StillEntry = {
        id: action.id,
        bodySite: known?.bodySite ?? '',
        status: action.status,
        requestedBy: known?.requestedBy ?? null,
        at: action.at,
      };
      if (action.extra.message !== undefined) entry.message = action.extra.message;
      if (action.extra.photoId !== undefined) entry.photoId = action.extra.photoId;
      return put(entry, action.status === 'accepted');
    }
  }
}

/** Newest first, as the call shows them. */
export function stillList(state: StillsState): StillEntry[] {
  return [...state.stills.values()].sort((a, b) => b.at - a.at);
}

export interface StillsDeskOptions {
  api: ApiClient;
  media: LocalMedia;
  me: { role: string };
  caseId: () => string | null;
  participantId: () => string;
  peers: () => Iterable<PeerEntry>;
  changed: () => void;
  setError: (message: string) => void;
  log: CallLogger;
}

/** How often an upload's verdict is asked for while the patient waits (the processor takes ~1 s). */
const VERDICT_POLL_MS = 500;

export class StillsDesk {
  private state: StillsState = NO_STILLS;
  private readonly options: StillsDeskOptions;

  constructor(options: StillsDeskOptions) {
    this.options = options;
  }

  get current(): StillsState {
    return this.state;
  }

  private dispatch(action: StillsAction): void {
    this.state = stillsReducer(this.state, action);
    this.options.changed();
  }

  /** Doctor: asks the patient's app for a full-resolution still of `bodySite`. */
  request(bodySite: string): boolean {
    const patient = [...this.options.peers()].find((peer) => peer.info.role === 'patient');
    const id = newMessageId();
    if (patient === undefined || !patient.link.sendMessage({ t: 'still.request', id, bodySite })) {
      this.options.setError(i18next.t('call:still.patientAway'));
      return false;
    }
    this.dispatch({ type: 'asked', id, bodySite, by: this.options.participantId(), at: Date.now() });
    return true;
  }

  dismissRequest(): void {
    const request = this.state.request;
    if (request === null) return;
    this.dispatch({ type: 'requestDismissed' });
    this.sendStatus(request.id, 'failed', { message: i18next.t('call:still.declined') });
  }

  /** A still message from a peer; false when it is not one. */
  receive(peer: PeerEntry, message: PeerMessage): boolean {
    if (message.t === 'still.request') {
      if (this.options.me.role !== 'patient') return true;
      this.dispatch({
        type: 'requestReceived',
        id: message.id,
        bodySite: message.bodySite,
        by: peer.info.participantId,
        byName: peer.info.username,
        at: Date.now(),
      });
      return true;
    }
    if (message.t === 'still.status') {
      const extra: StillExtra = {};
      if (message.message !== undefined) extra.message = message.message;
      if (message.photoId !== undefined) extra.photoId = message.photoId;
      this.dispatch({ type: 'statusReceived', id: message.id, status: message.status, at: Date.now(), extra });
      return true;
    }
    return false;
  }

  /**
   * Patient: takes a full-resolution still from the local camera and uploads it to the case with
   * its body site and time. `requestId` answers a doctor's request.
   */
  async take(bodySite: string, requestId?: string): Promise<void> {
    const id = requestId ?? newMessageId();
    const caseId = this.options.caseId();
    const by = requestId !== undefined ? (this.state.stills.get(id)?.requestedBy ?? null) : null;
    const update = (status: StillEntry['status'], extra: StillExtra = {}) => {
      this.dispatch({ type: 'progress', id, bodySite, status, by, at: Date.now(), extra });
      if (status !== 'requested') this.sendStatus(id, status, extra);
    };
    const { media } = this.options;
    const track = media.videoTrack;
    if (caseId === null || track === null || media.cameraOff) {
      update('failed', { message: i18next.t('call:still.cameraOff') });
      return;
    }
    update('capturing');
    try {
      const still = await captureStill(track);
      if (stillTooSmall(still.width, still.height)) {
        update('failed', {
          message: i18next.t('call:still.tooSmall', { width: still.width, height: still.height }),
        });
        return;
      }
      update('uploading');
      const result = await uploadPhoto(
        this.options.api,
        caseId,
        still.blob,
        { bodySite, source: 'visit', capturedAt: still.capturedAt },
        {
          pollIntervalMs: VERDICT_POLL_MS,
          onStatus: (progress) => {
            if (progress.phase === 'processing' && this.state.stills.get(id)?.status !== 'processing') update('processing');
          },
        },
      );
      if (result.outcome === 'accepted') update('accepted', { photoId: result.photoId });
      else if (result.outcome === 'rejected') update('rejected', { photoId: result.photoId, message: result.rejection.message });
      else update('processing', { photoId: result.photoId, message: result.message });
    } catch (error) {
      update('failed', { message: error instanceof ApiError ? error.message : i18next.t('call:still.notTaken') });
      this.options.log('still failed', error);
    }
  }

  private sendStatus(id: string, status: StillStatus, extra: StillExtra): void {
    const message: PeerMessage = { t: 'still.status', id, status, ...extra };
    for (const peer of this.options.peers()) if (peer.info.role !== 'patient') peer.link.sendMessage(message);
  }
}
