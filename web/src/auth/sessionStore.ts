import { isMe, isRecord } from '../api/guards.ts';
import type { Me, Session } from '../api/types.ts';

/** What the app keeps about a signed-in user, with absolute times so a reload keeps the schedule. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch milliseconds when the current access token was received. */
  issuedAt: number;
  /** Epoch milliseconds when the current access token stops being accepted. */
  expiresAt: number;
  me: Me;
  /** The clinic requires an authenticator for this role and none is set up yet. */
  mfaSetupRequired?: boolean;
}

/** Why the last session ended, so the sign-in page can tell the user. */
export type SessionEndReason = 'signed_out' | 'idle' | 'expired';

export interface SessionSnapshot {
  session: StoredSession | null;
  lastEndReason: SessionEndReason | null;
}

/** The subset of the Web Storage API the store uses; injectable for tests. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_STORAGE_KEY = 'dermafollow.session';

type Listener = () => void;

/**
 * Holds the tokens in memory and mirrors them to sessionStorage (never localStorage): a reload
 * keeps the user signed in, but closing the tab forgets the tokens, which matters on shared
 * clinic computers.
 */
export class SessionStore {
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<Listener>();
  private readonly storage: KeyValueStorage | null;
  private readonly now: () => number;

  constructor(storage: KeyValueStorage | null, now: () => number = Date.now) {
    this.storage = storage;
    this.now = now;
    this.snapshot = { session: this.readPersisted(), lastEndReason: null };
  }

  /** Stable object between changes, as useSyncExternalStore requires. */
  getSnapshot = (): SessionSnapshot => this.snapshot;

  get current(): StoredSession | null {
    return this.snapshot.session;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Starts a session from a login answer. */
  begin(session: Session): StoredSession {
    return this.replace(this.fromWire(session, session.refreshToken ?? null));
  }

  /** Applies a refresh answer; the contract lets it omit the refresh token, which is then kept. */
  renew(session: Session): StoredSession {
    const previous = this.snapshot.session;
    const renewed = this.fromWire(session, session.refreshToken ?? previous?.refreshToken ?? null);
    // A refresh does not say again that an authenticator is still owed; the server still asks for
    // it (403 mfa_setup_required) until one is confirmed, so the app keeps asking too.
    return this.replace(previous?.mfaSetupRequired === true ? { ...renewed, mfaSetupRequired: true } : renewed);
  }

  /** The person confirmed an authenticator: the app stops holding them at the set-up. */
  mfaEnrolled(): void {
    const current = this.snapshot.session;
    if (current?.mfaSetupRequired !== true) return;
    const { mfaSetupRequired: _owed, ...rest } = current;
    this.replace(rest);
  }

  end(reason: SessionEndReason): void {
    if (this.snapshot.session === null && this.snapshot.lastEndReason === reason) return;
    this.safely(() => this.storage?.removeItem(SESSION_STORAGE_KEY));
    this.publish({ session: null, lastEndReason: reason });
  }

  private replace(next: StoredSession): StoredSession {
    this.safely(() => this.storage?.setItem(SESSION_STORAGE_KEY, JSON.stringify(next)));
    this.publish({ session: next, lastEndReason: null });
    return next;
  }

  private fromWire(session: Session, refreshToken: string | null): StoredSession {
    const issuedAt = this.now();
    return {
      accessToken: session.accessToken,
      refreshToken,
      issuedAt,
      expiresAt: issuedAt + session.expiresIn * 1000,
      me: session.me,
      ...(session.mfaSetupRequired === true ? { mfaSetupRequired: true } : {}),
    };
  }

  private publish(next: SessionSnapshot): void {
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }

  private readPersisted(): StoredSession | null {
    const raw = this.safely(() => this.storage?.getItem(SESSION_STORAGE_KEY) ?? null) ?? null;
    if (raw === null) return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isStoredSession(parsed)) {
        // Sessions kept by earlier versions also held the ID token, which nothing reads: drop it.
        if ('idToken' in parsed) {
          const { idToken: _dropped, ...kept } = parsed as StoredSession & { idToken?: unknown };
          this.safely(() => this.storage?.setItem(SESSION_STORAGE_KEY, JSON.stringify(kept)));
          return kept;
        }
        return parsed;
      }
    } catch {
      // Fall through: a corrupt entry is treated as no session.
    }
    this.safely(() => this.storage?.removeItem(SESSION_STORAGE_KEY));
    return null;
  }

  /** Storage can throw (quota, privacy modes); the in-memory copy keeps the app working. */
  private safely<T>(action: () => T): T | undefined {
    try {
      return action();
    } catch {
      return undefined;
    }
  }
}

function isStoredSession(value: unknown): value is StoredSession {
  return (
    isRecord(value) &&
    typeof value.accessToken === 'string' &&
    (value.refreshToken === null || typeof value.refreshToken === 'string') &&
    typeof value.issuedAt === 'number' &&
    typeof value.expiresAt === 'number' &&
    isMe(value.me)
  );
}

/** The browser's sessionStorage, or null where it is unavailable (some privacy modes). */
export function browserSessionStorage(): KeyValueStorage | null {
  try {
    return typeof window !== 'undefined' ? window.sessionStorage : null;
  } catch {
    return null;
  }
}
