// Wire types of the DermaFollow REST contract (docs/api.md at the repository root).
// Generated from the API's own OpenAPI document (schema.gen.ts, `npm run api`): answers alias its
// components, request bodies and queries alias what each route declares (JsonBody, QueryOf), so both
// follow the routes' schemas. The few written by hand are not a route's body or query (an error's
// details, unions the app narrows by itself).

import type { components, paths } from './schema.gen';

type Schemas = components['schemas'];

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The methods route `P` has: naming one it lacks is a type error, not a silent `unknown`. */
type MethodOf<P extends keyof paths> = {
  [M in Method]: paths[P][M] extends undefined ? never : M;
}[Method];

/** The JSON body route `P` declares for method `M` (e.g. `JsonBody<'/auth/login', 'post'>`). */
export type JsonBody<P extends keyof paths, M extends MethodOf<P>> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query string route `P` declares for method `M`, its parameters by name. */
export type QueryOf<P extends keyof paths, M extends MethodOf<P>> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

export type Role = 'patient' | 'doctor' | 'admin';

export const ROLES: readonly Role[] = ['patient', 'doctor', 'admin'];

/** Body of every 4xx/5xx answer. */
export type ApiErrorBody = Schemas['Error'];

export type Me = Schemas['Me'];

/** Answer of POST /auth/login and POST /auth/refresh. */
export type Session = Schemas['Session'];

export type LoginRequest = JsonBody<'/auth/login', 'post'>;

export type RefreshRequest = JsonBody<'/auth/refresh', 'post'>;

/** Answer of POST /ws/tickets (a ticket is single-use and lives 60 s). */
export type WsTicket = Schemas['WsTicket'];

export type CaseStatus = CaseSummary['status'];

export type CaseSummary = Schemas['CaseSummary'];

export type CaseListResponse = Schemas['CaseListResponse'];

export type CaseDoctorKind = Grant['kind'];

export type InvitationAnswer = NonNullable<Grant['answer']>;

/** A doctor's access to a case (Case.doctors; the answer of the invitation routes). */
export type CaseDoctor = Schemas['Grant'];

export type Case = Schemas['Case'];

/** POST /cases: a doctor opens a case for one of the clinic's patients. */
export type OpenCaseRequest = JsonBody<'/cases', 'post'>;

export type InvitationRequest = JsonBody<'/cases/{case_id}/invitations', 'post'>;

export type Grant = Schemas['Grant'];

export type AdminUser = Schemas['AdminUser'];

/** POST /admin/users: a patient or doctor account; the invitation goes to the e-mail and/or phone. */
export type NewAccountRequest = JsonBody<'/admin/users', 'post'>;

/** Answer of POST /admin/users/{username}/enable and /disable. */
export type AccountChange = Schemas['AccountChange'];

/** Answer of POST /admin/users: the new account (enabled; its invitation is on its way). */
export type AccountCreated = Schemas['AccountCreated'];

/** Answer of PUT /admin/users/{username}/name. */
export type AccountRenamed = Schemas['AccountRenamed'];

/** Answer of POST /admin/users/{username}/reset-password (the password itself is never shown). */
export type AccountPasswordReset = Schemas['AccountPasswordReset'];

export type AdminUserList = Schemas['AdminUserList'];

export type HealthStatus = Schemas['HealthStatus'];

export type CaseListQuery = QueryOf<'/cases', 'get'>;

// --- Case tracking: body map, lesions, photos, scores, timeline -----------------------------------

export type BodyView = Schemas['BodyView'];

/** One entry of the body-site vocabulary (GET /body-sites). */
export type BodySite = Schemas['BodySite'];

/** Answer of GET /body-sites. */
export type BodySiteVocabulary = Schemas['BodySiteVocabulary'];

/** A body site's id as the routes take it (one of the vocabulary's ids; the route refuses others). */
export type BodySiteId = JsonBody<'/cases/{case_id}/lesions', 'post'>['bodySite'];

/** A site id the app got from the vocabulary (GET /body-sites), typed as the routes take it: the
 * vocabulary answers plain strings, the routes a closed list of the same ids (a 400 if one ever differs). */
