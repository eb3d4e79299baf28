// A case's lifecycle on its page: the assigned doctors close and reopen it; everyone sees plainly
// that a closed case takes nothing new (the API refuses uploads, visits and scores with case_closed).

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Case } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys, reloadChanged, storeChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

interface Props {
  clinicalCase: Case;
  /** The signed-in doctor's id when they are one of the case's assigned doctors (they may close it). */
  assignedDoctorId: string | null;
}

export function CaseLifecycle({ clinicalCase, assignedDoctorId }: Props) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (open: boolean) => api.setCaseOpen(clinicalCase.caseId, open),
    onSuccess: async (updated) => {
      await storeChanged(queryClient, queryKeys.caseDetail(updated.caseId), updated);
      await reloadChanged(queryClient, queryKeys.caseLists());
    },
  });
  const closed = clinicalCase.status === 'closed';

  return (
    <section className="case-lifecycle" data-testid="case-lifecycle" data-status={clinicalCase.status}>
      {closed && (
        <p className="notice notice--closed" data-testid="case-closed-notice" role="status">
          {assignedDoctorId === null ? t('lifecycle.closedPatient') : t('lifecycle.closedDoctor')}
        </p>
      )}
      {assignedDoctorId !== null && (
        <button
          type="button"
          className="button button--secondary"
          data-testid={closed ? 'case-reopen' : 'case-close'}
          disabled={change.isPending}
          onClick={() => change.mutate(closed)}
        >
          {change.isPending ? t('lifecycle.saving') : closed ? t('lifecycle.reopen') : t('lifecycle.close')}
        </button>
      )}
      {change.error !== null && <ErrorBanner error={change.error} />}
    </section>
  );
}
