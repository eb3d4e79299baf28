// The user pool's password policy, from the one definition the template and the local stack read,
// as rules a person can check one by one while typing.

import policy from '../../../functions/identity/password_policy.json';
import { i18next } from '../i18n/index.ts';

type RuleId = 'length' | 'lower' | 'upper' | 'number' | 'symbol';

export interface PasswordRule {
  id: RuleId;
  /** In the language shown now (read when rendered: the language can change). */
  readonly label: string;
  met: (password: string) => boolean;
}

function rule(id: RuleId, met: (password: string) => boolean): PasswordRule {
  return {
    id,
    met,
    get label() {
      return i18next.t(`auth:rules.${id}`, { count: policy.MinimumLength });
    },
  };
}

export const PASSWORD_RULES: PasswordRule[] = [
  rule('length', (p) => [...p].length >= policy.MinimumLength),
  ...(policy.RequireLowercase ? [rule('lower', (p) => /[a-z]/.test(p))] : []),
  ...(policy.RequireUppercase ? [rule('upper', (p) => /[A-Z]/.test(p))] : []),
  ...(policy.RequireNumbers ? [rule('number', (p) => /[0-9]/.test(p))] : []),
  ...(policy.RequireSymbols ? [rule('symbol', (p) => /[^A-Za-z0-9\s]/.test(p))] : []),
];

/** The rules this password does not meet yet (empty: it may be sent). */
export function unmetRules(password: string): PasswordRule[] {
  return PASSWORD_RULES.filter((rule) => !rule.met(password));
}
