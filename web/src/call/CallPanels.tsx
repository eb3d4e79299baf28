import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { BodySite } from '../api/types.ts';
import { useDisplayName } from '../data/index.ts';
import type { CallSession, CallSnapshot, StillEntry } from './session.ts';

function siteLabel(sites: readonly BodySite[], id: string): string {
  return sites.find((site) => site.id === id)?.label ?? id.replace(/_/g, ' ');
}

export function ChatPanel({ session, snapshot, onClose }: { session: CallSession; snapshot: CallSnapshot; onClose: () => void }) {
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
    <aside className="call-panel" aria-label="Chat" data-testid="call-chat">
      <header className="call-panel__header">
        <h2>Chat</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label="Close chat">
          ×
        </button>
      </header>
      <ol className="chat-log" ref={log} data-testid="call-chat-log" aria-live="polite">
        {snapshot.chat.length === 0 && <li className="chat-log__empty">No messages yet.</li>}
        {snapshot.chat.map((entry) => (
          <li
            key={entry.id}
            className={`chat-message chat-message--${entry.mine ? 'mine' : 'theirs'}`}
            data-testid="call-chat-message"
            data-from={entry.mine ? 'me' : 'them'}
          >
            <span className="chat-message__from">{entry.mine ? 'You' : entry.fromName}</span>
            <span className="chat-message__text">{entry.text}</span>
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={send}>
        <label className="visually-hidden" htmlFor="chat-input">
          Message
        </label>
        <input
          id="chat-input"
          className="field__input chat-form__input"
          value={text}
          maxLength={2000}
          autoComplete="off"
          placeholder="Type a message"
          onChange={(event) => setText(event.target.value)}
          data-testid="call-chat-input"
        />
        <button type="submit" className="button button--primary" disabled={text.trim() === ''} data-testid="call-chat-send">
          Send
        </button>
      </form>
    </aside>
  );
}

const STATUS_LABEL: Record<StillEntry['status'], string> = {
  requested: 'Asked for',
  capturing: 'Taking the photo…',
  uploading: 'Sending…',
  processing: 'Checking the photo…',
  accepted: 'Saved to the case',
  rejected: 'Not accepted',
  failed: 'Not taken',
};

function StillList({ stills, sites }: { stills: StillEntry[]; sites: readonly BodySite[] }) {
  if (stills.length === 0) return null;
  return (
    <ul className="still-list" data-testid="still-list">
      {stills.map((still) => (
        <li key={still.id} className={`still-list__item still-list__item--${still.status}`} data-testid="still-status" data-status={still.status}>
          <strong>{siteLabel(sites, still.bodySite)}</strong>: {STATUS_LABEL[still.status]}
          {still.message !== undefined && <span className="still-list__message"> {still.message}</span>}
        </li>
      ))}
    </ul>
  );
}

function SitePicker({ sites, value, onChange }: { sites: readonly BodySite[]; value: string; onChange: (id: string) => void }) {
  return (
    <label className="field">
      <span className="field__label">Body site</span>
      <select className="field__input" value={value} onChange={(event) => onChange(event.target.value)} data-testid="still-body-site">
        {sites.map((site) => (
          <option key={site.id} value={site.id}>
            {site.label}
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
  // The user's choice; until they make one, the case's own site (known once the vocabulary loaded).
  const [chosen, setSite] = useState('');
  const site = chosen === '' ? defaultSite : chosen;
  const doctor = snapshot.me.role === 'doctor';
  const busy = snapshot.stills.some((still) => ['capturing', 'uploading'].includes(still.status));

  return (
    <aside className="call-panel" aria-label={doctor ? 'Request a photo' : 'Take a photo'} data-testid="call-still-panel">
      <header className="call-panel__header">
        <h2>{doctor ? 'Lesion photo' : 'Take a photo'}</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <p className="call-panel__hint">
        {doctor
          ? "The patient's phone takes the photo at full camera resolution and adds it to the case."
          : 'Point the camera at the spot, hold still in good light, then take the photo. It is added to your case.'}
      </p>
      {sites.length > 0 && <SitePicker sites={sites} value={site} onChange={setSite} />}
      <button
        type="button"
        className="button button--primary button--block"
        disabled={site === '' || busy}
        onClick={() => (doctor ? session.requestStill(site) : void session.takeStill(site))}
        data-testid={doctor ? 'still-request' : 'still-take'}
      >
        {doctor ? 'Ask the patient for a photo' : 'Take photo'}
      </button>
      <StillList stills={snapshot.stills} sites={sites} />
    </aside>
  );
}

/** Patient: the doctor asked for a photo. */
export function StillPrompt({ session, snapshot, sites }: { session: CallSession; snapshot: CallSnapshot; sites: readonly BodySite[] }) {
  const request = snapshot.stillRequest;
  if (request === null) return null;
  return (
    <div className="still-prompt" role="alertdialog" aria-labelledby="still-prompt-title" data-testid="still-prompt">
      <p id="still-prompt-title" className="still-prompt__text">
        {request.fromName} asks for a photo of your <strong>{siteLabel(sites, request.bodySite).toLowerCase()}</strong>. Point
        the camera at it, hold still in good light, then tap the button.
      </p>
      <div className="still-prompt__actions">
        <button type="button" className="button button--primary" onClick={() => void session.takeStill(request.bodySite, request.id)} data-testid="still-take-requested">
          Take photo
        </button>
        <button type="button" className="button button--secondary" onClick={() => session.dismissStillRequest()}>
          Not now
        </button>
      </div>
    </div>
  );
}

const STATUS_TEXT = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', away: 'Connection lost, may come back' };

export function ParticipantsPanel({ snapshot, onClose }: { snapshot: CallSnapshot; onClose: () => void }) {
  return (
    <aside className="call-panel" aria-label="Participants" data-testid="call-participants">
      <header className="call-panel__header">
        <h2>In this visit ({snapshot.participants.length} of 4)</h2>
        <button type="button" className="call-panel__close" onClick={onClose} aria-label="Close participants">
          ×
        </button>
      </header>
      <ul className="participant-list">
        {snapshot.participants.map((participant) => (
          <li key={participant.participantId} className="participant-list__item" data-testid="call-participant" data-status={participant.status} data-role={participant.role}>
            <span className="participant-list__name">
              <ParticipantName userId={participant.participantId} />
              {participant.me ? ' (you)' : ''}
            </span>
            <span className="participant-list__role">{participant.role === 'doctor' ? 'Doctor' : participant.role === 'patient' ? 'Patient' : ''}</span>
            <span className="participant-list__status">
              {participant.me ? 'Here' : STATUS_TEXT[participant.status]}
              {participant.media.muted ? ' · muted' : ''}
              {participant.media.cameraOff ? ' · camera off' : ''}
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
  return <>{useDisplayName(userId, 'Participant')}</>;
}
