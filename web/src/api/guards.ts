import { ROLES, type ApiErrorBody, type Me, type Role, type Session } from './types.ts';

// Runtime checks for the answers the app's security depends on (sessions, identities, errors).
// Other bodies are trusted to match the contract: a wrong shape there shows up as a rendering
// problem, whereas a malformed session could leave the app in a half-signed-in state.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (!isRecord(value) || !isRecord(value.error)) return false;
  return typeof value.error.code === 'string' && typeof value.error.message === 'string';
}

export function isMe(value: unknown): value is Me {
  return (
    isRecord(value) &&
    typeof value.userId === 'string' &&
    typeof value.username === 'string' &&
    typeof value.displayName === 'string' &&
    isRole(value.role)
  );
}

export function isSession(value: unknown): value is Session {
  return (
    isRecord(value) &&
    typeof value.accessToken === 'string' &&
    value.accessToken.length > 0 &&
    (value.refreshToken === undefined || typeof value.refreshToken === 'string') &&
    typeof value.expiresIn === 'number' &&
    Number.isFinite(value.expiresIn) &&
    value.expiresIn > 0 &&
    isMe(value.me)
  );
}
