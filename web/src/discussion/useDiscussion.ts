// Data for the case discussion: one query each, and the live frames that refresh what is on screen
// (`notice.new` of an invitation, `discussion.message` of a case's thread).

import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSignaling } from '../call/useCallSupport.ts';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

export const INVITATION_NOTICE = 'consult.invitation';

export const discussionKeys = {
  discussion: (caseId: string) => [...queryKeys.all, 'consult', 'discussion', caseId] as const,
  unread: () => [...queryKeys.all, 'consult', 'unread'] as const,
};

export function useUnread() {
  const { api } = useServices();
  return useQuery({
    queryKey: discussionKeys.unread(),
    queryFn: async ({ signal }) => (await api.unreadDiscussions(signal)).items,
  });
}

/** The thread, newest page first; older pages on demand. */
export function useDiscussion(caseId: string) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: discussionKeys.discussion(caseId),
    queryFn: ({ pageParam, signal }) => api.discussionPage(caseId, pageParam ?? undefined, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Live: an invitation arrives ("Asked to consult" reloads), a case's thread changes (it and the counts reload). */
export function useLiveDiscussion(): void {
  const queryClient = useQueryClient();
  const { client } = useSignaling();
  useEffect(() => {
    if (client === null) return undefined;
    return client.on((frame) => {
      if (frame.type === 'notice.new' && frame.kind === INVITATION_NOTICE) {
        void reloadChanged(queryClient, queryKeys.worklistConsults());
      } else if (frame.type === 'discussion.message') {
        void reloadChanged(queryClient, discussionKeys.discussion(frame.caseId));
        void reloadChanged(queryClient, discussionKeys.unread());
      }
    });
  }, [client, queryClient]);
}