export function asBodySiteId(id: string): BodySiteId {
  return id as BodySiteId;
}

export type LesionRequest = JsonBody<'/cases/{case_id}/lesions', 'post'>;

export type Lesion = Schemas['Lesion'];

export type LesionListResponse = Schemas['LesionListResponse'];

export type PhotoSource = Schemas['PhotoSource'];

export type PhotoContentType = 'image/jpeg' | 'image/png';

/** Body of POST /cases/{caseId}/photos/uploads. */
export type PhotoUploadRequest = JsonBody<'/cases/{case_id}/photos/uploads', 'post'>;

export type PhotoUploadStatus = Schemas['PhotoUploadStatus'];

export type PhotoRejection = Schemas['PhotoRejection'];

export type PhotoUrls = Schemas['PhotoUrls'];

export type PhotoQuality = Schemas['PhotoQuality'];

/** Its `urls` are presigned GETs, valid for 5 minutes: fetch the photo again for new ones. */
export type Photo = Schemas['Photo'];

export type PhotoListResponse = Schemas['PhotoListResponse'];

/** Why a photo is removed (body of POST /cases/{caseId}/photos/{photoId}/remove). */
export type PhotoRemovalReason = Schemas['PhotoRemovalReason'];

/** A removed photo: its image data are deleted for good; the audit trail keeps who and why. */
export type PhotoRemoval = Schemas['PhotoRemoval'];

export type PhotoListQuery = QueryOf<'/cases/{case_id}/photos', 'get'>;

/** An upload as the server tracks it (GET /cases/{caseId}/photos/uploads/{photoId}). */
export type PhotoUpload = Schemas['PhotoUpload'];

/** The presigned POST handed out with a new upload. */
export type PresignedPost = Schemas['PresignedPost'];

/** Answer of POST /cases/{caseId}/photos/uploads. */
export type PhotoUploadIntent = Schemas['PhotoUploadIntent'];

export type ScoreInstrument = Schemas['ScoreInstrument'];

export type ScoreRequest = JsonBody<'/cases/{case_id}/scores', 'post'>;

export type ScoreFlag = Schemas['ScoreFlag'];

export type ScoreChange = Schemas['ScoreChange'];

export type Score = Schemas['Score'];

export type ScoreListResponse = Schemas['ScoreListResponse'];

export type ScoreListQuery = QueryOf<'/cases/{case_id}/scores', 'get'>;

export type TimelineEventType =
  | 'photo'
  | 'visit'
  | 'score'
  | 'note'
  | 'record'
  | 'consultation'
  | 'case';

/** One event of a case's timeline (GET /cases/{caseId}/timeline), newest first; `type` is open. */
export type TimelineEvent = Schemas['TimelineEvent'];

export type TimelineResponse = Schemas['TimelineResponse'];

// --- Video visits (docs/signaling.md, "REST routes of visits") -------------------------------------

export type VisitStatus = Schemas['VisitStatus'];

export type VisitRole = Schemas['VisitRole'];

export type VisitParticipant = Schemas['VisitParticipant'];

export type Visit = Schemas['Visit'];

export type VisitQueueItem = Schemas['VisitQueueItem'];

export type VisitQueue = Schemas['VisitQueue'];

/** Answer of GET /visits/active: visits in progress on the doctor's cases. */
export type ActiveVisit = Schemas['ActiveVisit'];

export type ActiveVisits = Schemas['ActiveVisits'];

/** Answer of GET /visits/ice-servers. */
export type IceServersResponse = Schemas['IceServersResponse'];

export type CallQualityLevel = 'good' | 'fair' | 'poor';

/** Body of POST /visits/{roomId}/quality. */
export type VisitQuality = JsonBody<'/visits/{room_id}/quality', 'post'>;

/** An ended visit, kept on the case as its consultation record. */
export type VisitRecord = Schemas['VisitRecord'];

export type VisitRecordList = Schemas['VisitRecordList'];

// --- Medical record (docs/api.md, "Medical record") -----------------------------------------

export type RecordKind = Schemas['RecordKind'];

