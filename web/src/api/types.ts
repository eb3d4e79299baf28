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

export interface AdminUser {
  userId: string;
  username: string;
  role: Role;
  enabled: boolean;
  /** ISO-8601 */
  createdAt: string;
}

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

export interface AccountChange {
  userId: string;
  username: string;
  enabled: boolean;
}

export interface AdminUserList {
  items: AdminUser[];
}

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

export interface OutcomeCell {
  condition_code: string;
  treatment: string;
  instrument: string;
  baseline_band: string;
  week: number;
  n: number;
  median_change_pct: number;
  q1_change_pct: number;
  q3_change_pct: number;
  responder_share: number;
}

export interface AdherenceCell {
  condition_code: string;
  persons: number;
  followups_due: number;
  kept_on_time_share: number;
  photo_intervals: number;
  median_photo_interval_days?: number;
}

export interface ResponseCell {
  condition_code: string;
  treatment: string;
  instrument: string;
  n: number;
  responders: number;
  responder_share: number;
  median_days_to_response?: number;
}

export interface ClinicAnalytics {
  observational: true;
  note: string;
  minCell: number;
  computedAt: string | null;
  outcomes: OutcomeCell[];
  response: ResponseCell[];
  adherence: AdherenceCell[];
  suppressedCells: number;
}

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

export interface Notice {
  noticeId: string;
  /** `followup.upcoming`, `followup.due` or `followup.overdue`: the app words it. */
  kind: string;
  caseId: string;
  followupId: string;
  dueDate: string;
  createdAt: string;
  read: boolean;
}

export interface NoticeList {
  items: Notice[];
  unread: number;
}

export interface NoticeSettings {
  channels: { email: boolean; sms: boolean };
  quietHours: { start: string; end: string } | null;
  timeZone: string | null;
  /** The reminders' language (functions/shared/languages.json); null: never chosen (English). */
  language?: string | null;
}

// --- The doctor's worklist ----------------------------------------------------------------------

export interface ActivityRow {
  caseId: string;
  patientId: string;
  patientName: string | null;
  condition: string | null;
  newPhotos: number;
  newScores: number;
  /** Instruments whose new score worsened by a clinically meaningful amount. */
  worsened: string[];
  /** Lesions whose new photo measured a meaningful change from their baseline (ids). */
  changedLesions: string[];
  latestAt: string;
  reviewedAt: string | null;
}

export interface ActivityList {
  items: ActivityRow[];
}

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

export interface RatingSummary {
  n: number;
  callQualityMean: number | null;
  careMean: number | null;
}

export interface ClinicFeedback {
  months: Array<RatingSummary & { month: string }>;
  overall: RatingSummary;
  distribution: { callQuality: Record<string, number>; care: Record<string, number> };
}

/** POST /auth/reset-password: the code the pool sent and the new password. */
export interface PasswordResetRequest {
  username: string;
  code: string;
  password: string;
}

/** POST /auth/mfa/setup: the authenticator's secret and its otpauth:// URI (for the QR code). */
export interface MfaSetup {
  secret: string;
  otpauthUri: string;
}

/** POST /auth/mfa/answer: the session from a 401 `mfa_required` and the authenticator's code. */
export interface MfaAnswerRequest {
  username: string;
  session: string;
  code: string;
}

// --- Operations (admins) ---------------------------------------------------------------------

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'conflict';

/** One audit trail entry: ids, actions and outcomes, never clinical content. */
export interface AuditEntry {
  chain: string;
  seq: number;
  /** ISO-8601 */
  at: string;
  actorId: string;
  role: string;
  action: string;
  resource: { type: string; id: string; caseId: string | null };
  resourceIds: string[];
  patientId: string | null;
  source: { requestId: string; ip: string };
  outcome: AuditOutcome;
  hash: string;
}

/** What the last hourly verification found for the chain holding a patient's entries. */
export interface ChainVerification {
  chain: string;
  /** ISO-8601; null before the first run. */
  checkedAt: string | null;
  ok?: boolean;
  entries?: number;
  anchorsChecked?: number;
  firstBadSeq?: number;
  problem?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
  verification: ChainVerification;
}

export interface AuditQuery {
  patientId: string;
  actorId?: string;
  action?: string;
  outcome?: AuditOutcome;
}

export type DependencyState = 'ok' | 'slow' | 'down';

export interface DependencyHealth {
  name: 'dynamodb' | 's3' | 'kms' | 'directory' | 'websocket';
  state: DependencyState;
  latencyMs: number | null;
  code?: string;
}

export interface OperationsHealth {
  status: DependencyState;
  checkedAt: string;
  dependencies: DependencyHealth[];
}

/** A case a colleague asked the signed-in doctor to look at (GET /worklist/consults). */
export interface ConsultRequest {
  caseId: string;
  patientId: string;
  patientName: string | null;
  condition: string | null;
  invitedBy: string;
  invitedByName: string | null;
  /** ISO-8601 */
  invitedAt: string;
  /** ISO-8601; null for access without an end. */
  until: string | null;
  /** The consult question, or null when none was asked. */
  question: string | null;
  answer: InvitationAnswer;
}

export interface ConsultRequestList {
  items: ConsultRequest[];
}

/** A consultation round waiting for the signed-in doctor's read (GET /worklist/reads). Blinded: nothing
 * of the other readers. */
export interface AwaitingRead {
  caseId: string;
  roundId: string;
  patientId: string;
  patientName: string | null;
  condition: string | null;
  leadId: string;
  leadName: string | null;
  question: string;
  /** ISO-8601 */
  openedAt: string;
}

export interface AwaitingReadPage {
  items: AwaitingRead[];
  nextCursor: string | null;
}

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
