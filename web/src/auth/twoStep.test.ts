import { describe, expect, it } from 'vitest';
import { TOTP_CODE } from './MfaAnswerForm.tsx';
import { groupedSecret } from './TwoStepSignIn.tsx';
import { SessionStore } from './sessionStore.ts';
import { MemoryStorage } from '../test/fakes.ts';

describe('two-step sign-in input', () => {
  it('groups the secret by four for typing, without a trailing space', () => {
    expect(groupedSecret('ASDFASDFASDF')).toBe('ASDF ASDF ASDF');
    expect(groupedSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
  });

  it('accepts exactly six digits as a code', () => {
    expect(TOTP_CODE.test('123456')).toBe(true);
    expect(['12345', '1234567', '12a456', ''].some((c) => TOTP_CODE.test(c))).toBe(false);
  });
});

describe('the clinic requiring an authenticator', () => {
  it('is kept from the sign-in answer only when the API says so', () => {
    const answer = {
      accessToken: 'a',
      refreshToken: 'r',
      expiresIn: 900,
      me: { userId: 'd-1', username: 'doc', role: 'doctor' as const, displayName: 'Dr Doc' },
    };
    expect(new SessionStore(new MemoryStorage()).begin({ ...answer, mfaSetupRequired: true }).mfaSetupRequired).toBe(true);
    expect('mfaSetupRequired' in new SessionStore(new MemoryStorage()).begin(answer)).toBe(false);
  });
});
