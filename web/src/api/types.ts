// Wire types of the DermaFollow REST contract (docs/api.md at the repository root).
// Answers are generated from the API's own OpenAPI document (schema.gen.ts, `npm run api`): the names
// below alias its components, so they follow the routes' declared schemas. The rest are still written
// by hand, field names and optionality following the contract exactly, until their routes declare
// their answers (tests/functional/test_openapi.py lists those routes).

import type { components } from './schema.gen';

type Schemas = components['schemas'];

export type Role = 'patient' | 'doctor' | 'admin';

export const ROLES: readonly Role[] = ['patient', 'doctor', 'admin'];

/** Body of every 4xx/5xx answer. */
export type ApiErrorBody = Schemas['Error'];

export type Me = Schemas['Me'];

/** Answer of POST /auth/login and POST /auth/refresh. */
export type Session = Schemas['Session'];

export interface LoginRequest {
  username: string;
  password: string;
}

export interface RefreshRequest {
  refreshToken: string;
}

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
export interface OpenCaseRequest {
  patientId: string;
  condition: string;
  bodySites?: string[];
  followUpPlan?: string;
  /** Other doctors of the clinic assigned with the opening doctor (up to 5). */
  assignedDoctorIds?: string[];
}

export interface InvitationRequest {
  doctorId: string;
  expiresInHours: number;
  /** What the colleague is asked to look at (up to 1,000 characters; sealed at rest). */
  question?: string;
}

export type Grant = Schemas['Grant'];

export type AdminUser = Schemas['AdminUser'];

/** POST /admin/users: a patient or doctor account; the invitation goes to the e-mail and/or phone. */
export interface NewAccountRequest {
  username: string;
  role: 'patient' | 'doctor';
  name: string;
  email?: string;
  phone?: string;
  birthdate?: string;
  gender?: 'female' | 'male' | 'other';
  title?: string;
}

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

export interface CaseListQuery {
  limit?: number;
  cursor?: string;
}

// --- Case tracking: body map, lesions, photos, scores, timeline -----------------------------------

export type BodyView = Schemas['BodyView'];

/** One entry of the body-site vocabulary (GET /body-sites). */
export type BodySite = Schemas['BodySite'];

/** Answer of GET /body-sites. */
export type BodySiteVocabulary = Schemas['BodySiteVocabulary'];

export interface LesionRequest {
  bodySite: string;
  view: BodyView;
  /** 0..1 across the figure. */
  x: number;
  /** 0..1 down the figure. */
  y: number;
  label: string;
}

export type Lesion = Schemas['Lesion'];

export type LesionListResponse = Schemas['LesionListResponse'];

export type PhotoSource = Schemas['PhotoSource'];

export type PhotoContentType = 'image/jpeg' | 'image/png';

/** Body of POST /cases/{caseId}/photos/uploads. */
export interface PhotoUploadRequest {
  bodySite: string;
  lesionId?: string;
  contentType: PhotoContentType;
  sizeBytes: number;
  /** ISO-8601 with a zone; the server uses "now" when absent. */
  capturedAt?: string;
  source: PhotoSource;
}

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

export interface PhotoListQuery {
  bodySite?: string;
  lesionId?: string;
  limit?: number;
  cursor?: string;
}

/** An upload as the server tracks it (GET /cases/{caseId}/photos/uploads/{photoId}). */
export type PhotoUpload = Schemas['PhotoUpload'];

/** The presigned POST handed out with a new upload. */
export type PresignedPost = Schemas['PresignedPost'];

/** Answer of POST /cases/{caseId}/photos/uploads. */
export type PhotoUploadIntent = Schemas['PhotoUploadIntent'];

export type ScoreInstrument = Schemas['ScoreInstrument'];

export interface ScoreRequest {
  instrument: ScoreInstrument;
  components: Record<string, unknown>;
  visitId?: string;
}

export type ScoreFlag = Schemas['ScoreFlag'];

export type ScoreChange = Schemas['ScoreChange'];

export type Score = Schemas['Score'];

export type ScoreListResponse = Schemas['ScoreListResponse'];

