import type { SessionStore, StoredSession } from '../auth/sessionStore.ts';
import { isApiErrorBody, isMe, isSession } from './guards.ts';
import type {
  DiscussionMessage,
  DiscussionPage,
  DiscussionPost,
  DiscussionReadMarker,
  UnreadList,
} from '../discussion/types.ts';
import type {
  ClinicAgreement,
  CloseRoundRequest,
  ConsultationReads,
  ConsultationRound,
  ConsultationRoundList,
  MyAgreement,
  OpenRoundRequest,
  ReadRequest,
} from './consultation.ts';
import type {
  ClinicAnalytics,
  CohortReference,
  AdminUserList,
  AuditPage,
  AwaitingReadPage,
  ConsultRequestList,
  AuditQuery,
  OperationsHealth,
  BodySiteVocabulary,
  Case,
  CaseReviewed,
  PeopleResponse,
  CaseListQuery,
  CaseListResponse,
  Grant,
  HealthStatus,
  InvitationRequest,
  Lesion,
  LesionBaseline,
  LesionBaselineRequest,
  LesionMeasurement,
  LesionOutlineRequest,
  LesionListResponse,
  LesionRequest,
  LesionSeries,
  LoginRequest,
  Me,
  Photo,
  PhotoListQuery,
  PhotoListResponse,
  PhotoRemoval,
  PhotoRemovalReason,
  PhotoUpload,
  PhotoUploadIntent,
  PhotoUploadRequest,
  RefreshRequest,
  Score,
  ScoreListQuery,
  ScoreListResponse,
  ScoreRequest,
  TimelineResponse,
  IceServersResponse,
  Visit,
  VisitQuality,
  VisitQueue,
  VisitRecordList,
  WsTicket,
  Icd10SearchResult,
  RecordAmendment,
  RecordEntry,
  RecordEntryList,
  RecordEntryRequest,
  RecordHistory,
  RecordListQuery,
  RecordRetraction,
  AccountChange,
  AccountCreated,
  AccountPasswordReset,
  AccountRenamed,
  NewAccountRequest,
  MfaAnswerRequest,
  MfaEnrolled,
  MfaSetup,
  NewPasswordRequest,
  PasswordResetRequest,
  OpenCaseRequest,
  PeopleSearchRole,
  Followup,
  FollowupList,
  FollowupRequest,
  FollowupWorklist,
  MyFollowups,
  NoticeList,
  NoticeRead,
  NoticeSettings,
  NoticeSettingsRequest,
  ActivityList,
  ClinicFeedback,
  VisitRating,
  VisitRatingList,
  VisitRatingRequest,
  ActiveVisits,
} from './types.ts';

/** The slice of the Fetch API the client needs; injectable so tests can fake the server. */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Error codes the client produces itself, when no server answer carries one. */
export const CLIENT_ERROR_CODES = {
  network: 'network_error',
  invalidResponse: 'invalid_response',
  notSignedIn: 'not_signed_in',
  sessionExpired: 'session_expired',
} as const;

