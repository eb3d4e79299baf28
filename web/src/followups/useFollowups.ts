// Data for the follow-up screens: one query each, keyed so a new photo or score (which may answer
// a follow-up) reloads the case's list, and a live notice reloads the patient's.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSignaling } from '../call/useCallSupport.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

export function useCaseFollowups(caseId: string) {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.followups(caseId), queryFn: ({ signal }) => api.listFollowups(caseId, signal) });
}

export function useMyFollowups() {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.myFollowups(), queryFn: ({ signal }) => api.myFollowups(signal) });
}

export function useFollowupWorklist() {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.followupWorklist(), queryFn: ({ signal }) => api.followupWorklist(signal) });
}

export function useNotices() {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.notices(), queryFn: ({ signal }) => api.listNotices(signal) });
}

/** A reminder the server sends while the app is open shows at once (the notices list and the
 * next step reload); the e-mail or SMS is for when it is not. */
export function useLiveNotices(): void {
  const queryClient = useQueryClient();
  const { client } = useSignaling();
  useEffect(() => {
    if (client === null) return undefined;
    return client.on((frame) => {
      if (frame.type !== 'notice.new') return;
      void reloadChanged(queryClient, queryKeys.notices());
      void reloadChanged(queryClient, queryKeys.myFollowups());
    });
  }, [client, queryClient]);
}
