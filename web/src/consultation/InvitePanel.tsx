// Consultation, first step: an assigned doctor asks a colleague of the clinic to look at the case
// for a while (the invitation grants access until it expires or is ended), and ends it when done.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Case, Person } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { PersonPicker } from '../components/PersonPicker.tsx';
import { describePerson, queryKeys, reloadChanged, usePeople } from '../data/index.ts';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { Trans, useTranslation } from 'react-i18next';

/** How long a colleague may see the case (hours); the API allows 1 hour to 30 days. */
export const DURATIONS: readonly number[] = [24, 72, 168, 720];

export function InvitePanel({ clinicalCase }: { clinicalCase: Case }) {
  const { api } = useServices();
  const { t } = useTranslation('consultation');
  const queryClient = useQueryClient();
  const [colleague, setColleague] = useState<Person | null>(null);
  const [hours, setHours] = useState(DURATIONS[0] ?? 24);
  const [question, setQuestion] = useState('');
  const invited = clinicalCase.doctors.filter((doctor) => doctor.kind === 'invited');
  const people = usePeople(invited.map((doctor) => doctor.doctorId));
  const refresh = () => reloadChanged(queryClient, queryKeys.caseDetail(clinicalCase.caseId));
  const invite = useMutation({
    mutationFn: (doctor: Person) =>
      api.inviteDoctor(clinicalCase.caseId, {
        doctorId: doctor.userId,
        expiresInHours: hours,
        ...(question.trim() !== '' ? { question: question.trim() } : {}),
      }),
    onSuccess: async () => {
      setColleague(null);
      setQuestion('');
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (doctorId: string) => api.revokeInvitation(clinicalCase.caseId, doctorId),
    onSuccess: refresh,
  });

  return (
    <section className="invite-panel" data-testid="invite-panel" aria-labelledby="invite-title">
      <h2 id="invite-title">{t('invite.title')}</h2>
      {invited.length > 0 && (
        <ul className="doctor-list" data-testid="invitations">
          {invited.map((doctor) => (
            <li key={doctor.doctorId} className="doctor-list__item" data-testid="invitation" data-doctor-id={doctor.doctorId}>
              <span translate="no">{describePerson(people.get(doctor.doctorId), t('people.colleague'))}</span>
              {doctor.expiresAt !== undefined && <span className="hint"> {t('invite.until', { at: formatDateTime(doctor.expiresAt) })}</span>}
              <span className="tag" data-testid="invitation-answer" data-answer={doctor.answer ?? 'pending'}>
                {t(`invite.answer.${doctor.answer ?? 'pending'}`)}
              </span>
              <button
                type="button"
                className="button button--small button--secondary"
                data-testid="invitation-revoke"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(doctor.doctorId)}
              >
                {t('invite.end')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {colleague === null ? (
        <PersonPicker role="doctor" label={t('invite.find')} testId="invite-doctor" onPick={setColleague} />
      ) : (
        <div className="invite-panel__confirm">
          <p data-testid="invite-chosen">
            <Trans
              t={t}
              i18nKey="invite.chosen"
              values={{ name: describePerson(colleague, colleague.name) }}
              components={{ strong: <strong translate="no" /> }}
            />
          </p>
          <select
            className="field__input"
            data-testid="invite-duration"
            value={hours}
            onChange={(event) => setHours(Number(event.target.value))}
          >
            {DURATIONS.map((duration) => (
              <option key={duration} value={duration}>
                {t(`invite.duration.${duration}` as 'invite.duration.24')}
              </option>
            ))}
          </select>
          <label className="field">
            <span className="field__label">{t('invite.question')}</span>
            <textarea
              className="field__input"
              data-testid="invite-question"
              maxLength={1000}
              rows={3}
              value={question}
              onChange={(event) => setQuestion(event.target.value)}
            />
          </label>
          <div className="form-actions">
            <button
              type="button"
              className="button"
              data-testid="invite-send"
              disabled={invite.isPending}
              onClick={() => invite.mutate(colleague)}
            >
              {invite.isPending ? t('invite.inviting') : t('invite.send')}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setColleague(null)}>
              {t('cancel')}
            </button>
          </div>
        </div>
      )}
      {invite.error !== null && <ErrorBanner error={invite.error} />}
      {revoke.error !== null && <ErrorBanner error={revoke.error} />}
    </section>
  );
}
