import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { Case, CaseDoctor } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { StartVisitLink } from '../call/VisitLinks.tsx';
import { VisitHistory } from '../call/VisitHistory.tsx';
import { VisitsInProgress } from '../call/VisitsInProgress.tsx';
import { CaseLifecycle } from '../cases/CaseLifecycle.tsx';
import { CaseTracking } from '../cases/CaseTracking.tsx';
import { ConsultationRounds } from '../consultation/ConsultationRounds.tsx';
import { InvitePanel } from '../consultation/InvitePanel.tsx';
import { DiscussionPanel } from '../discussion/DiscussionPanel.tsx';
import { FollowupPanel } from '../followups/FollowupPanel.tsx';
import { MarkReviewedButton } from '../worklist/ActivityList.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { useDisplayName } from '../data/index.ts';
import { useCaseDetail } from '../hooks.ts';
import { CarePlan } from '../record/CarePlan.tsx';
import { RecordSection } from '../record/RecordSection.tsx';
import { homePathForRole } from '../routing/roles.ts';
import { siteLabel } from '../cases/siteLabels.ts';

export function CaseDetailPage() {
  const { t } = useTranslation('cases');
  const { caseId = '' } = useParams();
  const me = useSignedInUser();
  const clinicalCase = useCaseDetail(caseId);
  const assigned = clinicalCase.data?.doctors.some((d) => d.doctorId === me.userId && d.kind === 'assigned') ?? false;

  return (
    <div className={`case-page case-page--${me.role}`}>
      <nav aria-label={t('casePage.back')}>
        <Link className="back-link" to={homePathForRole(me.role)}>
          ← {me.role === 'patient' ? t('casePage.myCases') : t('casePage.allCases')}
        </Link>
      </nav>
      {clinicalCase.isPending && <Loading label={t('casePage.loading')} />}
      {clinicalCase.error !== null && (
        <ErrorBanner error={clinicalCase.error} onRetry={() => void clinicalCase.refetch()} />
      )}
      {clinicalCase.data !== undefined && (
        <>
          <CaseDetail clinicalCase={clinicalCase.data} showPatient={me.role === 'doctor'} />
          {me.role === 'doctor' && <MarkReviewedButton caseId={clinicalCase.data.caseId} />}
          {me.role === 'doctor' && <VisitsInProgress caseId={clinicalCase.data.caseId} />}
          <CaseLifecycle
            clinicalCase={clinicalCase.data}
            assignedDoctorId={assigned ? me.userId : null}
          />
          {assigned && <InvitePanel clinicalCase={clinicalCase.data} />}
          {me.role === 'patient' && clinicalCase.data.status === 'open' && (
            <StartVisitLink caseId={clinicalCase.data.caseId} />
          )}
          {me.role === 'patient' && <CarePlan caseId={clinicalCase.data.caseId} />}
          {me.role !== 'admin' && <FollowupPanel clinicalCase={clinicalCase.data} role={me.role} />}
          <CaseTracking clinicalCase={clinicalCase.data} role={me.role} />
          {me.role === 'doctor' && <ConsultationRounds clinicalCase={clinicalCase.data} />}
          {me.role === 'doctor' && <RecordSection clinicalCase={clinicalCase.data} />}
          {me.role === 'doctor' && <DiscussionPanel caseId={clinicalCase.data.caseId} />}
          <VisitHistory caseId={clinicalCase.data.caseId} />
        </>
      )}
    </div>
  );
}

function PersonName({ userId, fallback }: { userId: string; fallback: string }) {
  return (
    <span className="person-name" translate="no">
      {useDisplayName(userId, fallback)}
    </span>
  );
}

function CaseDetail({ clinicalCase, showPatient }: { clinicalCase: Case; showPatient: boolean }) {
  const { t } = useTranslation('cases');
  return (
    <article className="case-detail" data-testid="case-detail" aria-labelledby="case-title">
      <header className="case-detail__header">
        <h1 id="case-title" translate="no">
          {clinicalCase.condition}
        </h1>
        <StatusBadge status={clinicalCase.status} />
      </header>

      <dl className="facts">
        {showPatient && (
          <div>
            <dt>{t('casePage.patient')}</dt>
            <dd data-testid="case-patient">
              <PersonName userId={clinicalCase.patientId} fallback={t('casePage.thePatient')} />
            </dd>
          </div>
        )}
        <div>
          <dt>{t('casePage.opened')}</dt>
          <dd>{formatDate(clinicalCase.openedAt)}</dd>
        </div>
        <div>
          <dt>{t('casePage.lastUpdate')}</dt>
          <dd>{formatDateTime(clinicalCase.updatedAt)}</dd>
        </div>
      </dl>

      <section aria-labelledby="body-sites-title">
        <h2 id="body-sites-title">{t('casePage.bodySites')}</h2>
        {clinicalCase.bodySites.length === 0 ? (
          <p className="empty">{t('casePage.noBodySite')}</p>
        ) : (
          <ul className="chips" data-testid="case-body-sites">
            {clinicalCase.bodySites.map((site) => (
              <li key={site} className="chip" data-site={site}>
                {siteLabel(undefined, site)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="doctors-title">
        <h2 id="doctors-title">{t('casePage.doctors')}</h2>
        {clinicalCase.doctors.length === 0 ? (
          <p className="empty">{t('casePage.noDoctor')}</p>
        ) : (
          <ul className="doctor-list" data-testid="case-doctors">
            {clinicalCase.doctors.map((doctor) => (
              <li key={`${doctor.doctorId}-${doctor.kind}`} className="doctor-list__item">
                <PersonName userId={doctor.doctorId} fallback={t('casePage.aDoctor')} />
                <DoctorAccess doctor={doctor} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="plan-title">
        <h2 id="plan-title">{t('casePage.plan')}</h2>
        {clinicalCase.followUpPlan === null || clinicalCase.followUpPlan.trim() === '' ? (
          <p className="empty">{t('casePage.noPlan')}</p>
        ) : (
          <p className="plan" translate="no">
            {clinicalCase.followUpPlan}
          </p>
        )}
      </section>
    </article>
  );
}

function DoctorAccess({ doctor }: { doctor: CaseDoctor }) {
  const { t } = useTranslation('cases');
  if (doctor.kind === 'assigned') return <span className="tag tag--assigned">{t('casePage.assigned')}</span>;
  return (
    <span className="tag tag--invited">
      {doctor.expiresAt !== undefined
        ? t('casePage.invitedUntil', { date: formatDateTime(doctor.expiresAt) })
        : t('casePage.invited')}
    </span>
  );
}
