import { useTranslation } from 'react-i18next';
import type { CaseStatus } from '../api/types.ts';

export function StatusBadge({ status }: { status: CaseStatus }) {
  const { t } = useTranslation();
  return <span className={`status-badge status-badge--${status}`}>{t(`status.${status}`)}</span>;
}
