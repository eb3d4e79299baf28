import { ApiError } from '../api/client.ts';
import { describeError } from '../api/errorMessages.ts';
import { currentLanguage } from '../i18n/index.ts';

/**
 * Words for a failed action (saving a score, adding a lesion, sending a photo). The server's own
 * message is shown for refusals it explains (validation, range and role rules); everything else
 * gets the app's general wording. The server speaks English: in another language its stable code
 * decides the wording instead (describeError maps codes to the shown language).
 */
export function actionErrorMessage(error: unknown): string {
  if (
    error instanceof ApiError &&
    currentLanguage() === 'en' &&
    (error.status === 400 || error.status === 403 || error.status === 409 || error.status === 0) &&
    error.message !== '' &&
    !error.code.startsWith('http_')
  ) {
    return error.message;
  }
  return describeError(error);
}
