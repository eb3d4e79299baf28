import { describe, expect, it } from 'vitest';
import type { ChatEntry } from './callTypes.ts';
import { chatReducer, EMPTY_CHAT, MAX_CHAT } from './chatLog.ts';

function entry(id: string, mine = false): ChatEntry {
  return { id, fromId: mine ? 'me' : 'them', fromName: mine ? 'Me' : 'Them', mine, text: `text ${id}`, at: 1 };
}

describe('chatReducer', () => {
  it('counts received messages as unread, not sent ones, until read', () => {
    let state = chatReducer(EMPTY_CHAT, { type: 'received', entry: entry('a') });
    state = chatReducer(state, { type: 'sent', entry: entry('b', true) });
    expect(state.entries.map((e) => e.id)).toEqual(['a', 'b']);
    expect(state.unread).toBe(1);
    state = chatReducer(state, { type: 'read' });
    expect(state.unread).toBe(0);
    expect(chatReducer(state, { type: 'read' })).toBe(state);
  });

  it('shows a message delivered twice once, and does not count it again', () => {
    const once = chatReducer(EMPTY_CHAT, { type: 'received', entry: entry('a') });
    expect(chatReducer(once, { type: 'received', entry: entry('a') })).toBe(once);
  });

  it('keeps the newest MAX_CHAT messages', () => {
    let state = EMPTY_CHAT;
    for (let i = 0; i < MAX_CHAT + 5; i += 1) state = chatReducer(state, { type: 'sent', entry: entry(`m${i}`, true) });
    expect(state.entries).toHaveLength(MAX_CHAT);
    expect(state.entries[0]?.id).toBe('m5');
    expect(state.entries.at(-1)?.id).toBe(`m${MAX_CHAT + 4}`);
  });
});
