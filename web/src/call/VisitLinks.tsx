import './call.css';
import { Link } from 'react-router';
import { PATHS, patientVisitPath } from '../routing/roles.ts';
import { Icon } from './icons.tsx';

/** Patient, on a case: the way into a video visit (pre-call check, then the waiting room). */
export function StartVisitLink({ caseId }: { caseId: string }) {
  return (
    <Link className="button button--primary button--block button--large visit-link" to={patientVisitPath(caseId)} data-testid="start-visit">
      <Icon name="camera" size={26} /> Video visit with my doctor
    </Link>
  );
}

/** Doctor: the waiting room of video visits. */
export function WaitingRoomLink() {
  return (
    <Link className="button button--primary visit-link" to={PATHS.doctorVisits} data-testid="open-visit-queue">
      <Icon name="camera" size={22} /> Video visits
    </Link>
  );
}
