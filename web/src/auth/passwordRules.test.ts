import { describe, expect, it } from 'vitest';
import { PASSWORD_RULES, unmetRules } from './passwordRules.ts';

describe('the password policy, rule by rule', () => {
  it('names each rule a password does not meet', () => {
    expect(PASSWORD_RULES.map((rule) => rule.id)).toEqual(['length', 'lower', 'upper', 'number', 'symbol']);
    expect(unmetRules('short').map((rule) => rule.id)).toEqual(['length', 'upper', 'number', 'symbol']);
    expect(unmetRules('longenoughpassword').map((rule) => rule.id)).toEqual(['upper', 'number', 'symbol']);
    expect(unmetRules('Elbow-skin-clear-42!')).toEqual([]);
  });
});
