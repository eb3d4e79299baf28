import './call.css';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PATHS, patientVisitPath } from '../routing/roles.ts';
import { Icon } from './icons.tsx';

/** Patient, on a case: the way into a video visit (pre-call check, then the waiting room). */
export function StartVisitLink({ caseId }: { caseId: string }) {
  const { t } = useTranslation('call');
  return (
    <Link className="button button--primary button--block button--large visit-link" to={patientVisitPath(caseId)} data-testid="start-visit">
      <Icon name="camera" size={26} /> {t('links.startVisit')}
    </Link>
  );
}

/** Doctor: the waiting room of video visits. */
export function WaitingRoomLink() {
  const { t } = useTranslation('call');
  return (
    <Link className="button button--primary visit-link" to={PATHS.doctorVisits} data-testid="open-visit-queue">
      <Icon name="camera" size={22} /> {t('links.waitingRoom')}
    </Link>
  );
}
