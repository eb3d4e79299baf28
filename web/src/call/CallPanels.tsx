import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { BodySite } from '../api/types.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { useDisplayName } from '../data/index.ts';
import type { CallSession, CallSnapshot } from './session.ts';

export function ChatPanel({ session, snapshot, onClose }: { session: CallSession; snapshot: CallSnapshot; onClose: () => void }) {
  const { t } = useTranslation('call');
  const [text, setText] = useState('');
  const log = useRef<HTMLOListElement | null>(null);

  useEffect(() => {
    session.markChatRead();
    const element = log.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [session, snapshot.chat.length]);

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (session.sendChat(text)) setText('');
  };

  return (
    <aside className="call-panel" aria-label={t('chat.title')} data-testid="call-chat">
      <header className="call-panel__header">
        <h2>{t('chat.title')}</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label={t('chat.close')}>
          ×
        </button>
      </header>
      <ol className="chat-log" ref={log} data-testid="call-chat-log" aria-live="polite">
        {snapshot.chat.length === 0 && <li className="chat-log__empty">{t('chat.empty')}</li>}
        {snapshot.chat.map((entry) => (
          <li
            key={entry.id}
            className={`chat-message chat-message--${entry.mine ? 'mine' : 'theirs'}`}
            data-testid="call-chat-message"
            data-from={entry.mine ? 'me' : 'them'}
          >
            {entry.mine ? (
              <span className="chat-message__from">{t('chat.you')}</span>
            ) : (
              <span className="chat-message__from" translate="no">
                {entry.fromName}
              </span>
            )}
            <span className="chat-message__text" translate="no">
              {entry.text}
            </span>
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={send}>
        <label className="visually-hidden" htmlFor="chat-input">
          {t('chat.messageLabel')}
        </label>
        <input
          id="chat-input"
          className="field__input chat-form__input"
          value={text}
          maxLength={2000}
          autoComplete="off"
          placeholder={t('chat.placeholder')}
          onChange={(event) => setText(event.target.value)}
          data-testid="call-chat-input"
        />
        <button type="submit" className="button button--primary" disabled={text.trim() === ''} data-testid="call-chat-send">
          {t('chat.send')}
        </button>
      </form>
    </aside>
  );
}

function StillList({ stills, sites }: { stills: CallSnapshot['stills']; sites: readonly BodySite[] }) {
  const { t } = useTranslation('call');
  if (stills.length === 0) return null;
  return (
    <ul className="still-list" data-testid="still-list">
      {stills.map((still) => (
        <li key={still.id} className={`still-list__item still-list__item--${still.status}`} data-testid="still-status" data-status={still.status}>
          <strong>{siteLabel(sites, still.bodySite)}</strong>: {t(`still.status.${still.status}`)}
          {still.message !== undefined && <span className="still-list__message" translate="no"> {still.message}</span>}
        </li>
      ))}
    </ul>
  );
}

function SitePicker({ sites, value, onChange }: { sites: readonly BodySite[]; value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation('call');
  return (
    <label className="field">
      <span className="field__label">{t('still.bodySite')}</span>
      <select className="field__input" value={value} onChange={(event) => onChange(event.target.value)} data-testid="still-body-site">
        {sites.map((site) => (
          <option key={site.id} value={site.id}>
            {siteLabel(sites, site.id)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Doctor: ask for a still. Patient: take one unasked. */
export function StillPanel({
  session,
  snapshot,
  sites,
  defaultSite,
  onClose,
}: {
  session: CallSession;
  snapshot: CallSnapshot;
  sites: readonly BodySite[];
  defaultSite: string;
  onClose: () => void;
}) {
  const { t } = useTranslation('call');
  // The user's choice; until they make one, the case's own site (known once the vocabulary loaded).
  const [chosen, setSite] = useState('');
  const site = chosen === '' ? defaultSite : chosen;
  const doctor = snapshot.me.role === 'doctor';
  const busy = snapshot.stills.some((still) => ['capturing', 'uploading'].includes(still.status));

  return (
    <aside className="call-panel" aria-label={doctor ? t('still.requestLabel') : t('still.takeLabel')} data-testid="call-still-panel">
      <header className="call-panel__header">
        <h2>{doctor ? t('still.doctorTitle') : t('still.takeLabel')}</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label={t('still.close')}>
          ×
        </button>
      </header>
      <p className="call-panel__hint">
        {doctor ? t('still.doctorHint') : t('still.patientHint')}
      </p>
      {sites.length > 0 && <SitePicker sites={sites} value={site} onChange={setSite} />}
      <button
        type="button"
        className="button button--primary button--block"
        disabled={site === '' || busy}
        onClick={() => (doctor ? session.requestStill(site) : void session.takeStill(site))}
        data-testid={doctor ? 'still-request' : 'still-take'}
      >
        {doctor ? t('still.request') : t('still.take')}
      </button>
      <StillList stills={snapshot.stills} sites={sites} />
    </aside>
  );
}

/** Patient: the doctor asked for a photo. */
export function StillPrompt({ session, snapshot, sites }: { session: CallSession; snapshot: CallSnapshot; sites: readonly BodySite[] }) {
  const { t } = useTranslation('call');
  const request = snapshot.stillRequest;
  if (request === null) return null;
  return (
    <div className="still-prompt" role="alertdialog" aria-labelledby="still-prompt-title" data-testid="still-prompt">
      <p id="still-prompt-title" className="still-prompt__text">
        <Trans
          t={t}
          i18nKey="still.prompt"
          values={{ name: request.fromName, site: siteLabel(sites, request.bodySite).toLowerCase() }}
          components={{ name: <span translate="no" />, strong: <strong /> }}
        />
      </p>
      <div className="still-prompt__actions">
        <button type="button" className="button button--primary" onClick={() => void session.takeStill(request.bodySite, request.id)} data-testid="still-take-requested">
          {t('still.take')}
        </button>
        <button type="button" className="button button--secondary" onClick={() => session.dismissStillRequest()}>
          {t('still.notNow')}
        </button>
      </div>
    </div>
  );
}

export function ParticipantsPanel({ snapshot, onClose }: { snapshot: CallSnapshot; onClose: () => void }) {
  const { t } = useTranslation('call');
  return (
    <aside className="call-panel" aria-label={t('participants.label')} data-testid="call-participants">
      <header className="call-panel__header">
        <h2>{t('participants.title', { count: snapshot.participants.length })}</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label={t('participants.close')}>
          ×
        </button>
      </header>
      <ul className="participant-list">
        {snapshot.participants.map((participant) => (
          <li key={participant.participantId} className="participant-list__item" data-testid="call-participant" data-status={participant.status} data-role={participant.role}>
            <span className="participant-list__name">
              <span translate="no">
                <ParticipantName userId={participant.participantId} />
              </span>
              {participant.me ? t('participants.youSuffix') : ''}
            </span>
            <span className="participant-list__role">{participant.role === 'doctor' || participant.role === 'patient' ? t(`participants.role.${participant.role}`) : ''}</span>
            <span className="participant-list__status">
              {participant.me ? t('participants.here') : t(`participants.status.${participant.status}`)}
              {participant.media.muted ? ` · ${t('participants.muted')}` : ''}
              {participant.media.cameraOff ? ` · ${t('participants.cameraOff')}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

export { StillList };

/** A call participant by name from the user directory ("Participant" while it loads). */
export function ParticipantName({ userId }: { userId: string }) {
  const { t } = useTranslation('call');
  return <>{useDisplayName(userId, t('participants.fallbackName'))}</>;
}
