// The pool's password rules, each marked met or not while the person types.

import { useTranslation } from 'react-i18next';
import { PASSWORD_RULES, unmetRules } from './passwordRules.ts';

export function PasswordRulesList({ password, id }: { password: string; id: string }) {
  useTranslation(); // re-render on a language switch: the labels are read below
  const unmet = unmetRules(password);
  return (
    <ul id={id} className="password-rules" data-testid="password-rules">
      {PASSWORD_RULES.map((rule) => {
        const met = !unmet.includes(rule);
        return (
          <li key={rule.id} data-testid="password-rule" data-rule={rule.id} data-met={met}>
            {met ? '✓' : '✗'} {rule.label}
          </li>
        );
      })}
    </ul>
  );
}
