import { describe, expect, it } from 'vitest';
import { NO_STILLS, stillList, stillsReducer, type StillsState } from './stillsDesk.ts';

describe('stillsReducer', () => {
  it('doctor: a request shows as requested, then follows the patient app reports', () => {
    let state = stillsReducer(NO_STILLS, { type: 'asked', id: 's1', bodySite: 'left-forearm', by: 'doc', at: 1 });
    expect(state.stills.get('s1')).toMatchObject({ status: 'requested', bodySite: 'left-forearm', requestedBy: 'doc' });
    state = stillsReducer(state, { type: 'statusReceived', id: 's1', status: 'uploading', at: 2, extra: {} });
    expect(state.stills.get('s1')).toMatchObject({ status: 'uploading', bodySite: 'left-forearm', requestedBy: 'doc', at: 2 });
    expect(state.photosVersion).toBe(0);
    state = stillsReducer(state, { type: 'statusReceived', id: 's1', status: 'accepted', at: 3, extra: { photoId: 'p1' } });
    expect(state.stills.get('s1')).toMatchObject({ status: 'accepted', photoId: 'p1' });
    expect(state.photosVersion).toBe(1);
  });

  it('a report about a still we never asked for has no body site and no requester', () => {
    const state = stillsReducer(NO_STILLS, { type: 'statusReceived', id: 'x', status: 'failed', at: 1, extra: { message: 'no camera' } });
    expect(state.stills.get('x')).toEqual({ id: 'x', bodySite: '', status: 'failed', requestedBy: null, at: 1, message: 'no camera' });
  });

  it('patient: a request waits until its still moves on or is dismissed', () => {
    const asked = stillsReducer(NO_STILLS, { type: 'requestReceived', id: 's1', bodySite: 'scalp', by: 'doc', byName: 'Dr Doc', at: 1 });
    expect(asked.request).toEqual({ id: 's1', bodySite: 'scalp', fromName: 'Dr Doc' });
    const taking = stillsReducer(asked, { type: 'progress', id: 's1', bodySite: 'scalp', status: 'capturing', by: 'doc', at: 2 });
    expect(taking.request).toBeNull();
    expect(taking.stills.get('s1')).toMatchObject({ status: 'capturing', requestedBy: 'doc' });
    const dismissed = stillsReducer(asked, { type: 'requestDismissed' });
    expect(dismissed.request).toBeNull();
    expect(stillsReducer(dismissed, { type: 'requestDismissed' })).toBe(dismissed);
  });

  it('patient: a still taken unasked leaves a pending request alone, and an accepted one bumps photos', () => {
    const asked = stillsReducer(NO_STILLS, { type: 'requestReceived', id: 's1', bodySite: 'scalp', by: 'doc', byName: 'Dr Doc', at: 1 });
    const own = stillsReducer(asked, { type: 'progress', id: 'own', bodySite: 'back', status: 'accepted', by: null, at: 2, extra: { photoId: 'p9' } });
    expect(own.request?.id).toBe('s1');
    expect(own.photosVersion).toBe(1);
    expect(own.stills.get('own')).toMatchObject({ photoId: 'p9', requestedBy: null });
  });

  it('lists stills newest first', () => {
    let state: StillsState = NO_STILLS;
    state = stillsReducer(state, { type: 'asked', id: 'a', bodySite: 's', by: 'd', at: 1 });
    state = stillsReducer(state, { type: 'asked', id: 'b', bodySite: 's', by: 'd', at: 3 });
    state = stillsReducer(state, { type: 'asked', id: 'c', bodySite: 's', by: 'd', at: 2 });
    expect(stillList(state).map((still) => still.id)).toEqual(['b', 'c', 'a']);
  });
});
