// Doctor: video visits already running on their cases (assigned, or invited with a live grant), with
// a way straight in. The waiting-room entry is gone once a colleague admitted the patient, so this is
// how a second or third doctor joins; the access policy decides, there is no waiting room for them.
import './call.css';
import { useQuery } from '@tanstack/react-query';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ActiveVisit } from '../api/types.ts';
import { nameOf, queryKeys, usePeople } from '../data/index.ts';
import { callPath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import { Icon } from './icons.tsx';

// A visit lasts minutes; a colleague learns of it within this long without any live notice.
const ACTIVE_POLL_MS = 10_000;

export function activeVisitsKey() {
  return [...queryKeys.all, 'visits', 'active'] as const;
}

/** Visits in progress; with `caseId`, only that case's (the case page). Renders nothing when none. */
export function VisitsInProgress({ caseId }: { caseId?: string }) {
  const { api } = useServices();
  const { t } = useTranslation('call');
  const query = useQuery({
    queryKey: activeVisitsKey(),
    queryFn: ({ signal }) => api.getActiveVisits(signal),
    refetchInterval: ACTIVE_POLL_MS,
  });
  const items: ActiveVisit[] = (query.data?.items ?? []).filter((item) => caseId === undefined || item.caseId === caseId);
  const people = usePeople(items.flatMap((item) => [item.patientId, ...item.participants.map((p) => p.participantId)]));
  if (items.length === 0) return null;
  return (
    <ul className="visits-in-progress" data-testid="visits-in-progress" aria-label={t('inProgress.label')}>
      {items.map((item) => {
        const patient = nameOf(people.get(item.patientId), t('inProgress.aPatient'));
        const doctors = item.participants
          .filter((p) => p.role !== 'patient')
          .map((p) => nameOf(people.get(p.participantId), t('inProgress.aDoctor')));
        return (
          <li key={item.roomId} className="visits-in-progress__item" data-testid="visit-in-progress">
            <span>
              <Trans t={t} i18nKey="inProgress.withPatient" values={{ patient }} components={{ strong: <strong translate="no" /> }} />
              {doctors.length > 0 && (
                <>
                  {' '}
                  <Trans t={t} i18nKey="inProgress.withDoctors" values={{ doctors: doctors.join(t('inProgress.separator')) }} components={{ names: <span translate="no" /> }} />
                </>
              )}
            </span>
            <Link className="button button--primary" to={callPath(item.roomId)} data-testid="join-visit-in-progress">
              <Icon name="camera" size={20} /> {item.joined ? t('inProgress.rejoin') : t('inProgress.join')}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