export interface ScoreListQuery {
  instrument?: ScoreInstrument;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

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
export interface VisitQuality {
  rttMs: number;
  lossPct: number;
  bitrateKbps: number;
  reconnects: number;
  jitterMs?: number;
  framesPerSecond?: number;
  durationSeconds?: number;
  worstQuality?: CallQualityLevel;
  audioOnlySeconds?: number;
  /** From meeting the other participant to the first connected media path; absent if never connected. */
  setupMs?: number;
}

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

export interface RecordListQuery {
  kind?: RecordKind;
  limit?: number;
  cursor?: string;
}

export interface RecordEntryRequest {
  kind: RecordKind;
  content: RecordContent;
  links?: Partial<RecordLinks>;
}

export interface RecordAmendment {
  expectedVersion: number;
  content: RecordContent;
  links?: Partial<RecordLinks>;
}

export interface RecordRetraction {
  expectedVersion: number;
  reason: string;
}

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
export interface NewPasswordRequest {
  username: string;
  session: string;
  newPassword: string;
}

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

export interface FollowupRequest {
  dueDate: string;
  modality: FollowupModality;
  asks?: FollowupAsk[];
  repeat?: { everyDays: number; count: number };
  sourceEntryId?: string;
}

/** `kind`: a follow-up's reminder step or a colleague's consult invitation; the app words it. */
export type Notice = Schemas['Notice'];

export type NoticeKind = Schemas['NoticeKind'];

export type NoticeList = Schemas['NoticeList'];

/** Answer of POST /notices/{noticeId}/read. */
export type NoticeRead = Schemas['NoticeRead'];

/** `language`: the reminders' (functions/shared/languages.json); null: never chosen (English). */
export type NoticeSettings = Schemas['NoticeSettings'];

/** Body of PUT /notice-settings: `language` left out keeps the chosen one. */
export interface NoticeSettingsRequest {
  channels: NoticeSettings['channels'];
  quietHours: NoticeSettings['quietHours'];
  timeZone: NoticeSettings['timeZone'];
  language?: NonNullable<NoticeSettings['language']>;
}

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

export interface VisitRatingRequest {
  callQuality: number;
  care: number;
  comment?: string;
}

export type RatingSummary = Schemas['RatingSummary'];

/** How many ratings gave each score ("1" to "5"). */
export type RatingDistribution = Schemas['RatingDistribution'];

export type ClinicFeedback = Schemas['ClinicFeedback'];

/** POST /auth/reset-password: the code the pool sent and the new password. */
export interface PasswordResetRequest {
  username: string;
  code: string;
  password: string;
}

/** POST /auth/mfa/setup: the authenticator's secret and its otpauth:// URI (for the QR code). */
export type MfaSetup = Schemas['MfaSetup'];

/** POST /auth/mfa/verify: the authenticator is confirmed, and asked for at every sign-in from now. */
export type MfaEnrolled = Schemas['MfaEnrolled'];

/** POST /auth/forgot-password: the same answer whether or not the account exists. */
export type PasswordCodeSent = Schemas['PasswordCodeSent'];

/** POST /auth/reset-password. */
export type PasswordResetDone = Schemas['PasswordResetDone'];

/** POST /auth/mfa/answer: the session from a 401 `mfa_required` and the authenticator's code. */
export interface MfaAnswerRequest {
  username: string;
  session: string;
  code: string;
}

// --- Operations (admins) ---------------------------------------------------------------------

export type AuditOutcome = Schemas['AuditOutcome'];

/** One audit trail entry: ids, actions and outcomes, never clinical content. */
export type AuditEntry = Schemas['AuditEntry'];

/** What the last hourly verification found for the chain holding a patient's entries (`checkedAt`
 * null before the first run). */
export type ChainVerification = Schemas['ChainVerification'];

export type AuditPage = Schemas['AuditPage'];

export interface AuditQuery {
  patientId: string;
  actorId?: string;
  action?: string;
  outcome?: AuditOutcome;
}

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
export interface LesionBaselineRequest {
  photoId: string;
  outline: Outline;
}

export type LesionBaseline = Schemas['LesionBaseline'];

export type LesionChangeReason = Schemas['LesionChangeReason'];

export type LesionChange = Schemas['LesionChange'];

export type LesionMeasurement = Schemas['LesionMeasurement'];

export type LesionOutlineSource = Schemas['LesionOutlineSource'];

/** Body of PUT /cases/{caseId}/lesions/{lesionId}/measurements/{photoId}/outline (the photo's own px). */
export interface LesionOutlineRequest {
  outline: Outline;
}

export type LesionSeries = Schemas['LesionSeries'];
