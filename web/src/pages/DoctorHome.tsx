import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime } from '../format.ts';
import { describePerson, usePeople } from '../data/index.ts';
import { useCaseList } from '../hooks.ts';
import { casePath, PATHS } from '../routing/roles.ts';
import { WaitingRoomLink } from '../call/VisitLinks.tsx';
import { OpenCaseForm } from '../cases/OpenCaseForm.tsx';

/** Desk layout: a scannable table of every case the doctor is assigned to or invited on. */
export function DoctorHome() {
  const cases = useCaseList();
  const firstLoad = cases.loading && cases.items.length === 0;
  const people = usePeople(cases.items.map((item) => item.patientId));
  const [opening, setOpening] = useState(false);

  return (
    <section className="doctor-home" data-testid="home-doctor" aria-labelledby="doctor-home-title">
      <div className="page-heading">
        <h1 id="doctor-home-title">Cases</h1>
        <WaitingRoomLink />
        <button
          type="button"
          className="button"
          data-testid="open-case"
          aria-expanded={opening}
          onClick={() => setOpening((was) => !was)}
        >
          Open a case
        </button>
        <Link className="button button--secondary" to={PATHS.doctorAnalytics} data-testid="open-clinic-analytics">
          Clinic analytics
        </Link>
        <button
          type="button"
          className="button button--secondary"
          onClick={cases.reload}
          disabled={cases.loading}
        >
          Refresh
        </button>
      </div>

      {opening && <OpenCaseForm onClose={() => setOpening(false)} />}
      {cases.error !== null && <ErrorBanner error={cases.error} onRetry={cases.reload} />}
      {firstLoad && <Loading label="Loading cases…" />}

      {!firstLoad && cases.error === null && cases.items.length === 0 && (
        <p className="empty">No cases are assigned to you or shared with you.</p>
      )}

      {cases.items.length > 0 && (
        <div className="table-scroll">
          <table className="case-table">
            <caption className="visually-hidden">Cases you can see</caption>
            <thead>
              <tr>
                <th scope="col">Condition</th>
                <th scope="col">Patient</th>
                <th scope="col">Status</th>
                <th scope="col">Opened</th>
                <th scope="col">Last update</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody data-testid="case-list">
              {cases.items.map((item) => (
                <tr key={item.caseId} data-testid="case-item">
                  <th scope="row">{item.condition}</th>
                  <td data-testid="case-item-patient">{describePerson(people.get(item.patientId), 'Patient')}</td>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td>{formatDateTime(item.openedAt)}</td>
                  <td>{formatDateTime(item.updatedAt)}</td>
                  <td>
                    <Link
                      className="button button--small"
                      to={casePath(item.caseId)}
                      aria-label={`Open case: ${item.condition}`}
                    >
                      Open
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {cases.hasMore && (
        <button
          type="button"
          className="button button--secondary"
          onClick={cases.loadMore}
          disabled={cases.loading}
        >
          {cases.loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
