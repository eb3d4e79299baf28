import { actionErrorMessage } from './messages.ts';

/** A failed action, said in words the user can act on. */
export function ActionError({ error, testId }: { error: unknown; testId?: string }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="action-error" role="alert" data-testid={testId ?? 'action-error'}>
      {actionErrorMessage(error)}
    </p>
  );
}