export type RecordStatus = Schemas['RecordStatus'];

/** Content by kind (strict on the server; unknown fields are refused). */
export type RecordContent = Record<string, unknown>;

export type RecordLinks = Schemas['RecordLinks'];

export type RecordEntry = Schemas['RecordEntry'];

export type RecordEntryList = Schemas['RecordEntryList'];

export type RecordListQuery = QueryOf<'/cases/{case_id}/records', 'get'>;

export type RecordEntryRequest = JsonBody<'/cases/{case_id}/records', 'post'>;

export type RecordAmendment = JsonBody<'/cases/{case_id}/records/{entry_id}', 'put'>;

export type RecordRetraction = JsonBody<'/cases/{case_id}/records/{entry_id}/retract', 'post'>;

export type RecordVersion = Schemas['RecordVersion'];

export type RecordHistory = Schemas['RecordHistory'];

/** `error.details` of 409 `version_conflict` and `entry_retracted`. */
export interface RecordConflictDetails {
  currentVersion: number;
  current: RecordEntry;
}

export type Icd10Code = Schemas['Icd10Code'];

export type Icd10SearchResult = Schemas['Icd10SearchResult'];

// --- Analytics (doctors): a case's cohort reference and the clinic's analytics page -----------------
export type CohortWeek = Schemas['CohortWeek'];

export type CohortStatus = Schemas['CohortStatus'];

export type CohortReference = Schemas['CohortReference'];

/** A cell of the clinic's analytics page; fields named as the nightly analyses' columns. */
export type OutcomeCell = Schemas['OutcomeCell'];

export type AdherenceCell = Schemas['AdherenceCell'];

export type ResponseCell = Schemas['ResponseCell'];

export type ClinicAnalytics = Schemas['ClinicAnalytics'];

// --- People by name (GET /people?ids=) -------------------------------------------------------

/** A person's display profile; only people the caller shares a case with are answered. */
export type Person = Schemas['Person'];

export type PeopleResponse = Schemas['PeopleResponse'];

/** GET /people/search: which of the clinic's people a doctor's picker looks for. */
export type PeopleSearchRole = 'patient' | 'doctor';

/** POST /auth/new-password: the session from a 401 `password_change_required` and the new password. */
export type NewPasswordRequest = JsonBody<'/auth/new-password', 'post'>;

// --- Follow-ups and notices ----------------------------------------------------------------------

export type FollowupModality = Schemas['FollowupModality'];
export type FollowupState = Schemas['FollowupState'];
/** What a patient is asked for: `photos`, `visit` or `score:<INSTRUMENT>` (patient-reported ones). */
export type FollowupAsk = Schemas['FollowupAsk'];

export type Followup = Schemas['Followup'];

export type FollowupList = Schemas['FollowupList'];

/** `today` is the clinic's (YYYY-MM-DD): what "due" and "overdue" are measured against. */
export type MyFollowups = Schemas['MyFollowups'];

export type WorklistFollowup = Schemas['WorklistFollowup'];

export type FollowupWorklist = Schemas['FollowupWorklist'];

export type FollowupRequest = JsonBody<'/cases/{case_id}/followups', 'post'>;

/** `kind`: a follow-up's reminder step or a colleague's consult invitation; the app words it. */
export type Notice = Schemas['Notice'];

export type NoticeKind = Schemas['NoticeKind'];

export type NoticeList = Schemas['NoticeList'];

/** Answer of POST /notices/{noticeId}/read. */
export type NoticeRead = Schemas['NoticeRead'];

/** `language`: the reminders' (functions/shared/languages.json); null: never chosen (English). */
export type NoticeSettings = Schemas['NoticeSettings'];

/** Body of PUT /notice-settings: `language` left out keeps the chosen one. */
export type NoticeSettingsRequest = JsonBody<'/notice-settings', 'put'>;

// --- The doctor's worklist ----------------------------------------------------------------------

/** `worsened`: instruments whose new score worsened by a clinically meaningful amount;
 * `changedLesions`: lesions whose new photo measured a meaningful change from their baseline (ids). */
