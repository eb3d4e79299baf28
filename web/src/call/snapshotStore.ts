// An external store for useSyncExternalStore: changes are batched into one new snapshot per
// microtask, so the dozens of small changes of a call's busy moment re-render React once.

export class SnapshotStore<T> {
  private snapshot: T;
  private readonly build: () => T;
  private readonly listeners = new Set<() => void>();
  private dirty = false;

  constructor(initial: T, build: () => T) {
    this.snapshot = initial;
    this.build = build;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Stable between changes, as useSyncExternalStore requires. */
  getSnapshot = (): T => this.snapshot;

  /** Something changed: a new snapshot is built and announced once the current task is done. */
  changed = (): void => {
    if (this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => {
      this.dirty = false;
      this.snapshot = this.build();
      for (const listener of [...this.listeners]) listener();
    });
  };
}
