// A doctor opens a case from the app: finds the patient by name among the clinic's patients, names the
// condition, picks body sites on the body map and may assign colleagues; the new case opens at once.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Person } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { PersonPicker } from '../components/PersonPicker.tsx';
import { describePerson, queryKeys, reloadChanged, storeChanged } from '../data/index.ts';
import { BodySitePicker } from '../record/BodySitePicker.tsx';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import { useBodySites } from './useCaseData.ts';

export function OpenCaseForm({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const sites = useBodySites();
  const [patient, setPatient] = useState<Person | null>(null);
  const [condition, setCondition] = useState('');
  const [bodySites, setBodySites] = useState<string[]>([]);
  const [colleagues, setColleagues] = useState<Person[]>([]);
  const open = useMutation({
    mutationFn: () =>
      api.openCase({
        patientId: patient?.userId ?? '',
        condition: condition.trim(),
        bodySites,
        assignedDoctorIds: colleagues.map((doctor) => doctor.userId),
      }),
    onSuccess: async (created) => {
      await storeChanged(queryClient, queryKeys.caseDetail(created.caseId), created);
      await reloadChanged(queryClient, queryKeys.caseLists());
      void navigate(casePath(created.caseId));
    },
  });
  const ready = patient !== null && condition.trim() !== '' && !open.isPending;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready) open.mutate();
  };

  return (
    <form className="open-case" data-testid="open-case-form" onSubmit={submit} aria-labelledby="open-case-title">
      <h2 id="open-case-title">{t('openCase.title')}</h2>
      {patient === null ? (
        <PersonPicker role="patient" label={t('openCase.patient')} testId="open-case-patient" onPick={setPatient} />
      ) : (
        <p data-testid="open-case-patient-chosen">
          {t('openCase.patientChosen')} <strong translate="no">{describePerson(patient, patient.name)}</strong>{' '}
          <button type="button" className="button button--link" onClick={() => setPatient(null)}>
            {t('openCase.change')}
          </button>
        </p>
      )}
      <label className="field">
        <span>{t('openCase.condition')}</span>
        <input
          value={condition}
          maxLength={200}
          data-testid="open-case-condition"
          onChange={(event) => setCondition(event.target.value)}
          placeholder={t('openCase.conditionPlaceholder')}
        />
      </label>
      <fieldset className="field">
        <legend>{t('openCase.bodySites')}</legend>
        <BodySitePicker sites={sites.data?.sites} selected={bodySites} onChange={setBodySites} />
      </fieldset>
      <PersonPicker
        role="doctor"
        label={t('openCase.colleagues')}
        testId="open-case-doctor"
        onPick={(doctor) => setColleagues((chosen) => (chosen.some((d) => d.userId === doctor.userId) ? chosen : [...chosen, doctor]))}
      />
      {colleagues.length > 0 && (
        <ul className="chips" data-testid="open-case-colleagues">
          {colleagues.map((doctor) => (
            <li key={doctor.userId} className="chip">
              <span translate="no">{describePerson(doctor, doctor.name)}</span>{' '}
              <button
                type="button"
                className="button button--link"
                aria-label={t('openCase.remove', { name: doctor.name })}
                onClick={() => setColleagues((chosen) => chosen.filter((d) => d.userId !== doctor.userId))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {open.error !== null && <ErrorBanner error={open.error} />}
      <div className="form-actions">
        <button type="submit" className="button" data-testid="open-case-submit" disabled={!ready}>
          {open.isPending ? t('openCase.opening') : t('openCase.submit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onClose}>
          {t('openCase.cancel')}
        </button>
      </div>
    </form>
  );
}
