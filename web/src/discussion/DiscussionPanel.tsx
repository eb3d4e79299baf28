// A case's discussion among its doctors: the thread (newest first, older pages on demand), live
// over the WebSocket; a message may point at the case's photos (shown as thumbnails), scores and
// record entries. Messages cannot be edited; the author may retract one, which leaves a dated trace.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Photo } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { describePerson, queryKeys, reloadChanged, usePeople } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import type { DiscussionMessage } from './types.ts';
import { discussionKeys, useDiscussion, useLiveDiscussion } from './useDiscussion.ts';
import { Trans, useTranslation } from 'react-i18next';
import './discussion.css';


/** The case's newest photos, for picking and for showing referred ones as thumbnails. */
function useCasePhotos(caseId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: [...queryKeys.all, 'consult', 'photos', caseId],
    queryFn: async ({ signal }) => (await api.listPhotos(caseId, { limit: 50 }, signal)).items,
    // Presigned URLs live 5 minutes.
    staleTime: 4 * 60_000,
    refetchInterval: 4 * 60_000,
  });
}

export function DiscussionPanel({ caseId }: { caseId: string }) {
  useLiveDiscussion();
  const { api } = useServices();
  const me = useSignedInUser();
  const { t } = useTranslation('discussion');
  const queryClient = useQueryClient();
  const thread = useDiscussion(caseId);
  const photos = useCasePhotos(caseId);
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const messages = (thread.data?.pages ?? []).flatMap((page) => page.items);
  const people = usePeople(messages.flatMap((m) => [m.authorId, m.retractedBy]));
  const newest = messages[0]?.messageId;

  // Reading the thread moves the read marker; the home page's unread count follows.
  useEffect(() => {
    if (newest === undefined) return;
    void api.markDiscussionRead(caseId, newest).then(
      () => reloadChanged(queryClient, discussionKeys.unread()),
      () => undefined,
    );
  }, [api, caseId, newest, queryClient]);

  const refresh = () => reloadChanged(queryClient, discussionKeys.discussion(caseId));
  const post = useMutation({
    mutationFn: () => api.postDiscussion(caseId, { text, refs: picked.map((id) => ({ kind: 'photo', id })) }),
    onSuccess: async () => {
      setText('');
      setPicked([]);
      await refresh();
    },
  });
  const retract = useMutation({
    mutationFn: (messageId: string) => api.retractDiscussion(caseId, messageId),
    onSuccess: refresh,
  });

  return (
    <section className="discussion" data-testid="discussion" aria-labelledby="discussion-title">
      <h2 id="discussion-title">{t('panel.title')}</h2>
      <form
        className="discussion__form"
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim() !== '') post.mutate();
        }}
      >
        <label className="field">
          <span>{t('panel.message')}</span>
          <textarea
            className="field__input"
            data-testid="discussion-text"
            rows={3}
            maxLength={4000}
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        {(photos.data ?? []).length > 0 && (
          <fieldset>
            <legend className="field__label">{t('panel.referTo')}</legend>
            <ul className="discussion__refs">
              {(photos.data ?? []).map((photo) => (
                <li key={photo.photoId}>
                  <button
                    type="button"
                    className="discussion__pick"
                    aria-pressed={picked.includes(photo.photoId)}
                    data-testid="discussion-pick-photo"
                    data-photo-id={photo.photoId}
                    onClick={() =>
                      setPicked((was) =>
                        was.includes(photo.photoId) ? was.filter((id) => id !== photo.photoId) : [...was, photo.photoId],
                      )
                    }
                  >
                    <img className="discussion__thumb" src={photo.urls.thumb} alt={t('panel.photo', { at: formatDateTime(photo.capturedAt) })} />
                  </button>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <button type="submit" className="button" data-testid="discussion-send" disabled={post.isPending || text.trim() === ''}>
          {post.isPending ? t('panel.sending') : t('panel.send')}
        </button>
        {post.error !== null && <ErrorBanner error={post.error} />}
      </form>

      {thread.error !== null && <ErrorBanner error={thread.error} onRetry={() => void thread.refetch()} />}
      {thread.data !== undefined && messages.length === 0 && <p className="empty">{t('panel.none')}</p>}
      <ol className="discussion__list" data-testid="discussion-messages">
        {messages.map((message) => (
          <MessageItem
            key={message.messageId}
            message={message}
            author={describePerson(people.get(message.authorId), t('panel.colleague'))}
            retractedBy={describePerson(people.get(message.retractedBy ?? ''), t('panel.itsAuthor'))}
            photos={photos.data ?? []}
            mine={message.authorId === me.userId}
            onRetract={() => retract.mutate(message.messageId)}
            retracting={retract.isPending}
          />
        ))}
      </ol>
      {retract.error !== null && <ErrorBanner error={retract.error} />}
      {thread.hasNextPage && (
        <button type="button" className="button button--secondary" onClick={() => void thread.fetchNextPage()}>
          {t('panel.older')}
        </button>
      )}
    </section>
  );
}

function MessageItem({ message, author, retractedBy, photos, mine, onRetract, retracting }: {
  message: DiscussionMessage;
  author: string;
  retractedBy: string;
  photos: Photo[];
  mine: boolean;
  onRetract: () => void;
  retracting: boolean;
}) {
  const { t } = useTranslation('discussion');
  if (message.retracted) {
    return (
      <li className="discussion__message discussion__message--retracted" data-testid="discussion-message" data-retracted="true">
        <Trans
          t={t}
          i18nKey="message.retracted"
          values={{ name: retractedBy, at: formatDateTime(message.retractedAt ?? message.postedAt) }}
          components={{ name: <span translate="no" /> }}
        />
      </li>
    );
  }
  return (
    <li className="discussion__message" data-testid="discussion-message" data-message-id={message.messageId}>
      <p className="hint">
        <strong data-testid="discussion-author" translate="no">{author}</strong> · {formatDateTime(message.postedAt)}
      </p>
      <p className="discussion__text" data-testid="discussion-message-text" translate="no">
        {message.text}
      </p>
      {message.refs.length > 0 && (
        <ul className="discussion__refs">
          {message.refs.map((ref) => {
            const photo = ref.kind === 'photo' ? photos.find((p) => p.photoId === ref.id) : undefined;
            return (
              <li key={`${ref.kind}-${ref.id}`} data-testid="discussion-ref" data-kind={ref.kind} data-ref-id={ref.id}>
                {photo !== undefined ? (
                  <img className="discussion__thumb" data-testid="discussion-ref-thumb" src={photo.urls.thumb} alt={t('panel.photo', { at: formatDateTime(photo.capturedAt) })} />
                ) : (
                  <span className="chip">{t(`message.ref.${ref.kind}`)}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {mine && (
        <button type="button" className="button button--small button--secondary" data-testid="discussion-retract" disabled={retracting} onClick={onRetract}>
          {t('message.retract')}
        </button>
      )}
    </li>
  );
}
