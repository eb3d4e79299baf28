import { describe, expect, it } from 'vitest';
import { SnapshotStore } from './snapshotStore.ts';

describe('SnapshotStore', () => {
  it('builds one snapshot and notifies once for many changes in the same task', async () => {
    let builds = 0;
    const store = new SnapshotStore({ n: 0 }, () => ({ n: ++builds }));
    let notified = 0;
    store.subscribe(() => (notified += 1));
    const first = store.getSnapshot();
    store.changed();
    store.changed();
    store.changed();
    expect(store.getSnapshot()).toBe(first);
    await Promise.resolve();
    expect(builds).toBe(1);
    expect(notified).toBe(1);
    expect(store.getSnapshot()).toEqual({ n: 1 });
  });

  it('stops notifying a listener that unsubscribed', async () => {
    const store = new SnapshotStore(0, () => 1);
    let notified = 0;
    const stop = store.subscribe(() => (notified += 1));
    stop();
    store.changed();
    await Promise.resolve();
    expect(notified).toBe(0);
    expect(store.getSnapshot()).toBe(1);
  });
});
