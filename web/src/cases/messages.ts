import { ApiError } from '../api/client.ts';
import { describeError } from '../api/errorMessages.ts';

/**
 * Words for a failed action (saving a score, adding a lesion, sending a photo). The server's own
 * message is shown for refusals it explains (validation, range and role rules); everything else
 * gets the app's general wording.
 */
export function actionErrorMessage(error: unknown): string {
  if (
    error instanceof ApiError &&
    (error.status === 400 || error.status === 403 || error.status === 409 || error.status === 0) &&
    error.message !== '' &&
    !error.code.startsWith('http_')
  ) {
    return error.message;
  }
  return describeError(error);
}
