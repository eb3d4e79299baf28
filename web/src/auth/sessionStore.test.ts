import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types.ts';
import { FakeTime, MemoryStorage } from '../test/fakes.ts';
import { SESSION_STORAGE_KEY, SessionStore, type KeyValueStorage } from './sessionStore.ts';

const loginAnswer: Session = {
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  expiresIn: 900,
  me: { userId: 'd-1', username: 'doc', role: 'doctor', displayName: 'Dr Doc' },
};

describe('SessionStore', () => {
  it('keeps an owed authenticator across a refresh until one is confirmed', () => {
    const store = new SessionStore(new MemoryStorage());
    store.begin({ ...loginAnswer, mfaSetupRequired: true });
    const { refreshToken: _kept, ...withoutRefreshToken } = loginAnswer;
    store.renew({ ...withoutRefreshToken, accessToken: 'access-2' });
    expect(store.current?.mfaSetupRequired).toBe(true);
    expect(store.current?.accessToken).toBe('access-2');

    store.mfaEnrolled();
    expect(store.current?.mfaSetupRequired).toBeUndefined();
    expect(store.current?.refreshToken).toBe('refresh-1');
    store.renew({ ...loginAnswer, accessToken: 'access-3' });
    expect(store.current?.mfaSetupRequired).toBeUndefined();
  });

  it('survives a reload through sessionStorage', () => {
    const time = new FakeTime();
    const storage = new MemoryStorage();
    new SessionStore(storage, time.now).begin(loginAnswer);

    const reloaded = new SessionStore(storage, time.now);

    expect(reloaded.current?.accessToken).toBe('access-1');
    expect(reloaded.current?.expiresAt).toBe(time.now() + 900_000);
  });

  it('keeps no ID token: one left by an earlier version is dropped from storage on the next read', () => {
    const storage = new MemoryStorage();
    new SessionStore(storage).begin(loginAnswer);
    expect(storage.getItem(SESSION_STORAGE_KEY)).not.toContain('idToken');

    const stored = JSON.parse(storage.getItem(SESSION_STORAGE_KEY) ?? '{}') as Record<string, unknown>;
    const older = { ...stored, idToken: 'id-from-before' };
    storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(older));
    const reloaded = new SessionStore(storage);

    expect(reloaded.current?.accessToken).toBe('access-1');
    expect(reloaded.current).not.toHaveProperty('idToken');
    expect(storage.getItem(SESSION_STORAGE_KEY)).not.toContain('id-from-before');
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
