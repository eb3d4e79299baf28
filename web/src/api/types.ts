// Wire types of the DermaFollow REST contract (docs/api.md at the repository root).
// Field names and optionality follow the contract exactly; keep the two in step.

export type Role = 'patient' | 'doctor' | 'admin';

export const ROLES: readonly Role[] = ['patient', 'doctor', 'admin'];

/** Body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
  };
}

export interface Me {
  userId: string;
  username: string;
  role: Role;
  displayName: string;
}

/** Answer of POST /auth/login and POST /auth/refresh. */
export interface Session {
  accessToken: string;
  idToken: string;
  /** Absent on refresh: the client keeps the refresh token it already has. */
  refreshToken?: string;
  /** Lifetime of the access token, in seconds. */
  expiresIn: number;
  me: Me;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface RefreshRequest {
  refreshToken: string;
}

/** Answer of POST /ws/tickets. */
export interface WsTicket {
  ticket: string;
  /** ISO-8601; a ticket is single-use and lives 60 s. */
  expiresAt: string;
  wsUrl: string;
}

export type CaseStatus = 'open' | 'closed';

export interface CaseSummary {
  caseId: string;
  patientId: string;
  condition: string;
  status: CaseStatus;
  /** ISO-8601 */
  openedAt: string;
  /** ISO-8601 */
  updatedAt: string;
}

export interface CaseListResponse {
  items: CaseSummary[];
  nextCursor: string | null;
}

export type CaseDoctorKind = 'assigned' | 'invited';

export interface CaseDoctor {
  doctorId: string;
  kind: CaseDoctorKind;
  /** ISO-8601; present for time-limited (invited) access. */
  expiresAt?: string;
}

export interface Case extends CaseSummary {
  bodySites: string[];
  doctors: CaseDoctor[];
  followUpPlan: string | null;
}

export interface InvitationRequest {
  doctorId: string;
  expiresInHours: number;
}

/**
 * Answer of POST /cases/{caseId}/invitations. The contract names the type without listing its
 * fields; the server answers with the same view of a doctor's access that Case.doctors holds.
 */
export interface Grant {
  doctorId: string;
  kind: CaseDoctorKind;
  /** ISO-8601; when the invited doctor's access ends. */
  expiresAt?: string;
}

export interface AdminUser {
  userId: string;
  username: string;
  role: Role;
  enabled: boolean;
  /** ISO-8601 */
  createdAt: string;
}

export interface AdminUserList {
  items: AdminUser[];
}

export interface HealthStatus {
  status: 'ok';
}

export interface CaseListQuery {
  limit?: number;
  cursor?: string;
}
