import { ApiError, CLIENT_ERROR_CODES } from './client.ts';

// Words shown to people for the contract's stable error codes. Patients read these on phones,
// so they say what to do rather than what went wrong inside.
const MESSAGES_BY_CODE: Record<string, string> = {
  invalid_credentials: 'Wrong username or password',
  validation_error: 'Please enter both your username and your password',
  password_change_required: 'Choose your own password to finish setting up your account.',
  weak_password: 'That password does not meet the rules below.',
  sign_in_expired: 'This step took too long. Please sign in again with your temporary password.',
  challenge_unsupported: 'Your account needs a sign-in step this app does not offer yet. Please contact your clinic.',
  no_role: 'Your account is not set up yet. Please contact your clinic.',
  rate_limited: 'Too many attempts. Please wait a moment and try again.',
  username_taken: 'That username is taken. Choose another.',
  no_channel: 'Give an e-mail address or a phone number: the invitation is sent there.',
  case_closed: 'This case is closed, so nothing new can be added. Your doctor can reopen it.',
  unknown_patient: 'That person is not one of the clinic\'s patients.',
  unknown_doctor: 'Each assigned colleague must be one of the clinic\'s doctors.',
  invalid_refresh_token: 'Your session has expired. Please sign in again.',
  [CLIENT_ERROR_CODES.sessionExpired]: 'Your session has expired. Please sign in again.',
  [CLIENT_ERROR_CODES.notSignedIn]: 'Please sign in.',
  [CLIENT_ERROR_CODES.network]: 'Cannot reach DermaFollow. Check your connection and try again.',
  [CLIENT_ERROR_CODES.invalidResponse]: 'The server sent an unexpected answer. Please try again.',
};

const MESSAGES_BY_STATUS: Record<number, string> = {
  403: 'Your account is not allowed to see this page.',
  404: 'Not found, or you do not have access to it.',
  429: 'Too many attempts. Please wait a moment and try again.',
};

/** A message fit for an error banner, for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const byCode = MESSAGES_BY_CODE[error.code];
    if (byCode !== undefined) return byCode;
    const byStatus = MESSAGES_BY_STATUS[error.status];
    if (byStatus !== undefined) return byStatus;
    if (error.status >= 500) return 'DermaFollow is having a problem. Please try again shortly.';
    if (error.message !== '') return error.message;
  }
  return 'Something went wrong. Please try again.';
}
