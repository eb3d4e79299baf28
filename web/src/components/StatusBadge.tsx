import type { CaseStatus } from '../api/types.ts';

const LABELS: Record<CaseStatus, string> = { open: 'Open', closed: 'Closed' };

export function StatusBadge({ status }: { status: CaseStatus }) {
  return <span className={`status-badge status-badge--${status}`}>{LABELS[status]}</span>;
}
