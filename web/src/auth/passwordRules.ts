// The user pool's password policy, from the one definition the template and the local stack read,
// as rules a person can check one by one while typing.

import policy from '../../../functions/identity/password_policy.json';

export interface PasswordRule {
  id: string;
  label: string;
  met: (password: string) => boolean;
}

export const PASSWORD_RULES: PasswordRule[] = [
  {
    id: 'length',
    label: `At least ${policy.MinimumLength} characters`,
    met: (p) => [...p].length >= policy.MinimumLength,
  },
  ...(policy.RequireLowercase ? [{ id: 'lower', label: 'A lowercase letter', met: (p: string) => /[a-z]/.test(p) }] : []),
  ...(policy.RequireUppercase ? [{ id: 'upper', label: 'An uppercase letter', met: (p: string) => /[A-Z]/.test(p) }] : []),
  ...(policy.RequireNumbers ? [{ id: 'number', label: 'A number', met: (p: string) => /[0-9]/.test(p) }] : []),
  ...(policy.RequireSymbols
    ? [{ id: 'symbol', label: 'A symbol, such as ! or -', met: (p: string) => /[^A-Za-z0-9\s]/.test(p) }]
    : []),
];

/** The rules this password does not meet yet (empty: it may be sent). */
export function unmetRules(password: string): PasswordRule[] {
  return PASSWORD_RULES.filter((rule) => !rule.met(password));
}