export type ActivityRow = Schemas['WorklistActivity'];

export type ActivityList = Schemas['WorklistActivityList'];

/** Answer of POST /cases/{caseId}/reviewed: the mark the worklist counts new activity from. */
export type CaseReviewed = Schemas['CaseReviewed'];

// --- Visit ratings (the patient's feedback) --------------------------------------------------------

export type VisitRating = Schemas['VisitRating'];

export type VisitRatingList = Schemas['VisitRatingList'];

export type VisitRatingRequest = JsonBody<'/visits/{room_id}/rating', 'post'>;

export type RatingSummary = Schemas['RatingSummary'];

/** How many ratings gave each score ("1" to "5"). */
export type RatingDistribution = Schemas['RatingDistribution'];

export type ClinicFeedback = Schemas['ClinicFeedback'];

/** POST /auth/reset-password: the code the pool sent and the new password. */
export type PasswordResetRequest = JsonBody<'/auth/reset-password', 'post'>;

/** POST /auth/mfa/setup: the authenticator's secret and its otpauth:// URI (for the QR code). */
export type MfaSetup = Schemas['MfaSetup'];

/** POST /auth/mfa/verify: the authenticator is confirmed, and asked for at every sign-in from now. */
export type MfaEnrolled = Schemas['MfaEnrolled'];

/** POST /auth/forgot-password: the same answer whether or not the account exists. */
export type PasswordCodeSent = Schemas['PasswordCodeSent'];

/** POST /auth/reset-password. */
export type PasswordResetDone = Schemas['PasswordResetDone'];

/** POST /auth/mfa/answer: the session from a 401 `mfa_required` and the authenticator's code. */
export type MfaAnswerRequest = JsonBody<'/auth/mfa/answer', 'post'>;

// --- Operations (admins) ---------------------------------------------------------------------

export type AuditOutcome = Schemas['AuditOutcome'];

/** One audit trail entry: ids, actions and outcomes, never clinical content. */
export type AuditEntry = Schemas['AuditEntry'];

/** What the last hourly verification found for the chain holding a patient's entries (`checkedAt`
 * null before the first run). */
export type ChainVerification = Schemas['ChainVerification'];

export type AuditPage = Schemas['AuditPage'];

export type AuditQuery = QueryOf<'/admin/audit', 'get'>;

export type DependencyState = Schemas['DependencyState'];

export type DependencyHealth = Schemas['DependencyHealth'];

export type OperationsHealth = Schemas['OperationsHealth'];

/** A case a colleague asked the signed-in doctor to look at (GET /worklist/consults). */
export type ConsultRequest = Schemas['ConsultRequest'];

export type ConsultRequestList = Schemas['ConsultRequestList'];

/** A consultation round waiting for the signed-in doctor's read (GET /worklist/reads). Blinded: nothing
 * of the other readers. */
export type AwaitingRead = Schemas['AwaitingRead'];

export type AwaitingReadPage = Schemas['AwaitingReadPage'];

// --- Lesion measurements (docs/api.md "Lesion measurements") ----------------------------------

/** A polygon in the baseline photo's full-resolution pixels: [[x, y], ...], 3 to 400 points. */
export type Outline = Schemas['Outline'];

/** Body of PUT /cases/{caseId}/lesions/{lesionId}/baseline. */
export type LesionBaselineRequest = JsonBody<'/cases/{case_id}/lesions/{lesion_id}/baseline', 'put'>;

export type LesionBaseline = Schemas['LesionBaseline'];

export type LesionChangeReason = Schemas['LesionChangeReason'];

export type LesionChange = Schemas['LesionChange'];

export type LesionMeasurement = Schemas['LesionMeasurement'];

export type LesionOutlineSource = Schemas['LesionOutlineSource'];

/** Body of PUT /cases/{caseId}/lesions/{lesionId}/measurements/{photoId}/outline (the photo's own px). */
export type LesionOutlineRequest = JsonBody<'/cases/{case_id}/lesions/{lesion_id}/measurements/{photo_id}/outline', 'put'>;

export type LesionSeries = Schemas['LesionSeries'];
