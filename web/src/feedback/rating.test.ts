import { describe, expect, it } from 'vitest';
import { canRate } from './rating.ts';

describe('when a visit can be rated', () => {
  it('is once the visit ended for everyone, not after leaving, a decline or a failure', () => {
    expect(canRate('completed')).toBe(true);
    expect(canRate('ended')).toBe(true);
    for (const reason of ['left', 'declined', 'cancelled', 'failed', 'replaced', null, undefined]) {
      expect(canRate(reason)).toBe(false);
    }
  });
});
