import { createContext, useContext } from 'react';
import type { BodySite, Case, Photo, VisitRecord } from '../api/types.ts';

/** What every part of the record section reads about the case (loaded once by the section). */
export interface RecordCaseData {
  clinicalCase: Case;
  sites: BodySite[] | undefined;
  visits: VisitRecord[];
  photos: Photo[];
}

export const RecordCaseContext = createContext<RecordCaseData | null>(null);

export function useRecordCase(): RecordCaseData {
  const data = useContext(RecordCaseContext);
  if (data === null) throw new Error('useRecordCase must be used inside the record section.');
  return data;
}
