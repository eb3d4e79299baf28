// Data of the consultation rounds: the case's rounds, and the actions that change them.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CloseRoundRequest, ConsultationRound, OpenRoundRequest, ReadRequest } from '../api/consultation.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { describePerson, queryKeys, reloadChanged, usePeople } from '../data/index.ts';
import { useServices } from '../services.tsx';

// An open round changes when colleagues read: look again every 20 s while one is on screen.
const OPEN_ROUND_REFRESH_MS = 20_000;

export function useRounds(caseId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.consultationRounds(caseId),
    queryFn: ({ signal }) => api.listConsultationRounds(caseId, { limit: 20 }, signal),
    refetchInterval: (query) =>
      query.state.data?.items.some((round) => round.status === 'open') ? OPEN_ROUND_REFRESH_MS : false,
  });
}

/** The round a link names, when it is not among the newest the list shows (null: nothing to fetch). */
export function useLinkedRound(caseId: string, roundId: string | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.consultationRound(caseId, roundId ?? ''),
    queryFn: ({ signal }) => api.getConsultationRound(caseId, roundId ?? '', signal),
    enabled: roundId !== null,
  });
}

export function useRoundActions(caseId: string) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const refresh = () => reloadChanged(queryClient, queryKeys.consultationRounds(caseId));
  const open = useMutation({
    mutationFn: (request: OpenRoundRequest) => api.openConsultationRound(caseId, request),
    onSuccess: refresh,
  });
  const read = useMutation({
    mutationFn: ({ roundId, request }: { roundId: string; request: ReadRequest }) =>
      api.submitConsultationRead(caseId, roundId, request),
    // The read takes the round off the home page's "awaiting your read".
    onSuccess: () => Promise.all([refresh(), reloadChanged(queryClient, queryKeys.worklistReads())]),
  });
  const close = useMutation({
    mutationFn: ({ roundId, request }: { roundId: string; request: CloseRoundRequest }) =>
      api.closeConsultationRound(caseId, roundId, request),
    onSuccess: async () => {
      // The consensus is a new diagnosis entry: the record section and the timeline show it.
      await Promise.all([
        refresh(),
        reloadChanged(queryClient, [...queryKeys.case(caseId), 'records']),
        reloadChanged(queryClient, queryKeys.caseFollowUp(caseId)),
      ]);
    },
  });
  return { open, read, close };
}

/** Names of the doctors a round mentions: "you" for the signed-in doctor, never a raw id. */
export function useDoctorNames(rounds: readonly Pick<ConsultationRound, 'leadId' | 'readerIds'>[]): (id: string) => string {
  const me = useSignedInUser();
  const ids = rounds.flatMap((round) => [round.leadId, ...round.readerIds]);
  const people = usePeople(ids);
  const { t } = useTranslation('consultation');
  return (id: string) => (id === me.userId
    ? t('people.you', { name: describePerson(people.get(id), me.displayName) })
    : describePerson(people.get(id), t('people.colleague')));
}
