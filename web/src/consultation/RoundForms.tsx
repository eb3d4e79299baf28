// The forms of a consultation round: opening one, a reader's blinded read, the lead's consensus.

import { useState, type FormEvent } from 'react';
import type { Case, Photo, Score } from '../api/types.ts';
import type { ConsultationRead } from '../api/consultation.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { ActionError } from '../cases/ActionError.tsx';
import { SHORT_LABELS } from '../cases/scorePreview.ts';
import { describePerson, usePeople } from '../data/index.ts';
import { formatDate } from '../format.ts';
import { Icd10Picker } from '../record/Icd10Picker.tsx';
import { confidenceLevels, igaGrades } from './figures.ts';
import type { useRoundActions } from './useConsultation.ts';
import { useTranslation } from 'react-i18next';

type Actions = ReturnType<typeof useRoundActions>;

export function scoreLabel(score: Score): string {
  return `${SHORT_LABELS[score.instrument]} ${score.total} · ${formatDate(score.recordedAt)}`;
}

/** The case's doctors who may read now: assigned, or invited with a grant still running. */
function currentDoctors(clinicalCase: Case, now: number): string[] {
  return clinicalCase.doctors
    .filter((doctor) => doctor.kind === 'assigned' || doctor.expiresAt === undefined || Date.parse(doctor.expiresAt) > now)
    .map((doctor) => doctor.doctorId)
    .filter((id, index, all) => all.indexOf(id) === index);
}

function toggled(list: string[], id: string): string[] {
  return list.includes(id) ? list.filter((item) => item !== id) : [...list, id];
}

