// Query keys, one factory for the whole app. A key is an array from the general to the specific:
// [scope, resource, ...ids, detail?, query?]. Invalidating a prefix refreshes everything under it:
// `queryKeys.caseFollowUp(id)` after a new photo, lesion or score refreshes that case's lesions,
// photos, scores and timeline, and neither the case itself nor any other case.
// Add new resources here rather than writing key arrays inline in a screen.

import type { PhotoListQuery, RecordKind } from '../api/types.ts';

export const queryKeys = {
  /** Everything from the server: invalidating this refreshes every screen. */
  all: ['api'] as const,
  /** Display profiles of a set of people (ids sorted, so the same set is one cache entry). */
  people: (userIds: readonly string[]) => [...queryKeys.all, 'people', [...userIds].sort().join(',')] as const,
  bodySites: () => [...queryKeys.all, 'body-sites'] as const,
  caseLists: () => [...queryKeys.all, 'case-lists'] as const,
  caseList: (pageSize: number) => [...queryKeys.caseLists(), { pageSize }] as const,
  /** Everything about one case. */
  case: (caseId: string) => [...queryKeys.all, 'cases', caseId] as const,
  caseDetail: (caseId: string) => [...queryKeys.case(caseId), 'detail'] as const,
  /** What changes while the case is followed: lesions, photos, scores, timeline. */
  caseFollowUp: (caseId: string) => [...queryKeys.case(caseId), 'follow-up'] as const,
  lesions: (caseId: string) => [...queryKeys.caseFollowUp(caseId), 'lesions'] as const,
  scores: (caseId: string) => [...queryKeys.caseFollowUp(caseId), 'scores'] as const,
  photos: (caseId: string, query: PhotoListQuery) =>
    [...queryKeys.caseFollowUp(caseId), 'photos', query] as const,
  /** A lesion's baseline outline and measured series: a new photo of the lesion may add to it. */
  lesionMeasurements: (caseId: string, lesionId: string) =>
    [...queryKeys.caseFollowUp(caseId), 'lesion-measurements', lesionId] as const,
  /** One photo's detail: outside the follow-up lists, as a removal must not fetch it again. */
  photo: (caseId: string, photoId: string) => [...queryKeys.case(caseId), 'photo', photoId] as const,
  timeline: (caseId: string, pageSize: number) =>
    [...queryKeys.caseFollowUp(caseId), 'timeline', { pageSize }] as const,
  /** Follows the case's scores and record: refreshed with its follow-up lists. */
  /** Under the case's follow-up key: a new photo or score may answer one. */
  followups: (caseId: string) => [...queryKeys.caseFollowUp(caseId), 'followups'] as const,
  myFollowups: () => [...queryKeys.all, 'followups', 'mine'] as const,
  followupWorklist: () => [...queryKeys.all, 'followups', 'worklist'] as const,
  visitRatings: (caseId: string) => [...queryKeys.case(caseId), 'visit-ratings'] as const,
  clinicFeedback: () => [...queryKeys.all, 'analytics', 'feedback'] as const,
  worklistActivity: () => [...queryKeys.all, 'worklist', 'activity'] as const,
  worklistConsults: () => [...queryKeys.all, 'worklist', 'consults'] as const,
  worklistReads: () => [...queryKeys.all, 'worklist', 'reads'] as const,
  notices: () => [...queryKeys.all, 'notices'] as const,
  noticeSettings: () => [...queryKeys.all, 'notice-settings'] as const,
  cohortReference: (caseId: string) => [...queryKeys.caseFollowUp(caseId), 'cohort-reference'] as const,
  clinicAnalytics: () => [...queryKeys.all, 'analytics', 'clinic'] as const,
  adminUsers: () => [...queryKeys.all, 'admin', 'users'] as const,
  auditTrail: (query: object) => [...queryKeys.all, 'admin', 'audit', query] as const,
  operationsHealth: () => [...queryKeys.all, 'admin', 'health'] as const,
  /** One visit's live state (not kept once no page shows it: it moves on its own). */
  visit: (roomId: string) => [...queryKeys.all, 'visits', 'room', roomId] as const,
  /** The doctor's waiting room. */
  visitQueue: () => [...queryKeys.all, 'visits', 'queue'] as const,
  // The medical record (record section of the case page).
  records: (caseId: string, kind: RecordKind) => [...queryKeys.case(caseId), 'records', kind] as const,
  recordHistory: (caseId: string, entryId: string, version: number) =>
    [...queryKeys.case(caseId), 'record-history', entryId, { version }] as const,
  caseVisitRecords: (caseId: string) => [...queryKeys.case(caseId), 'visit-records'] as const,
  icd10: (query: string) => [...queryKeys.all, 'icd10', query] as const,
  // Consultation rounds of a case, and the agreement figures (clinic's, the signed-in doctor's).
  consultationRounds: (caseId: string) => [...queryKeys.case(caseId), 'consultation-rounds'] as const,
  // One round by id (a link to a round older than the page of newest): refreshed with the list.
  consultationRound: (caseId: string, roundId: string) =>
    [...queryKeys.case(caseId), 'consultation-rounds', roundId] as const,
  clinicAgreement: () => [...queryKeys.all, 'analytics', 'agreement'] as const,
  myAgreement: () => [...queryKeys.all, 'agreement', 'mine'] as const,
};
