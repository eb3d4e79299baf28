import type { Role } from '../api/types.ts';

export const PATHS = {
  login: '/login',
  root: '/',
  patientHome: '/patient',
  doctorHome: '/doctor',
  adminHome: '/admin',
  casePattern: '/cases/:caseId',
  // Video visits
  doctorVisits: '/doctor/visits',
  doctorAnalytics: '/doctor/analytics',
  patientVisitPattern: '/cases/:caseId/visit',
  callPattern: '/visits/:roomId',
} as const;

const HOME_BY_ROLE: Record<Role, string> = {
  patient: PATHS.patientHome,
  doctor: PATHS.doctorHome,
  admin: PATHS.adminHome,
};

/** Where each signed-in page may be opened. Admins never reach case (clinical) pages. */
const ACCESS_RULES: ReadonlyArray<{ matches: (pathname: string) => boolean; roles: Role[] }> = [
  { matches: (p) => p === PATHS.patientHome, roles: ['patient'] },
  { matches: (p) => p === PATHS.doctorHome, roles: ['doctor'] },
  { matches: (p) => p === PATHS.adminHome, roles: ['admin'] },
  { matches: (p) => /^\/cases\/[^/]+$/.test(p), roles: ['patient', 'doctor'] },
  // Video visits: the patient asks from a case; doctors work the waiting room; both join calls.
  { matches: (p) => p === PATHS.doctorVisits, roles: ['doctor'] },
  { matches: (p) => p === PATHS.doctorAnalytics, roles: ['doctor'] },
  { matches: (p) => /^\/cases\/[^/]+\/visit$/.test(p), roles: ['patient'] },
  { matches: (p) => /^\/visits\/[^/]+$/.test(p), roles: ['patient', 'doctor'] },
];

export function homePathForRole(role: Role): string {
  return HOME_BY_ROLE[role];
}

export function casePath(caseId: string): string {
  return `/cases/${encodeURIComponent(caseId)}`;
}

/** A consultation round on its case's page: the round's card carries this anchor. */
export function roundAnchor(roundId: string): string {
  return `round-${roundId}`;
}

export function roundPath(caseId: string, roundId: string): string {
  return `${casePath(caseId)}#${roundAnchor(roundId)}`;
}

/** The patient's video-visit page for a case (pre-call check, waiting room, call). */
export function patientVisitPath(caseId: string): string {
  return `/cases/${encodeURIComponent(caseId)}/visit`;
}

export function callPath(roomId: string): string {
  return `/visits/${encodeURIComponent(roomId)}`;
}

function normalise(pathname: string): string {
  const withoutTrailingSlash = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return withoutTrailingSlash === '' ? '/' : withoutTrailingSlash;
}

/** Whether a user with `role` may open the signed-in page at `pathname`. */
export function canRoleOpen(role: Role, pathname: string): boolean {
  const path = normalise(pathname);
  const rule = ACCESS_RULES.find((candidate) => candidate.matches(path));
  return rule !== undefined && rule.roles.includes(role);
}

/**
 * Where to go after signing in: back to the page that asked for sign-in when this role may see
 * it (e.g. a case link opened from a notification), otherwise the role's home.
 */
export function landingPathAfterLogin(role: Role, requestedPath: string | null | undefined): string {
  if (requestedPath && requestedPath.startsWith('/') && !requestedPath.startsWith('//')) {
    if (canRoleOpen(role, requestedPath)) return normalise(requestedPath);
  }
  return homePathForRole(role);
}