export function OpenRoundForm({ clinicalCase, photos, scores, actions, onDone }: {
  clinicalCase: Case;
  photos: Photo[];
  scores: Score[];
  actions: Actions;
  onDone: () => void;
}) {
  const me = useSignedInUser();
  const { t } = useTranslation('consultation');
  const [question, setQuestion] = useState('');
  const [photoIds, setPhotoIds] = useState<string[]>([]);
  const [scoreIds, setScoreIds] = useState<string[]>([]);
  const [readerIds, setReaderIds] = useState<string[]>([]);
  const [now] = useState(() => Date.now());
  const doctors = currentDoctors(clinicalCase, now);
  const people = usePeople(doctors);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    actions.open.mutate({ question, photoIds, scoreIds, readerIds }, { onSuccess: onDone });
  };
  return (
    <form className="consult-form" data-testid="consult-open-form" onSubmit={submit}>
      <label className="field">
        <span className="field__label">{t('open.question')}</span>
        <textarea className="field__input" data-testid="consult-question" rows={2} maxLength={2000} required
          value={question} onChange={(event) => setQuestion(event.target.value)} />
      </label>
      <fieldset className="consult-form__group">
        <legend className="field__label">{t('open.photos')}</legend>
        {photos.length === 0 ? <p className="hint">{t('open.noPhotos')}</p> : (
          <ul className="consult-photos">
            {photos.map((photo) => {
              const picked = photoIds.includes(photo.photoId);
              return (
                <li key={photo.photoId}>
                  <button type="button" aria-pressed={picked} data-testid="consult-pick-photo" data-photo-id={photo.photoId}
                    className={`consult-photo${picked ? ' consult-photo--picked' : ''}`}
                    onClick={() => setPhotoIds(toggled(photoIds, photo.photoId))}>
                    <img src={photo.urls.thumb} alt={t('open.photoAlt', { site: photo.bodySite.replace(/_/g, ' '), date: formatDate(photo.capturedAt) })} loading="lazy" />
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </fieldset>
      <fieldset className="consult-form__group">
        <legend className="field__label">{t('open.scores')}</legend>
        {scores.length === 0 ? <p className="hint">{t('open.noScores')}</p> : (
          <ul className="consult-choices">
            {scores.map((score) => (
              <li key={score.scoreId}>
                <label className="choice">
                  <input type="checkbox" data-testid="consult-pick-score" data-score-id={score.scoreId}
                    checked={scoreIds.includes(score.scoreId)} onChange={() => setScoreIds(toggled(scoreIds, score.scoreId))} />{' '}
                  {scoreLabel(score)}
                </label>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <fieldset className="consult-form__group">
        <legend className="field__label">{t('open.readers')}</legend>
        <ul className="consult-choices">
          {doctors.map((doctorId) => (
            <li key={doctorId}>
              <label className="choice">
                <input type="checkbox" data-testid="consult-pick-reader" data-doctor-id={doctorId}
                  checked={readerIds.includes(doctorId)} onChange={() => setReaderIds(toggled(readerIds, doctorId))} />{' '}
                <span translate="no">
                  {doctorId === me.userId
                    ? t('people.you', { name: describePerson(people.get(doctorId), me.displayName) })
                    : describePerson(people.get(doctorId), t('people.colleague'))}
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <ActionError error={actions.open.error} testId="consult-open-error" />
      <div className="form-actions">
        <button type="submit" className="button" data-testid="consult-open-submit"
          disabled={actions.open.isPending || question.trim() === '' || readerIds.length === 0}>
          {t('open.submit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

export function ReadForm({ roundId, actions }: { roundId: string; actions: Actions }) {
  const { t } = useTranslation('consultation');
  const [code, setCode] = useState({ code: '', label: '' });
  const [iga, setIga] = useState<number | null>(null);
  const [pasi, setPasi] = useState('');
  const [treatment, setTreatment] = useState('');
  const [confidence, setConfidence] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const pasiValue = pasi.trim() === '' ? undefined : Number(pasi);
  const ready = code.code !== '' && iga !== null && confidence !== null && treatment.trim() !== ''
    && (pasiValue === undefined || (Number.isFinite(pasiValue) && pasiValue >= 0 && pasiValue <= 72));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || iga === null || confidence === null) return;
    actions.read.mutate({ roundId, request: {
      code: code.code, label: code.label, iga, treatment, confidence,
      ...(pasiValue !== undefined ? { pasi: pasiValue } : {}), ...(comment.trim() !== '' ? { comment } : {}),
    } });
  };
  return (
    <form className="consult-form" data-testid="consult-read-form" onSubmit={submit}>
      <p className="hint" data-testid="consult-blinded">{t('hidden.readFirst')}</p>
      <div className="field">
        <span className="field__label">{t('read.diagnosis')}</span>
        <Icd10Picker code={code.code} label={code.label} onPick={(picked, label) => setCode({ code: picked, label })} />
      </div>
      <div className="consult-form__row">
        <label className="field">
          <span className="field__label">{t('read.severity')}</span>
          <select className="field__input" data-testid="consult-read-iga" required value={iga ?? ''}
            onChange={(event) => setIga(event.target.value === '' ? null : Number(event.target.value))}>
            <option value="">{t('read.choose')}</option>
            {igaGrades().map((grade, index) => <option key={grade} value={index}>{grade}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field__label">{t('read.pasi')}</span>
          <input className="field__input" data-testid="consult-read-pasi" type="number" min={0} max={72} step={0.1}
            value={pasi} onChange={(event) => setPasi(event.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">{t('reads.confidence')}</span>
          <select className="field__input" data-testid="consult-read-confidence" required value={confidence ?? ''}
            onChange={(event) => setConfidence(event.target.value === '' ? null : Number(event.target.value))}>
            <option value="">{t('read.choose')}</option>
            {confidenceLevels().map((level, index) => <option key={level} value={index + 1}>{level}</option>)}
          </select>
        </label>
      </div>
      <label className="field">
        <span className="field__label">{t('read.treatment')}</span>
        <textarea className="field__input" data-testid="consult-read-treatment" rows={2} maxLength={2000} required
          value={treatment} onChange={(event) => setTreatment(event.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">{t('read.comment')}</span>
        <textarea className="field__input" data-testid="consult-read-comment" rows={2} maxLength={2000}
          value={comment} onChange={(event) => setComment(event.target.value)} />
      </label>
      <ActionError error={actions.read.error} testId="consult-read-error" />
      <button type="submit" className="button" data-testid="consult-read-submit" disabled={!ready || actions.read.isPending}>
        {t('read.submit')}
      </button>
    </form>
  );
}

/** The most frequent code among the reads: where the consensus form starts. */
function modalRead(reads: readonly ConsultationRead[]): ConsultationRead | undefined {
  const counts = new Map<string, number>();
  for (const read of reads) counts.set(read.code, (counts.get(read.code) ?? 0) + 1);
  return [...reads].sort((a, b) => (counts.get(b.code) ?? 0) - (counts.get(a.code) ?? 0))[0];
}

export function CloseForm({ roundId, reads, actions }: { roundId: string; reads: readonly ConsultationRead[]; actions: Actions }) {
  const start = modalRead(reads);
  const { t } = useTranslation('consultation');
  const [code, setCode] = useState({ code: start?.code ?? '', label: start?.label ?? '' });
  const [iga, setIga] = useState<number | null>(start?.iga ?? null);
  const [plan, setPlan] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    actions.close.mutate({ roundId, request: { code: code.code, label: code.label, plan, ...(iga !== null ? { iga } : {}) } });
  };
  return (
    <form className="consult-form consult-form--close" data-testid="consult-close-form" onSubmit={submit}>
      <h4>{t('consensus.title')}</h4>
      <p className="hint">{t('close.hint')}</p>
      <div className="field">
        <span className="field__label">{t('close.diagnosis')}</span>
        <Icd10Picker code={code.code} label={code.label} onPick={(picked, label) => setCode({ code: picked, label })} />
      </div>
      <label className="field">
        <span className="field__label">{t('close.severity')}</span>
        <select className="field__input" data-testid="consult-close-iga" value={iga ?? ''}
          onChange={(event) => setIga(event.target.value === '' ? null : Number(event.target.value))}>
          <option value="">{t('close.notStated')}</option>
          {igaGrades().map((grade, index) => <option key={grade} value={index}>{grade}</option>)}
        </select>
      </label>
      <label className="field">
        <span className="field__label">{t('close.plan')}</span>
        <textarea className="field__input" data-testid="consult-close-plan" rows={3} maxLength={1800} required
          value={plan} onChange={(event) => setPlan(event.target.value)} />
      </label>
      <ActionError error={actions.close.error} testId="consult-close-error" />
      <button type="submit" className="button" data-testid="consult-close-submit"
        disabled={code.code === '' || plan.trim() === '' || actions.close.isPending}>
        {t('close.submit')}
      </button>
    </form>
  );
}
