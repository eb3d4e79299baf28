import { Link, useParams } from 'react-router';
import type { Case, CaseDoctor } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { StartVisitLink } from '../call/VisitLinks.tsx';
import { VisitHistory } from '../call/VisitHistory.tsx';
import { CaseLifecycle } from '../cases/CaseLifecycle.tsx';
import { CaseTracking } from '../cases/CaseTracking.tsx';
import { InvitePanel } from '../consultation/InvitePanel.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { useDisplayName } from '../data/index.ts';
import { useCaseDetail } from '../hooks.ts';
import { CarePlan } from '../record/CarePlan.tsx';
import { RecordSection } from '../record/RecordSection.tsx';
import { homePathForRole } from '../routing/roles.ts';

export function CaseDetailPage() {
  const { caseId = '' } = useParams();
  const me = useSignedInUser();
  const clinicalCase = useCaseDetail(caseId);
  const assigned = clinicalCase.data?.doctors.some((d) => d.doctorId === me.userId && d.kind === 'assigned') ?? false;

  return (
    <div className={`case-page case-page--${me.role}`}>
      <nav aria-label="Back">
        <Link className="back-link" to={homePathForRole(me.role)}>
          ← {me.role === 'patient' ? 'My cases' : 'All cases'}
        </Link>
      </nav>
      {clinicalCase.isPending && <Loading label="Loading case…" />}
      {clinicalCase.error !== null && (
        <ErrorBanner error={clinicalCase.error} onRetry={() => void clinicalCase.refetch()} />
      )}
      {clinicalCase.data !== undefined && (
        <>
          <CaseDetail clinicalCase={clinicalCase.data} showPatient={me.role === 'doctor'} />
          <CaseLifecycle
            clinicalCase={clinicalCase.data}
            assignedDoctorId={assigned ? me.userId : null}
          />
          {assigned && <InvitePanel clinicalCase={clinicalCase.data} />}
          {me.role === 'patient' && clinicalCase.data.status === 'open' && (
            <StartVisitLink caseId={clinicalCase.data.caseId} />
          )}
          {me.role === 'patient' && <CarePlan caseId={clinicalCase.data.caseId} />}
          <CaseTracking clinicalCase={clinicalCase.data} role={me.role} />
          {me.role === 'doctor' && <RecordSection clinicalCase={clinicalCase.data} />}
          <VisitHistory caseId={clinicalCase.data.caseId} />
        </>
      )}
    </div>
  );
}

function PersonName({ userId, fallback }: { userId: string; fallback: string }) {
  return <span className="person-name">{useDisplayName(userId, fallback)}</span>;
}

function CaseDetail({ clinicalCase, showPatient }: { clinicalCase: Case; showPatient: boolean }) {
  return (
    <article className="case-detail" data-testid="case-detail" aria-labelledby="case-title">
      <header className="case-detail__header">
        <h1 id="case-title">{clinicalCase.condition}</h1>
        <StatusBadge status={clinicalCase.status} />
      </header>

      <dl className="facts">
        {showPatient && (
          <div>
            <dt>Patient</dt>
            <dd data-testid="case-patient">
              <PersonName userId={clinicalCase.patientId} fallback="The patient" />
            </dd>
          </div>
        )}
        <div>
          <dt>Opened</dt>
          <dd>{formatDate(clinicalCase.openedAt)}</dd>
        </div>
        <div>
          <dt>Last update</dt>
          <dd>{formatDateTime(clinicalCase.updatedAt)}</dd>
        </div>
      </dl>

      <section aria-labelledby="body-sites-title">
        <h2 id="body-sites-title">Body sites</h2>
        {clinicalCase.bodySites.length === 0 ? (
          <p className="empty">No body site recorded.</p>
        ) : (
          <ul className="chips" data-testid="case-body-sites">
            {clinicalCase.bodySites.map((site) => (
              <li key={site} className="chip">
                {site}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="doctors-title">
        <h2 id="doctors-title">Doctors</h2>
        {clinicalCase.doctors.length === 0 ? (
          <p className="empty">No doctor yet.</p>
        ) : (
          <ul className="doctor-list" data-testid="case-doctors">
            {clinicalCase.doctors.map((doctor) => (
              <li key={`${doctor.doctorId}-${doctor.kind}`} className="doctor-list__item">
                <PersonName userId={doctor.doctorId} fallback="A doctor" />
                <DoctorAccess doctor={doctor} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="plan-title">
        <h2 id="plan-title">Follow-up plan</h2>
        {clinicalCase.followUpPlan === null || clinicalCase.followUpPlan.trim() === '' ? (
          <p className="empty">No follow-up plan yet.</p>
        ) : (
          <p className="plan">{clinicalCase.followUpPlan}</p>
        )}
      </section>
    </article>
  );
}

function DoctorAccess({ doctor }: { doctor: CaseDoctor }) {
  if (doctor.kind === 'assigned') return <span className="tag tag--assigned">Assigned</span>;
  return (
    <span className="tag tag--invited">
      Invited{doctor.expiresAt !== undefined && ` until ${formatDateTime(doctor.expiresAt)}`}
    </span>
  );
}
