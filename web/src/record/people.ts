// Who wrote a version, in words: the name from the user directory (data/people.ts), or the
// person's part in the case while it loads or when the directory does not answer.

import type { Case } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { describePerson as inWords, usePeople } from '../data/index.ts';
import { i18next } from '../i18n/index.ts';

/**
 * A person's name for `userId` as far as this page knows it: the signed-in doctor by their own
 * name, the case's patient and doctors by their part in the case. Never the raw id.
 */
export function useDisplayName(userId: string, clinicalCase: Pick<Case, 'patientId' | 'doctors'>): string {
  const me = useSignedInUser();
  const person = usePeople([userId]).get(userId);
  return inWords(person, describePerson(userId, me, clinicalCase));
}

export function describePerson(
  userId: string,
  me: { userId: string; displayName: string },
  clinicalCase: Pick<Case, 'patientId' | 'doctors'>,
): string {
  if (userId === me.userId) return me.displayName;
  if (userId === clinicalCase.patientId) return i18next.t('record:people.patient');
  const doctor = clinicalCase.doctors.find((candidate) => candidate.doctorId === userId);
  if (doctor !== undefined) {
    return doctor.kind === 'assigned' ? i18next.t('record:people.assignedDoctor') : i18next.t('record:people.invitedDoctor');
  }
  return i18next.t('record:people.anotherDoctor');
}
