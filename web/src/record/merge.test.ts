import { describe, expect, it } from 'vitest';
import type { RecordLinks } from '../api/types.ts';
import { compareVersions, reapply, sameValue, type Side } from './merge.ts';

const NO_LINKS: RecordLinks = { visitIds: [], photoIds: [] };
const side = (content: Record<string, unknown>, links = NO_LINKS): Side => ({ content, links });

const base = side({ drug: 'MTX', dose: '10 mg', frequency: 'weekly', duration: { value: 12, unit: 'week' } });
const ORDER = ['drug', 'dose', 'frequency', 'duration', 'instructions'];

describe('version conflicts', () => {
  it('names each field either doctor changed, and who changed it', () => {
    const theirs = side({ ...base.content, dose: '15 mg', duration: { unit: 'week', value: 16 } });
    const mine = side({ ...base.content, frequency: 'twice weekly', instructions: 'with folic acid', duration: { value: 16, unit: 'week' } });
    const rows = compareVersions(base, theirs, mine, ORDER);
    expect(rows.map((row) => [row.field, row.change])).toEqual([
      ['dose', 'theirs'],
      ['frequency', 'mine'],
      ['duration', 'same'],
      ['instructions', 'mine'],
    ]);
  });

  it('re-applies my changes on their version: nothing either doctor wrote is lost', () => {
    const theirs = side({ ...base.content, dose: '15 mg' }, { visitIds: ['v1'], photoIds: [] });
    const mine = side({ drug: 'MTX', dose: '10 mg', duration: base.content.duration, instructions: 'with food' });
    const rows = compareVersions(base, theirs, mine, ORDER);
    expect(reapply(rows, theirs)).toEqual(
      side({ drug: 'MTX', dose: '15 mg', duration: base.content.duration, instructions: 'with food' }, { visitIds: ['v1'], photoIds: [] }),
    );
  });

  it('lets the doctor choose per field when both changed it', () => {
    const theirs = side({ ...base.content, dose: '15 mg' });
    const mine = side({ ...base.content, dose: '12.5 mg' });
    const rows = compareVersions(base, theirs, mine, ORDER);
    expect(rows).toEqual([{ field: 'dose', change: 'both', base: '10 mg', theirs: '15 mg', mine: '12.5 mg' }]);
    expect(reapply(rows, theirs).content.dose).toBe('12.5 mg');
    expect(reapply(rows, theirs, new Set(['dose'])).content.dose).toBe('15 mg');
  });

  it('compares links and nested values regardless of key order', () => {
    expect(sameValue({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    expect(sameValue(['a', 'b'], ['b', 'a'])).toBe(false);
    const mine = side(base.content, { visitIds: [], photoIds: ['p1'] });
    const rows = compareVersions(base, base, mine, ORDER);
    expect(rows.map((row) => [row.field, row.change])).toEqual([['links', 'mine']]);
    expect(reapply(rows, base).links).toEqual({ visitIds: [], photoIds: ['p1'] });
  });
});