/** A failed call: the HTTP status (0 when the server could not be reached) and a stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  /** The contract's machine-readable `error.details` (e.g. the current entry on a 409), if any. */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.details = options?.details;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Turns any non-2xx answer into an ApiError, using the contract's error body when present. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  if (text !== '') {
    try {
      const body: unknown = JSON.parse(text);
      if (isApiErrorBody(body)) {
        return new ApiError(response.status, body.error.code, body.error.message, {
          details: (body.error as { details?: unknown }).details,
        });
      }
    } catch {
      // Not JSON (e.g. a proxy's HTML error page); fall back to the status below.
    }
  }
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `The server answered with status ${response.status}.`,
  );
}

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RequestSpec {
  method: HttpMethod;
  path: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface ApiClientOptions {
  /** `apiUrl` from the runtime config, e.g. "/api". */
  baseUrl: string;
  sessionStore: SessionStore;
  fetch?: FetchFunction;
}

/**
 * Typed client of the REST contract in docs/api.md.
 *
 * Authenticated calls carry the access token. When one is answered 401, the client performs a
 * single refresh (shared by all calls that fail at the same time) and retries the call once.
 * If the server rejects the refresh, the session is ended, which signs the user out.
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly sessionStore: SessionStore;
  private readonly fetchFunction: FetchFunction;
  private refreshInFlight: Promise<StoredSession> | null = null;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.sessionStore = options.sessionStore;
    // Browsers require fetch to be called with the global object as `this`.
    this.fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  // --- Identity ---------------------------------------------------------------------------

  async login(credentials: LoginRequest, signal?: AbortSignal): Promise<StoredSession> {
    const answer = await this.send<unknown>({
      method: 'POST',
      path: '/auth/login',
      body: credentials,
      signal,
    });
    if (!isSession(answer)) throw invalidResponse('/auth/login');
    return this.sessionStore.begin(answer);
  }

  /** A first sign-in: answers the temporary password's challenge with the person's own password. */
  async completeNewPassword(request: NewPasswordRequest, signal?: AbortSignal): Promise<StoredSession> {
    const answer = await this.send<unknown>({ method: 'POST', path: '/auth/new-password', body: request, signal });
    if (!isSession(answer)) throw invalidResponse('/auth/new-password');
    return this.sessionStore.begin(answer);
  }

  /** Ask for a reset code; the answer is the same whether or not the account exists. */
  async requestPasswordReset(username: string, signal?: AbortSignal): Promise<void> {
    await this.send<unknown>({ method: 'POST', path: '/auth/forgot-password', body: { username }, signal });
  }

  async resetPassword(request: PasswordResetRequest, signal?: AbortSignal): Promise<void> {
    await this.send<unknown>({ method: 'POST', path: '/auth/reset-password', body: request, signal });
  }

  /** The second sign-in step of an account with an authenticator. */
  async answerMfa(request: MfaAnswerRequest, signal?: AbortSignal): Promise<StoredSession> {
    const answer = await this.send<unknown>({ method: 'POST', path: '/auth/mfa/answer', body: request, signal });
    if (!isSession(answer)) throw invalidResponse('/auth/mfa/answer');
    return this.sessionStore.begin(answer);
  }

  setupMfa(signal?: AbortSignal): Promise<MfaSetup> {
    return this.authorized<MfaSetup>({ method: 'POST', path: '/auth/mfa/setup', signal });
  }

  verifyMfa(code: string, signal?: AbortSignal): Promise<MfaEnrolled> {
    return this.authorized<MfaEnrolled>({ method: 'POST', path: '/auth/mfa/verify', body: { code }, signal });
  }

  /**
   * Exchanges the stored refresh token for a new access token. Concurrent callers share one
   * request, so a burst of 401s costs a single refresh.
   */
  refreshSession(): Promise<StoredSession> {
    if (this.refreshInFlight === null) {
      this.refreshInFlight = this.performRefresh().finally(() => {
        this.refreshInFlight = null;
      });
    }
    return this.refreshInFlight;
  }

  /**
   * Ends the session here at once, and asks the server to revoke its refresh token (POST
   * /auth/logout) so that a copy of it left in this browser buys nothing more. The page does not
   * wait for that answer; a failed revocation leaves a token that expires by itself (12 hours).
   */
  logout(reason: 'signed_out' | 'idle' = 'signed_out'): void {
    const refreshToken = this.sessionStore.current?.refreshToken ?? null;
    this.sessionStore.end(reason);
    if (refreshToken !== null) {
      this.send<unknown>({ method: 'POST', path: '/auth/logout', body: { refreshToken } }).catch(() => undefined);
    }
  }

  async getMe(signal?: AbortSignal): Promise<Me> {
    const answer = await this.authorized<unknown>({ method: 'GET', path: '/me', signal });
    if (!isMe(answer)) throw invalidResponse('/me');
    return answer;
  }

  createWsTicket(signal?: AbortSignal): Promise<WsTicket> {
    return this.authorized<WsTicket>({ method: 'POST', path: '/ws/tickets', body: {}, signal });
  }

  // --- Cases ------------------------------------------------------------------------------

  listCases(query: CaseListQuery = {}, signal?: AbortSignal): Promise<CaseListResponse> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const search = params.toString();
    return this.authorized<CaseListResponse>({
      method: 'GET',
      path: search === '' ? '/cases' : `/cases?${search}`,
      signal,
    });
  }

  /** Display profiles of people the caller shares a case with (others are left out). */
  getPeople(userIds: readonly string[], signal?: AbortSignal): Promise<PeopleResponse> {
    const ids = encodeURIComponent(userIds.join(','));
    return this.authorized<PeopleResponse>({ method: 'GET', path: `/people?ids=${ids}`, signal });
  }

  getCase(caseId: string, signal?: AbortSignal): Promise<Case> {
    return this.authorized<Case>({
      method: 'GET',
      path: `/cases/${encodeURIComponent(caseId)}`,
      signal,
    });
  }

  /** The clinic's patients or doctors whose name holds every word of `query` (doctors only). */
  searchPeople(role: PeopleSearchRole, query: string, signal?: AbortSignal): Promise<PeopleResponse> {
    return this.authorized<PeopleResponse>({ method: 'GET', path: withQuery('/people/search', { role, q: query }), signal });
  }

  openCase(request: OpenCaseRequest, signal?: AbortSignal): Promise<Case> {
    return this.authorized<Case>({ method: 'POST', path: '/cases', body: request, signal });
  }

  /** Close (`close`) or reopen (`reopen`) the case; a closed case refuses new uploads, visits and scores. */
  setCaseOpen(caseId: string, open: boolean, signal?: AbortSignal): Promise<Case> {
    return this.authorized<Case>({
      method: 'POST',
      path: `${casePath(caseId)}/${open ? 'reopen' : 'close'}`,
      body: {},
      signal,
    });
  }

  /** The signed-in doctor's answer to their own invitation on a case. */
  answerInvitation(caseId: string, answer: 'accepted' | 'declined', signal?: AbortSignal): Promise<Grant> {
    return this.authorized<Grant>({
      method: 'POST',
      path: `/cases/${encodeURIComponent(caseId)}/invitation/answer`,
      body: { answer },
      signal,
    });
  }

  inviteDoctor(caseId: string, invitation: InvitationRequest, signal?: AbortSignal): Promise<Grant> {
    return this.authorized<Grant>({
      method: 'POST',
      path: `/cases/${encodeURIComponent(caseId)}/invitations`,
      body: invitation,
      signal,
    });
  }

  /** Ends a colleague's invitation at once (the case's assigned doctors). */
  revokeInvitation(caseId: string, doctorId: string, signal?: AbortSignal): Promise<Grant> {
    return this.authorized<Grant>({
      method: 'DELETE',
      path: `${casePath(caseId)}/invitations/${encodeURIComponent(doctorId)}`,
      signal,
    });
  }

  // --- Case discussion (the case's doctors; types in discussion/types.ts) -----------------

  discussionPage(caseId: string, cursor: string | undefined, signal?: AbortSignal): Promise<DiscussionPage> {
    return this.authorized<DiscussionPage>({ method: 'GET', path: withQuery(`${casePath(caseId)}/discussion`, { limit: 20, cursor }), signal });
  }

  postDiscussion(caseId: string, request: DiscussionPost, signal?: AbortSignal): Promise<DiscussionMessage> {
    return this.authorized<DiscussionMessage>({ method: 'POST', path: `${casePath(caseId)}/discussion`, body: request, signal });
  }

  retractDiscussion(caseId: string, messageId: string, signal?: AbortSignal): Promise<DiscussionMessage> {
    const path = `${casePath(caseId)}/discussion/${encodeURIComponent(messageId)}/retract`;
    return this.authorized<DiscussionMessage>({ method: 'POST', path, body: {}, signal });
  }

  markDiscussionRead(caseId: string, messageId: string, signal?: AbortSignal): Promise<DiscussionReadMarker> {
    return this.authorized<DiscussionReadMarker>({ method: 'POST', path: `${casePath(caseId)}/discussion/read`, body: { messageId }, signal });
  }

  unreadDiscussions(signal?: AbortSignal): Promise<UnreadList> {
    return this.authorized<UnreadList>({ method: 'GET', path: '/discussions/unread', signal });
  }

  // --- Follow-ups and notices ---------------------------------------------------------------

  /** One follow-up, or a series when `repeat` is given (doctors). */
  scheduleFollowups(caseId: string, request: FollowupRequest, signal?: AbortSignal): Promise<FollowupList> {
    return this.authorized<FollowupList>({ method: 'POST', path: `${casePath(caseId)}/followups`, body: request, signal });
  }

  listFollowups(caseId: string, signal?: AbortSignal): Promise<FollowupList> {
    return this.authorized<FollowupList>({ method: 'GET', path: `${casePath(caseId)}/followups`, signal });
  }

  closeFollowup(caseId: string, followupId: string, how: 'cancel' | 'complete', signal?: AbortSignal): Promise<Followup> {
    return this.authorized<Followup>({
      method: 'POST',
      path: `${casePath(caseId)}/followups/${encodeURIComponent(followupId)}/${how}`,
      body: {},
      signal,
    });
  }

  /** The signed-in patient's open follow-ups, soonest first. */
  myFollowups(signal?: AbortSignal): Promise<MyFollowups> {
    return this.authorized<MyFollowups>({ method: 'GET', path: '/followups/mine', signal });
  }

  /** The signed-in doctor's due and overdue follow-ups. */
  followupWorklist(signal?: AbortSignal): Promise<FollowupWorklist> {
    return this.authorized<FollowupWorklist>({ method: 'GET', path: '/followups/worklist', signal });
  }

  /** The patient rates a visit that took place (once). */
  rateVisit(roomId: string, rating: VisitRatingRequest, signal?: AbortSignal): Promise<VisitRating> {
    return this.authorized<VisitRating>({ method: 'POST', path: `/visits/${encodeURIComponent(roomId)}/rating`, body: rating, signal });
  }

  caseVisitRatings(caseId: string, signal?: AbortSignal): Promise<VisitRatingList> {
    return this.authorized<VisitRatingList>({ method: 'GET', path: `${casePath(caseId)}/visit-ratings`, signal });
  }

  clinicFeedback(signal?: AbortSignal): Promise<ClinicFeedback> {
    return this.authorized<ClinicFeedback>({ method: 'GET', path: '/analytics/feedback', signal });
  }

  // --- Consultation rounds (blinded independent reads, consensus) and agreement figures ------

  listConsultationRounds(caseId: string, query: PageQuery = {}, signal?: AbortSignal): Promise<ConsultationRoundList> {
    return this.authorized({ method: 'GET', path: withQuery(`${casePath(caseId)}/consultations`, query), signal });
  }

  openConsultationRound(caseId: string, request: OpenRoundRequest, signal?: AbortSignal): Promise<ConsultationRound> {
    return this.authorized({ method: 'POST', path: `${casePath(caseId)}/consultations`, body: request, signal });
  }

  getConsultationRound(caseId: string, roundId: string, signal?: AbortSignal): Promise<ConsultationRound> {
    return this.authorized({ method: 'GET', path: roundPath(caseId, roundId), signal });
  }

  submitConsultationRead(caseId: string, roundId: string, read: ReadRequest, signal?: AbortSignal): Promise<ConsultationRound> {
    return this.authorized({ method: 'POST', path: `${roundPath(caseId, roundId)}/reads`, body: read, signal });
  }

  /** Refused with 403 `read_first` until the caller's own read is in (blinding). */
  listConsultationReads(caseId: string, roundId: string, signal?: AbortSignal): Promise<ConsultationReads> {
    return this.authorized({ method: 'GET', path: `${roundPath(caseId, roundId)}/reads`, signal });
  }

  closeConsultationRound(caseId: string, roundId: string, request: CloseRoundRequest, signal?: AbortSignal): Promise<ConsultationRound> {
    return this.authorized({ method: 'POST', path: `${roundPath(caseId, roundId)}/close`, body: request, signal });
  }

  clinicAgreement(signal?: AbortSignal): Promise<ClinicAgreement> {
    return this.authorized({ method: 'GET', path: '/analytics/agreement', signal });
  }

  myAgreement(signal?: AbortSignal): Promise<MyAgreement> {
    return this.authorized({ method: 'GET', path: '/doctors/me/agreement', signal });
  }

  /** What the signed-in doctor's patients sent since each case was last marked reviewed. */
  worklistActivity(signal?: AbortSignal): Promise<ActivityList> {
    return this.authorized<ActivityList>({ method: 'GET', path: '/worklist/activity', signal });
  }

  /** The cases colleagues asked the signed-in doctor to look at, newest first. */
  worklistConsults(signal?: AbortSignal): Promise<ConsultRequestList> {
    return this.authorized<ConsultRequestList>({ method: 'GET', path: '/worklist/consults', signal });
  }

  /** The consultation rounds waiting for the signed-in doctor's read, paged over their cases. */
  worklistReads(query: PageQuery = {}, signal?: AbortSignal): Promise<AwaitingReadPage> {
    return this.authorized<AwaitingReadPage>({ method: 'GET', path: withQuery('/worklist/reads', query), signal });
  }

  markCaseReviewed(caseId: string, signal?: AbortSignal): Promise<CaseReviewed> {
    return this.authorized<CaseReviewed>({ method: 'POST', path: `${casePath(caseId)}/reviewed`, body: {}, signal });
  }

  listNotices(signal?: AbortSignal): Promise<NoticeList> {
    return this.authorized<NoticeList>({ method: 'GET', path: '/notices', signal });
  }

  readNotice(noticeId: string, signal?: AbortSignal): Promise<NoticeRead> {
    return this.authorized<NoticeRead>({ method: 'POST', path: `/notices/${encodeURIComponent(noticeId)}/read`, body: {}, signal });
  }

  getNoticeSettings(signal?: AbortSignal): Promise<NoticeSettings> {
    return this.authorized<NoticeSettings>({ method: 'GET', path: '/notice-settings', signal });
  }

  saveNoticeSettings(settings: NoticeSettingsRequest, signal?: AbortSignal): Promise<NoticeSettings> {
    return this.authorized<NoticeSettings>({ method: 'PUT', path: '/notice-settings', body: settings, signal });
  }

  /** The language e-mail and SMS reminders are written in; the rest of the settings is kept. */
  saveReminderLanguage(language: string, signal?: AbortSignal): Promise<NoticeSettings> {
    return this.authorized<NoticeSettings>({
      method: 'PUT', path: '/notice-settings/language', body: { language }, signal,
    });
  }

  // --- Case tracking: body map, lesions, photos, scores, timeline ------------------------

  getBodySites(signal?: AbortSignal): Promise<BodySiteVocabulary> {
    return this.authorized<BodySiteVocabulary>({ method: 'GET', path: '/body-sites', signal });
  }

  listLesions(caseId: string, query: PageQuery = {}, signal?: AbortSignal): Promise<LesionListResponse> {
    return this.authorized<LesionListResponse>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/lesions`, query),
      signal,
    });
  }

  createLesion(caseId: string, lesion: LesionRequest, signal?: AbortSignal): Promise<Lesion> {
    return this.authorized<Lesion>({
      method: 'POST',
      path: `${casePath(caseId)}/lesions`,
      body: lesion,
      signal,
    });
  }

  /** A doctor's outline of the lesion on one of its photos: what later photos are measured against. */
  setLesionBaseline(
    caseId: string,
    lesionId: string,
    baseline: LesionBaselineRequest,
    signal?: AbortSignal,
  ): Promise<LesionBaseline> {
    return this.authorized<LesionBaseline>({
      method: 'PUT',
      path: `${casePath(caseId)}/lesions/${encodeURIComponent(lesionId)}/baseline`,
      body: baseline,
      signal,
    });
  }

  /** A doctor's outline of a measured follow-up (its own px): confirms the proposal, or corrects it. */
  setLesionOutline(
    caseId: string,
    lesionId: string,
    photoId: string,
    request: LesionOutlineRequest,
    signal?: AbortSignal,
  ): Promise<LesionMeasurement> {
    return this.authorized<LesionMeasurement>({
      method: 'PUT',
      path: `${casePath(caseId)}/lesions/${encodeURIComponent(lesionId)}/measurements/${encodeURIComponent(photoId)}/outline`,
      body: request,
      signal,
    });
  }

  /** The lesion's baseline and its measurements, oldest photo first. */
  getLesionMeasurements(caseId: string, lesionId: string, query: PageQuery = {}, signal?: AbortSignal): Promise<LesionSeries> {
    return this.authorized<LesionSeries>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/lesions/${encodeURIComponent(lesionId)}/measurements`, query),
      signal,
    });
  }

  createPhotoUpload(
    caseId: string,
    request: PhotoUploadRequest,
    signal?: AbortSignal,
  ): Promise<PhotoUploadIntent> {
    return this.authorized<PhotoUploadIntent>({
      method: 'POST',
      path: `${casePath(caseId)}/photos/uploads`,
      body: request,
      signal,
    });
  }

  getPhotoUpload(caseId: string, photoId: string, signal?: AbortSignal): Promise<PhotoUpload> {
    return this.authorized<PhotoUpload>({
      method: 'GET',
      path: `${casePath(caseId)}/photos/uploads/${encodeURIComponent(photoId)}`,
      signal,
    });
  }

  listPhotos(caseId: string, query: PhotoListQuery = {}, signal?: AbortSignal): Promise<PhotoListResponse> {
    return this.authorized<PhotoListResponse>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/photos`, query),
      signal,
    });
  }

  getPhoto(caseId: string, photoId: string, signal?: AbortSignal): Promise<Photo> {
    return this.authorized<Photo>({
      method: 'GET',
      path: `${casePath(caseId)}/photos/${encodeURIComponent(photoId)}`,
      signal,
    });
  }

  /** Remove a photo for good (whoever took it, or an assigned doctor; else ApiError 403 `photo_not_yours`). */
  removePhoto(caseId: string, photoId: string, reason: PhotoRemovalReason, signal?: AbortSignal): Promise<PhotoRemoval> {
    return this.authorized<PhotoRemoval>({
      method: 'POST',
      path: `${casePath(caseId)}/photos/${encodeURIComponent(photoId)}/remove`,
      body: { reason },
      signal,
    });
  }

  /** The lesion's newest photo (ghost overlay); ApiError 404 `no_photo_yet` when it has none. */
  getLatestLesionPhoto(caseId: string, lesionId: string, signal?: AbortSignal): Promise<Photo> {
    return this.authorized<Photo>({
      method: 'GET',
      path: `${casePath(caseId)}/lesions/${encodeURIComponent(lesionId)}/latest-photo`,
      signal,
    });
  }

  recordScore(caseId: string, score: ScoreRequest, signal?: AbortSignal): Promise<Score> {
    return this.authorized<Score>({
      method: 'POST',
      path: `${casePath(caseId)}/scores`,
      body: score,
      signal,
    });
  }

  listScores(caseId: string, query: ScoreListQuery = {}, signal?: AbortSignal): Promise<ScoreListResponse> {
    return this.authorized<ScoreListResponse>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/scores`, query),
      signal,
    });
  }

  getCohortReference(caseId: string, signal?: AbortSignal): Promise<CohortReference> {
    return this.authorized<CohortReference>({ method: 'GET', path: `${casePath(caseId)}/cohort-reference`, signal });
  }

  getClinicAnalytics(signal?: AbortSignal): Promise<ClinicAnalytics> {
    return this.authorized<ClinicAnalytics>({ method: 'GET', path: '/analytics/clinic', signal });
  }

  getTimeline(caseId: string, query: PageQuery = {}, signal?: AbortSignal): Promise<TimelineResponse> {
    return this.authorized<TimelineResponse>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/timeline`, query),
      signal,
    });
  }

  // --- Video visits (docs/signaling.md) ---------------------------------------------------

  /** Patient: asks for a visit on a case (asking again while one is open returns the same room). */
  requestVisit(caseId: string, signal?: AbortSignal): Promise<Visit> {
    return this.authorized<Visit>({ method: 'POST', path: '/visits', body: { caseId }, signal });
  }

  /** Doctor: the waiting patients, oldest first. */
  getVisitQueue(signal?: AbortSignal): Promise<VisitQueue> {
    return this.authorized<VisitQueue>({ method: 'GET', path: '/visits/queue', signal });
  }

  /** Doctor: visits in progress on their cases (assigned, or invited with a live grant), to join. */
  getActiveVisits(signal?: AbortSignal): Promise<ActiveVisits> {
    return this.authorized<ActiveVisits>({ method: 'GET', path: '/visits/active', signal });
  }

  getIceServers(signal?: AbortSignal): Promise<IceServersResponse> {
    return this.authorized<IceServersResponse>({ method: 'GET', path: '/visits/ice-servers', signal });
  }

  getVisit(roomId: string, signal?: AbortSignal): Promise<Visit> {
    return this.authorized<Visit>({ method: 'GET', path: visitPath(roomId), signal });
  }

  admitVisit(roomId: string, signal?: AbortSignal): Promise<Visit> {
    return this.visitAction(roomId, 'admit', signal);
  }

  declineVisit(roomId: string, signal?: AbortSignal): Promise<Visit> {
    return this.visitAction(roomId, 'decline', signal);
  }

  cancelVisit(roomId: string, signal?: AbortSignal): Promise<Visit> {
    return this.visitAction(roomId, 'cancel', signal);
  }

  endVisit(roomId: string, signal?: AbortSignal): Promise<Visit> {
    return this.visitAction(roomId, 'end', signal);
  }

  reportVisitQuality(roomId: string, quality: VisitQuality, signal?: AbortSignal): Promise<{ status: string }> {
    return this.authorized<{ status: string }>({
      method: 'POST',
      path: `${visitPath(roomId)}/quality`,
      body: quality,
      signal,
    });
  }

  /** Ended visits of a case (consultation records), newest first. */
  listCaseVisits(caseId: string, limit?: number, signal?: AbortSignal): Promise<VisitRecordList> {
    return this.authorized<VisitRecordList>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/visits`, { limit }),
      signal,
    });
  }

  private visitAction(roomId: string, action: string, signal?: AbortSignal): Promise<Visit> {
    return this.authorized<Visit>({ method: 'POST', path: `${visitPath(roomId)}/${action}`, body: {}, signal });
  }

  // --- Medical record (docs/api.md#medical-record) -------------------------------------

  listRecordEntries(caseId: string, query: RecordListQuery = {}, signal?: AbortSignal): Promise<RecordEntryList> {
    return this.authorized<RecordEntryList>({
      method: 'GET',
      path: withQuery(`${casePath(caseId)}/records`, query),
      signal,
    });
  }

  createRecordEntry(caseId: string, entry: RecordEntryRequest, signal?: AbortSignal): Promise<RecordEntry> {
    return this.authorized<RecordEntry>({ method: 'POST', path: `${casePath(caseId)}/records`, body: entry, signal });
  }

  /** A new version; ApiError 409 `version_conflict` (details: {currentVersion, current}) if another landed first. */
  amendRecordEntry(caseId: string, entryId: string, amendment: RecordAmendment, signal?: AbortSignal): Promise<RecordEntry> {
    return this.authorized<RecordEntry>({ method: 'PUT', path: recordPath(caseId, entryId), body: amendment, signal });
  }

  retractRecordEntry(caseId: string, entryId: string, retraction: RecordRetraction, signal?: AbortSignal): Promise<RecordEntry> {
    return this.authorized<RecordEntry>({
      method: 'POST',
      path: `${recordPath(caseId, entryId)}/retract`,
      body: retraction,
      signal,
    });
  }

  getRecordHistory(caseId: string, entryId: string, query: PageQuery = {}, signal?: AbortSignal): Promise<RecordHistory> {
    return this.authorized<RecordHistory>({
      method: 'GET',
      path: withQuery(`${recordPath(caseId, entryId)}/history`, query),
      signal,
    });
  }

  /** The case's record as a FHIR R4 Bundle (collection). */
  getCaseFhir(caseId: string, signal?: AbortSignal): Promise<unknown> {
    return this.authorized<unknown>({ method: 'GET', path: `${casePath(caseId)}/fhir`, signal });
  }

  /** Everything the API holds on the patient, as a FHIR R4 Bundle (the patient themself, or their doctors). */
  getPatientFhir(patientId: string, signal?: AbortSignal): Promise<unknown> {
    return this.authorized<unknown>({ method: 'GET', path: `/patients/${encodeURIComponent(patientId)}/fhir`, signal });
  }

  searchIcd10(query: string, limit?: number, signal?: AbortSignal): Promise<Icd10SearchResult> {
    return this.authorized<Icd10SearchResult>({ method: 'GET', path: withQuery('/icd10', { q: query, limit }), signal });
  }

  // --- Operations -------------------------------------------------------------------------

  createAccount(account: NewAccountRequest, signal?: AbortSignal): Promise<AccountCreated> {
    return this.authorized<AccountCreated>({ method: 'POST', path: '/admin/users', body: account, signal });
  }

  /** Disabling also signs the account out everywhere. */
  setAccountEnabled(username: string, enabled: boolean, signal?: AbortSignal): Promise<AccountChange> {
    return this.authorized<AccountChange>({
      method: 'POST',
      path: `/admin/users/${encodeURIComponent(username)}/${enabled ? 'enable' : 'disable'}`,
      body: {},
      signal,
    });
  }

  /** A new temporary password, sent by the invitation message; the account is signed out everywhere. */
  resetAccountPassword(username: string, signal?: AbortSignal): Promise<AccountPasswordReset> {
    return this.authorized<AccountPasswordReset>({
      method: 'POST',
      path: `/admin/users/${encodeURIComponent(username)}/reset-password`,
      body: {},
      signal,
    });
  }

  /** A corrected display name (what patients and doctors see of this person). */
  renameAccount(username: string, name: string, signal?: AbortSignal): Promise<AccountRenamed> {
    return this.authorized<AccountRenamed>({
      method: 'PUT',
      path: `/admin/users/${encodeURIComponent(username)}/name`,
      body: { name },
      signal,
    });
  }

  listAdminUsers(signal?: AbortSignal): Promise<AdminUserList> {
    return this.authorized<AdminUserList>({ method: 'GET', path: '/admin/users', signal });
  }

  /** A page of a patient's audit trail (admins), with the chain's last verification. */
  getAuditTrail(query: AuditQuery, cursor: string | null, signal?: AbortSignal): Promise<AuditPage> {
    const params = new URLSearchParams({ patientId: query.patientId, limit: '25' });
    if (query.actorId !== undefined) params.set('actorId', query.actorId);
    if (query.action !== undefined) params.set('action', query.action);
    if (query.outcome !== undefined) params.set('outcome', query.outcome);
    if (cursor !== null) params.set('cursor', cursor);
    return this.authorized<AuditPage>({ method: 'GET', path: `/admin/audit?${params.toString()}`, signal });
  }

  getOperationsHealth(signal?: AbortSignal): Promise<OperationsHealth> {
    return this.authorized<OperationsHealth>({ method: 'GET', path: '/admin/health', signal });
  }

  health(signal?: AbortSignal): Promise<HealthStatus> {
    return this.send<HealthStatus>({ method: 'GET', path: '/health', signal });
  }

  // --- Internals --------------------------------------------------------------------------

  private async performRefresh(): Promise<StoredSession> {
    const refreshToken = this.sessionStore.current?.refreshToken ?? null;
    if (refreshToken === null) {
      this.sessionStore.end('expired');
      throw sessionExpired();
    }

    const request: RefreshRequest = { refreshToken };
    let answer: unknown;
    try {
      answer = await this.send<unknown>({ method: 'POST', path: '/auth/refresh', body: request });
    } catch (error) {
      // A network failure says nothing about the refresh token, so the session is kept and the
      // next call tries again; any answer from the server that refuses it ends the session.
      if (error instanceof ApiError && error.code !== CLIENT_ERROR_CODES.network) {
        this.endIfStillCurrent(refreshToken);
        throw sessionExpired(error);
      }
      throw error;
    }

    if (!isSession(answer)) {
      this.endIfStillCurrent(refreshToken);
      throw sessionExpired(invalidResponse('/auth/refresh'));
    }
    // The user may have signed out (or in as someone else) while the refresh was on the wire;
    // applying the answer then would silently bring the old session back.
    if (this.sessionStore.current?.refreshToken !== refreshToken) throw sessionExpired();
    return this.sessionStore.renew(answer);
  }

  private endIfStillCurrent(refreshToken: string): void {
    if (this.sessionStore.current?.refreshToken === refreshToken) {
      this.sessionStore.end('expired');
    }
  }

  private async authorized<T>(spec: RequestSpec): Promise<T> {
    const sessionUsed = this.sessionStore.current;
    if (sessionUsed === null) throw notSignedIn();

    try {
      return await this.send<T>(spec, sessionUsed.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }

    const latest = this.sessionStore.current;
    if (latest === null) throw notSignedIn();
    // Another call may already have refreshed while this one was in flight: reuse its token
    // rather than spending a second refresh.
    const renewed =
      latest.accessToken !== sessionUsed.accessToken ? latest : await this.refreshSession();

    try {
      return await this.send<T>(spec, renewed.accessToken);
    } catch (error) {
      // A freshly issued token that is still refused means the session cannot be used any more.
      if (error instanceof ApiError && error.status === 401) {
        if (this.sessionStore.current?.accessToken === renewed.accessToken) {
          this.sessionStore.end('expired');
        }
        throw sessionExpired(error);
      }
      throw error;
    }
  }

  private async send<T>(spec: RequestSpec, accessToken?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    if (accessToken !== undefined) headers.Authorization = `Bearer ${accessToken}`;

    const init: RequestInit = { method: spec.method, headers };
    if (spec.body !== undefined) init.body = JSON.stringify(spec.body);
    if (spec.signal !== undefined) init.signal = spec.signal;

    let response: Response;
    try {
      response = await this.fetchFunction(`${this.baseUrl}${spec.path}`, init);
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new ApiError(
        0,
        CLIENT_ERROR_CODES.network,
        'Cannot reach DermaFollow. Check your connection and try again.',
        { cause: error },
      );
    }

    if (!response.ok) throw await errorFromResponse(response);
    return (await readJsonBody(response, spec.path)) as T;
  }
}

