// After a visit, its patient rates the call and the care (1-5 each, big targets for a phone) and may
// add a comment, which only the case's doctors read. The clinic sees the figures.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

const SCALE = [1, 2, 3, 4, 5] as const;

function Stars({ name, label, value, onChange }: { name: string; label: string; value: number; onChange: (v: number) => void }) {
  const { t } = useTranslation('feedback');
  return (
    <fieldset className="rating-scale" data-testid={`rating-${name}`}>
      <legend>{label}</legend>
      {SCALE.map((score) => (
        <label key={score} className={`rating-scale__choice${value === score ? ' rating-scale__choice--on' : ''}`}
          data-testid={`rating-${name}-${score}`}>
          <input type="radio" name={name} value={score} checked={value === score} onChange={() => onChange(score)} />
          <span aria-hidden="true">{score}</span>
          <span className="visually-hidden">{t(`rate.scale.${score}`)}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function RateVisit({ roomId, caseId }: { roomId: string; caseId: string | null }) {
  const { t } = useTranslation('feedback');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [callQuality, setCallQuality] = useState(0);
  const [care, setCare] = useState(0);
  const [comment, setComment] = useState('');
  const rate = useMutation({
    mutationFn: () => api.rateVisit(roomId, { callQuality, care, ...(comment.trim() ? { comment: comment.trim() } : {}) }),
    onSuccess: () => {
      if (caseId !== null) void reloadChanged(queryClient, queryKeys.visitRatings(caseId));
    },
  });
  const already = rate.error instanceof ApiError && rate.error.code === 'already_rated';
  if (rate.isSuccess || already) {
    return <p className="rate-visit__thanks" role="status" data-testid="rating-thanks">{t('rate.thanks')}</p>;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rate.mutate();
  };
  return (
    <form className="rate-visit" data-testid="rate-visit" onSubmit={submit} aria-labelledby="rate-visit-title">
      <h2 id="rate-visit-title">{t('rate.title')}</h2>
      <Stars name="call" label={t('rate.call')} value={callQuality} onChange={setCallQuality} />
      <Stars name="care" label={t('rate.care')} value={care} onChange={setCare} />
      <label className="rate-visit__comment">
        {t('rate.comment')}
        <textarea maxLength={1000} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="rating-comment" />
      </label>
      <button type="submit" className="button button--block" data-testid="rating-submit"
        disabled={callQuality === 0 || care === 0 || rate.isPending}>
        {t('rate.send')}
      </button>
      <ActionError error={rate.error} />
    </form>
  );
}
