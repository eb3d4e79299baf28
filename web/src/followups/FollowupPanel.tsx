// The case's follow-up schedule: doctors schedule (once or a series), cancel, or mark done by hand
// (an in-person visit); the patient sees what is asked and goes straight to where it is answered.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Case, Followup, FollowupAsk, FollowupModality } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { casePath } from '../routing/roles.ts';
import { useServices } from '../services.tsx';
import { useCaseFollowups } from './useFollowups.ts';
import { ASKS, MODALITIES, askLabel, askTarget, modalityLabel, scheduleRequest, shortDate, stateLabel } from './wording.ts';
import './followups.css';

/** Today on this device's calendar as YYYY-MM-DD (the date input's format, whatever the language). */
function localToday(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function FollowupPanel({ clinicalCase, role }: { clinicalCase: Case; role: 'patient' | 'doctor' }) {
  const { t } = useTranslation('followups');
  const followups = useCaseFollowups(clinicalCase.caseId);
  const [scheduling, setScheduling] = useState(false);
  const items = followups.data?.items ?? [];
  const open = items.filter((f) => f.state === 'planned' || f.state === 'due' || f.state === 'overdue');
  const closed = items.filter((f) => !open.includes(f));

  return (
    <section className="followups" id="followups" data-testid="followup-panel" aria-labelledby="followups-title">
      <div className="page-heading">
        <h2 id="followups-title">{t('panel.title')}</h2>
        {role === 'doctor' && clinicalCase.status === 'open' && (
          <button type="button" className="button button--small" data-testid="followup-schedule-open"
            aria-expanded={scheduling} onClick={() => setScheduling((was) => !was)}>
            {t('panel.schedule')}
          </button>
        )}
      </div>
      {scheduling && <ScheduleForm caseId={clinicalCase.caseId} onDone={() => setScheduling(false)} />}
      {followups.isPending && <Loading label={t('panel.loading')} />}
      {followups.error !== null && <ErrorBanner error={followups.error} onRetry={() => void followups.refetch()} />}
      {followups.data !== undefined && items.length === 0 && <p className="empty">{t('panel.empty')}</p>}
      {open.length > 0 && (
        <ul className="followup-list" data-testid="followup-list">
          {open.map((f) => <FollowupRow key={f.followupId} followup={f} role={role} />)}
        </ul>
      )}
      {closed.length > 0 && (
        <details className="followup-history">
          <summary>{t('panel.earlier', { count: closed.length })}</summary>
          <ul className="followup-list" data-testid="followup-closed-list">
            {closed.map((f) => <FollowupRow key={f.followupId} followup={f} role={role} />)}
          </ul>
        </details>
      )}
    </section>
  );
}

function FollowupRow({ followup, role }: { followup: Followup; role: 'patient' | 'doctor' }) {
  const { t } = useTranslation('followups');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const close = useMutation({
    mutationFn: (how: 'cancel' | 'complete') => api.closeFollowup(followup.caseId, followup.followupId, how),
    onSuccess: () => reloadChanged(queryClient, queryKeys.followups(followup.caseId)),
  });
  const isOpen = followup.state === 'planned' || followup.state === 'due' || followup.state === 'overdue';
  return (
    <li className={`followup followup--${followup.state}`} data-testid="followup" data-state={followup.state}
      data-due={followup.dueDate}>
      <div className="followup__head">
        <strong>{shortDate(followup.dueDate)}</strong>
        <span>{modalityLabel(followup.modality)}</span>
        <span className={`tag followup-state followup-state--${followup.state}`} data-testid="followup-state">
          {stateLabel(followup.state)}
        </span>
      </div>
      {followup.asks.length > 0 && (
        <ul className="followup__asks">
          {followup.asks.map((ask) => {
            const met = followup.met.includes(ask);
            return (
              <li key={ask} data-testid="followup-ask" data-met={met}>
                <span aria-hidden="true">{met ? '✓' : '○'}</span> {askLabel(ask)}
                {met && <span className="visually-hidden"> {t('row.received')}</span>}
                {role === 'patient' && isOpen && !met && (
                  <Link className="button button--small" to={askTarget(casePath(followup.caseId), ask)}>{t('row.doItNow')}</Link>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {role === 'doctor' && isOpen && (
        <div className="followup__actions">
          <button type="button" className="button button--small button--secondary" data-testid="followup-complete"
            disabled={close.isPending} onClick={() => close.mutate('complete')}>{t('row.markDone')}</button>
          <button type="button" className="button button--small button--secondary" data-testid="followup-cancel"
            disabled={close.isPending} onClick={() => close.mutate('cancel')}>{t('row.cancel')}</button>
        </div>
      )}
      <ActionError error={close.error} />
    </li>
  );
}

const REPEATS = [
  { weeks: 0, key: 'once' },
  { weeks: 1, key: 'everyWeek' },
  { weeks: 2, key: 'every2Weeks' },
  { weeks: 4, key: 'every4Weeks' },
] as const;

function ScheduleForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation('followups');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [dueDate, setDueDate] = useState('');
  const [modality, setModality] = useState<FollowupModality>('photo-review');
  const [asks, setAsks] = useState<FollowupAsk[]>(['photos']);
  const [everyWeeks, setEveryWeeks] = useState(0);
  const [times, setTimes] = useState(6);
  const [problem, setProblem] = useState<string | null>(null);
  const schedule = useMutation({
    mutationFn: (request: Parameters<typeof api.scheduleFollowups>[1]) => api.scheduleFollowups(caseId, request),
    onSuccess: async () => {
      // Reloaded even where the list is not on screen, so it is fresh when shown again.
      await reloadChanged(queryClient, queryKeys.followups(caseId), 'all');
      onDone();
    },
  });
  const chooseModality = (next: FollowupModality) => {
    setModality(next);
    setAsks(MODALITIES.find((m) => m.modality === next)?.asks ?? []);
  };
  const toggle = (ask: FollowupAsk) =>
    setAsks((current) => (current.includes(ask) ? current.filter((a) => a !== ask) : [...current, ask]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const request = scheduleRequest({ dueDate, modality, asks, everyWeeks, times }, localToday());
    if (typeof request === 'string') {
      setProblem(request);
      return;
    }
    setProblem(null);
    schedule.mutate(request);
  };
  return (
    <form className="followup-form" data-testid="followup-form" onSubmit={submit}>
      <label>
        {t('form.dueOn')}
        <input type="date" value={dueDate} min={localToday()} data-testid="followup-due"
          onChange={(event) => setDueDate(event.target.value)} required />
      </label>
      <label>
        {t('form.how')}
        <select value={modality} data-testid="followup-modality"
          onChange={(event) => chooseModality(event.target.value as FollowupModality)}>
          {MODALITIES.map((m) => <option key={m.modality} value={m.modality}>{modalityLabel(m.modality)}</option>)}
        </select>
      </label>
      <fieldset>
        <legend>{t('form.askedFor')}</legend>
        {ASKS.map((ask) => (
          <label key={ask} className="checkbox">
            <input type="checkbox" checked={asks.includes(ask)} data-testid={`followup-ask-${ask}`}
              onChange={() => toggle(ask)} />
            {askLabel(ask)}
          </label>
        ))}
      </fieldset>
      <label>
        {t('form.repeat')}
        <select value={everyWeeks} data-testid="followup-repeat"
          onChange={(event) => setEveryWeeks(Number(event.target.value))}>
          {REPEATS.map((r) => <option key={r.weeks} value={r.weeks}>{t(`form.repeats.${r.key}`)}</option>)}
        </select>
      </label>
      {everyWeeks > 0 && (
        <label>
          {t('form.times')}
          <input type="number" min={2} max={52} value={times} data-testid="followup-times"
            onChange={(event) => setTimes(Number(event.target.value))} />
        </label>
      )}
      {problem !== null && <p className="action-error" role="alert" data-testid="followup-problem">{problem}</p>}
      <ActionError error={schedule.error} />
      <div className="followup__actions">
        <button type="submit" className="button" data-testid="followup-submit" disabled={schedule.isPending}>
          {t('form.submit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onDone}>{t('form.close')}</button>
      </div>
    </form>
  );
}
