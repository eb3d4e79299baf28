import type { Case, RecordEntry } from '../api/types.ts';

/**
 * Whether the signed-in doctor may amend or retract `entry`. The server decides (403
 * not_the_author); this only keeps the buttons away from an invited doctor on entries they did
 * not write, so a consultant is not offered a change that would be refused. The case's assigned
 * doctors own the whole record; an invited doctor owns only their own entries.
 */
export function mayChangeEntry(
  userId: string,
  entry: Pick<RecordEntry, 'createdBy'>,
  clinicalCase: Pick<Case, 'doctors'>,
): boolean {
  const mine = clinicalCase.doctors.find((doctor) => doctor.doctorId === userId);
  if (mine === undefined) return false;
  return mine.kind === 'assigned' || entry.createdBy === userId;
}
