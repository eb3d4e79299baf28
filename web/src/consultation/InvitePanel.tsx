// Consultation, first step: an assigned doctor asks a colleague of the clinic to look at the case
// for a while (the invitation grants access until it expires or is ended), and ends it when done.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Case, Person } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { PersonPicker } from '../components/PersonPicker.tsx';
import { describePerson, queryKeys, usePeople } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';

/** How long a colleague may see the case; the API allows 1 hour to 30 days. */
export const DURATIONS: ReadonlyArray<{ hours: number; label: string }> = [
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '1 week' },
  { hours: 720, label: '30 days' },
];

export function InvitePanel({ clinicalCase }: { clinicalCase: Case }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [colleague, setColleague] = useState<Person | null>(null);
  const [hours, setHours] = useState(DURATIONS[0]?.hours ?? 24);
  const invited = clinicalCase.doctors.filter((doctor) => doctor.kind === 'invited');
  const people = usePeople(invited.map((doctor) => doctor.doctorId));
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.caseDetail(clinicalCase.caseId) });
  const invite = useMutation({
    mutationFn: (doctor: Person) => api.inviteDoctor(clinicalCase.caseId, { doctorId: doctor.userId, expiresInHours: hours }),
    onSuccess: async () => {
      setColleague(null);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (doctorId: string) => api.revokeInvitation(clinicalCase.caseId, doctorId),
    onSuccess: refresh,
  });

  return (
    <section className="invite-panel" data-testid="invite-panel" aria-labelledby="invite-title">
      <h2 id="invite-title">Ask a colleague</h2>
      {invited.length > 0 && (
        <ul className="doctor-list" data-testid="invitations">
          {invited.map((doctor) => (
            <li key={doctor.doctorId} className="doctor-list__item" data-testid="invitation" data-doctor-id={doctor.doctorId}>
              <span>{describePerson(people.get(doctor.doctorId), 'A colleague')}</span>
              {doctor.expiresAt !== undefined && <span className="hint"> until {formatDateTime(doctor.expiresAt)}</span>}
              <button
                type="button"
                className="button button--small button--secondary"
                data-testid="invitation-revoke"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(doctor.doctorId)}
              >
                End access
              </button>
            </li>
          ))}
        </ul>
      )}
      {colleague === null ? (
        <PersonPicker role="doctor" label="Find a colleague" testId="invite-doctor" onPick={setColleague} />
      ) : (
        <div className="invite-panel__confirm">
          <p data-testid="invite-chosen">
            Invite <strong>{describePerson(colleague, colleague.name)}</strong> to see this case for
          </p>
          <select
            className="field__input"
            data-testid="invite-duration"
            value={hours}
            onChange={(event) => setHours(Number(event.target.value))}
          >
            {DURATIONS.map((duration) => (
              <option key={duration.hours} value={duration.hours}>
                {duration.label}
              </option>
            ))}
          </select>
          <div className="form-actions">
            <button
              type="button"
              className="button"
              data-testid="invite-send"
              disabled={invite.isPending}
              onClick={() => invite.mutate(colleague)}
            >
              {invite.isPending ? 'Inviting…' : 'Invite'}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setColleague(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {invite.error !== null && <ErrorBanner error={invite.error} />}
      {revoke.error !== null && <ErrorBanner error={revoke.error} />}
    </section>
  );
}
