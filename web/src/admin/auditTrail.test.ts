import { describe, expect, it } from 'vitest';
import type { AdminUser } from '../api/types.ts';
import { accountLabel, verificationText } from './AuditTrailPanel.tsx';

const chen: AdminUser = { userId: 'u-1', username: 'dr.chen', role: 'doctor', enabled: true, createdAt: '2026-01-01T00:00:00Z' };

describe('the audit viewer', () => {
  it('names an account by its username and role, never by its id', () => {
    const accounts = new Map([[chen.userId, chen]]);
    expect(accountLabel('u-1', accounts)).toBe('dr.chen (doctor)');
    expect(accountLabel('u-gone', accounts)).toBe('an account no longer listed');
  });

  it('says whether the chain was verified, and where it broke', () => {
    expect(verificationText({ chain: 'c01', checkedAt: null })).toMatch(/not run/);
    expect(verificationText({ chain: 'c01', checkedAt: '2026-12-04T01:00:00Z', ok: true, entries: 12 })).toMatch(
      /intact \(12 entries/,
    );
    expect(
      verificationText({ chain: 'c01', checkedAt: '2026-12-04T01:00:00Z', ok: false, firstBadSeq: 3, problem: 'altered' }),
    ).toMatch(/FAILED at entry 3 \(altered\)/);
  });
});
