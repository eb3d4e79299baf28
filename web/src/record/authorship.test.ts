import { describe, expect, it } from 'vitest';
import { mayChangeEntry } from './authorship.ts';

const clinicalCase = {
  doctors: [
    { doctorId: 'd-assigned', kind: 'assigned' as const },
    { doctorId: 'd-invited', kind: 'invited' as const, expiresAt: '2027-01-01T00:00:00Z' },
  ],
};

describe('mayChangeEntry', () => {
  it('lets an assigned doctor change any entry of the case', () => {
    expect(mayChangeEntry('d-assigned', { createdBy: 'd-invited' }, clinicalCase)).toBe(true);
  });
  it('lets an invited doctor change only the entries they wrote', () => {
    expect(mayChangeEntry('d-invited', { createdBy: 'd-invited' }, clinicalCase)).toBe(true);
    expect(mayChangeEntry('d-invited', { createdBy: 'd-assigned' }, clinicalCase)).toBe(false);
  });
  it('offers nothing to a doctor who is not on the case', () => {
    expect(mayChangeEntry('d-other', { createdBy: 'd-other' }, clinicalCase)).toBe(false);
  });
});
