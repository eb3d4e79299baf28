import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types.ts';
import { FakeTime, MemoryStorage } from '../test/fakes.ts';
import { SESSION_STORAGE_KEY, SessionStore, type KeyValueStorage } from './sessionStore.ts';

const loginAnswer: Session = {
  accessToken: 'access-1',
  idToken: 'id-1',
  refreshToken: 'refresh-1',
  expiresIn: 900,
  me: { userId: 'd-1', username: 'doc', role: 'doctor', displayName: 'Dr Doc' },
};

describe('SessionStore', () => {
  it('survives a reload through sessionStorage', () => {
    const time = new FakeTime();
    const storage = new MemoryStorage();
    new SessionStore(storage, time.now).begin(loginAnswer);

    const reloaded = new SessionStore(storage, time.now);

    expect(reloaded.current?.accessToken).toBe('access-1');
    expect(reloaded.current?.expiresAt).toBe(time.now() + 900_000);
  });

  it('notifies subscribers and clears storage on end, remembering why', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    let notifications = 0;
    const unsubscribe = store.subscribe(() => {
      notifications += 1;
    });

    store.begin(loginAnswer);
    store.end('idle');
    unsubscribe();
    store.begin(loginAnswer);

    expect(notifications).toBe(2);
    expect(storage.getItem(SESSION_STORAGE_KEY)).not.toBeNull();
    store.end('signed_out');
    expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
    expect(store.getSnapshot()).toEqual({ session: null, lastEndReason: 'signed_out' });
  });

  it('keeps the snapshot object stable between changes', () => {
    const store = new SessionStore(new MemoryStorage());
    expect(store.getSnapshot()).toBe(store.getSnapshot());
  });

  it('discards a corrupt stored entry', () => {
    const storage = new MemoryStorage();
    storage.setItem(SESSION_STORAGE_KEY, '{"accessToken": 1}');

    expect(new SessionStore(storage).current).toBeNull();
    expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it('keeps working in memory when storage throws', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const store = new SessionStore(broken);

    store.begin(loginAnswer);
    expect(store.current?.accessToken).toBe('access-1');
    store.end('signed_out');
    expect(store.current).toBeNull();
  });
});
