import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../api/types.ts';
import { describeEvent, flagLabel } from './eventText.ts';

function event(type: string, summary: Record<string, unknown>): TimelineEvent {
  return { eventId: 'e', type, occurredAt: '2026-03-01T10:00:00+00:00', actorId: 'u', refId: 'r', summary };
}

describe('describeEvent', () => {
  const sites = [{ id: 'elbow_left', label: 'Left elbow', views: ['front' as const], region: 'upperLimbs' as const }];

  it('describes each kind of event from its summary', () => {
    expect(describeEvent(event('photo', { bodySite: 'elbow_left', source: 'camera' }), sites)).toBe('Photo of Left elbow');
    expect(describeEvent(event('photo', { bodySiteLabel: 'Scalp', source: 'visit' }), sites)).toBe(
      'Photo of Scalp (during a visit)',
    );
    expect(
      describeEvent(event('photo', { bodySite: 'elbow_left', removed: { reason: 'poor_quality', removedAt: 't' } }), sites),
    ).toBe('Photo of Left elbow, removed (poor quality)');
    expect(describeEvent(event('score', { instrument: 'DLQI', total: 6, band: 'moderate_effect' }), sites)).toBe(
      'DLQI 6 (moderate effect)',
    );
    expect(describeEvent(event('score', { instrument: 'PASI', total: 12.4 }), sites)).toBe('PASI 12.4');
    expect(describeEvent(event('visit', { durationSeconds: 610, endReason: 'completed' }), sites)).toBe(
      'Video visit · 10 min',
    );
    expect(describeEvent(event('record', { kind: 'prescription', action: 'amend' }), sites)).toBe(
      'Record prescription updated',
    );
    expect(describeEvent(event('something_new', {}), sites)).toBe('Event: something_new');
  });

  it('labels flags', () => {
    expect(flagLabel('mcid_improved')).toBe('Meaningful improvement');
    expect(flagLabel('pasi75')).toBe('PASI 75');
    expect(flagLabel('new_flag')).toBe('new flag');
  });
});
