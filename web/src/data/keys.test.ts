import { describe, expect, it } from 'vitest';
import { partialMatchKey } from '@tanstack/react-query';
import { queryKeys } from './keys.ts';

describe('queryKeys', () => {
  it('puts every follow-up list of a case under caseFollowUp, and the case itself outside it', () => {
    const followUp = queryKeys.caseFollowUp('c-1');
    for (const key of [
      queryKeys.lesions('c-1'),
      queryKeys.scores('c-1'),
      queryKeys.photos('c-1', { bodySite: 'arm_left_lower' }),
      queryKeys.timeline('c-1', 20),
    ]) {
      expect(partialMatchKey(key, followUp)).toBe(true);
      expect(partialMatchKey(key, queryKeys.case('c-1'))).toBe(true);
    }
    expect(partialMatchKey(queryKeys.caseDetail('c-1'), followUp)).toBe(false);
    expect(partialMatchKey(queryKeys.photo('c-1', 'p-1'), followUp)).toBe(false);
    expect(partialMatchKey(queryKeys.lesions('c-2'), followUp)).toBe(false);
  });
});
