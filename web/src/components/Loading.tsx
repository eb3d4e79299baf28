export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status" aria-live="polite" data-testid="loading">
      <span className="loading__spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
