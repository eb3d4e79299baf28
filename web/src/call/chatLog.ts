// The call's chat as a pure reducer: messages in arrival order, each once (a message can arrive
// twice over a re-established channel), the newest MAX_CHAT kept, and the unread count; ChatLog
// sends and receives it over the peers' data channels.

import { i18next } from '../i18n/index.ts';
import type { ChatEntry, PeerEntry } from './callTypes.ts';
import { MAX_CHAT_CHARS, newMessageId, type PeerMessage } from './messages.ts';

/** A visit's chat is short; 200 keeps a long one whole and bounds memory. */
export const MAX_CHAT = 200;

export interface ChatState {
  entries: ChatEntry[];
  unread: number;
}

export const EMPTY_CHAT: ChatState = { entries: [], unread: 0 };

export type ChatAction = { type: 'received'; entry: ChatEntry } | { type: 'sent'; entry: ChatEntry } | { type: 'read' };

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'sent':
    case 'received': {
      if (state.entries.some((known) => known.id === action.entry.id)) return state;
      const unread = action.type === 'received' ? state.unread + 1 : state.unread;
      return { entries: [...state.entries, action.entry].slice(-MAX_CHAT), unread };
    }
    case 'read':
      return state.unread === 0 ? state : { ...state, unread: 0 };
  }
}

export interface ChatLogOptions {
  me: () => { participantId: string; username: string };
  peers: () => PeerEntry[];
  setError: (message: string) => void;
  changed: () => void;
}

/** The chat of a call: what is sent goes to every connected peer over the data channel. */
export class ChatLog {
  private state: ChatState = EMPTY_CHAT;
  private readonly options: ChatLogOptions;

  constructor(options: ChatLogOptions) {
    this.options = options;
  }

  get current(): ChatState {
    return this.state;
  }

  send(text: string): boolean {
    const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
    if (trimmed === '') return false;
    const message: PeerMessage = { t: 'chat', id: newMessageId(), text: trimmed, at: Date.now() };
    let delivered = 0;
    for (const peer of this.options.peers()) if (peer.link.sendMessage(message)) delivered += 1;
    if (delivered === 0) {
      this.options.setError(i18next.t('call:chat.notSent'));
      return false;
    }
    const { participantId, username } = this.options.me();
    this.dispatch({ type: 'sent', entry: { id: message.id, fromId: participantId, fromName: username, mine: true, text: trimmed, at: message.at } });
    return true;
  }

  /** A chat message from a peer; false when the message is not chat. */
  receive(peer: PeerEntry, message: PeerMessage): boolean {
    if (message.t !== 'chat') return false;
    const { participantId, username } = peer.info;
    this.dispatch({ type: 'received', entry: { id: message.id, fromId: participantId, fromName: username, mine: false, text: message.text, at: message.at } });
    return true;
  }

  markRead(): void {
    this.dispatch({ type: 'read' });
  }

  private dispatch(action: ChatAction): void {
    const next = chatReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    this.options.changed();
  }
}