/** Query of the cursor-paginated list routes. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

function visitPath(roomId: string): string {
  return `/visits/${encodeURIComponent(roomId)}`;
}

function recordPath(caseId: string, entryId: string): string {
  return `${casePath(caseId)}/records/${encodeURIComponent(entryId)}`;
}

function roundPath(caseId: string, roundId: string): string {
  return `${casePath(caseId)}/consultations/${encodeURIComponent(roundId)}`;
}

function casePath(caseId: string): string {
  return `/cases/${encodeURIComponent(caseId)}`;
}

/** Appends the defined entries of `query` as a query string. */
function withQuery(path: string, query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

async function readJsonBody(response: Response, path: string): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidResponse(path, response.status, error);
  }
}

function invalidResponse(path: string, status = 200, cause?: unknown): ApiError {
  return new ApiError(
    status,
    CLIENT_ERROR_CODES.invalidResponse,
    `The server sent an unexpected answer for ${path.split('?')[0] ?? path}.`,
    { cause },
  );
}

function notSignedIn(): ApiError {
  return new ApiError(401, CLIENT_ERROR_CODES.notSignedIn, 'Please sign in.');
}

function sessionExpired(cause?: unknown): ApiError {
  return new ApiError(
    401,
    CLIENT_ERROR_CODES.sessionExpired,
    'Your session has expired. Please sign in again.',
    { cause },
  );
}
