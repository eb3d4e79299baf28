// The language a person's e-mail and SMS reminders are written in follows the language they pick in
// the app: the server words the reminders (the app is not there when they are sent), so it is told.

import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Role } from '../api/types.ts';
import { queryKeys, storeChanged } from '../data/index.ts';
import type { Language } from '../i18n/index.ts';
import { useServices } from '../services.tsx';

/** Patients and doctors get reminders; an admin has none to word. */
export function remindsRole(role: Role): boolean {
  return role === 'patient' || role === 'doctor';
}

/**
 * Saves `language` as the person's reminder language. A failure changes nothing on screen (the app
 * has already switched): the reminder settings show the stored language and save it again.
 */
export function useSaveReminderLanguage(role: Role): (language: Language) => void {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useCallback(
    (language: Language) => {
      if (!remindsRole(role)) return;
      api
        .saveReminderLanguage(language)
        .then((saved) => storeChanged(queryClient, queryKeys.noticeSettings(), saved))
        .catch(() => undefined);
    },
    [api, queryClient, role],
  );
}
