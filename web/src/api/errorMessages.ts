import { currentLanguage, hasText, i18next, textFor } from '../i18n/index.ts';
import { ApiError } from './client.ts';

// Words shown to people for the contract's stable error codes (common:errors.code.<code>, in every
// language; tests/unit/test_error_codes_localized.py keeps the list complete against the backend).
// Patients read these on phones, so they say what to do rather than what went wrong inside.

// Statuses whose words beat the server's own message: they hide nothing useful and say it plainly.
const FIRST_BY_STATUS = new Set([403, 404, 429]);

function byCode(code: string): string | null {
  const key = `common:errors.code.${code}`;
  return hasText(key) ? textFor(key) : null;
}

function byStatus(status: number): string | null {
  const key = `common:errors.byStatus.${status}`;
  return hasText(key) ? textFor(key) : null;
}

/** A message fit for an error banner, for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const coded = byCode(error.code);
    if (coded !== null) return coded;
    if (FIRST_BY_STATUS.has(error.status)) return byStatus(error.status) ?? i18next.t('common:errors.generic');
    if (error.status >= 500) return i18next.t('common:errors.server');
    // The server's own message is English: shown only to people reading English.
    if (currentLanguage() === 'en' && error.message !== '') return error.message;
    const general = byStatus(error.status);
    if (general !== null) return general;
  }
  return i18next.t('common:errors.generic');
}
