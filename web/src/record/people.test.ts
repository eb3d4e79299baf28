import { describe, expect, it } from 'vitest';
import { describePerson } from './people.ts';

const clinicalCase = {
  patientId: 'p-1',
  doctors: [
    { doctorId: 'd-1', kind: 'assigned' as const },
    { doctorId: 'd-2', kind: 'invited' as const, expiresAt: '2026-12-04T00:00:00Z' },
  ],
};
const me = { userId: 'd-1', displayName: 'Dr. Mei Chen' };

describe('people in the record', () => {
  it('never shows a user id', () => {
    const names = ['d-1', 'd-2', 'p-1', 'x-9'].map((id) => describePerson(id, me, clinicalCase));
    expect(names).toEqual(['Dr. Mei Chen', 'an invited doctor', 'the patient', 'another doctor']);
    expect(describePerson('d-1', { userId: 'd-2', displayName: 'Dr. Okafor' }, clinicalCase)).toBe('the assigned doctor');
  });
});
