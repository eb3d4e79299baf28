import { useMemo, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { Role, Score, ScoreInstrument } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { currentLanguage } from '../i18n/index.ts';
import { useServices } from '../services.tsx';
import { ActionError } from './ActionError.tsx';
import {
  bandLabel,
  CLINICIAN_RATED,
  instrumentName,
  INSTRUMENTS,
  MAX_TOTAL,
  MCID,
  previewScore,
  shortLabel,
} from './scorePreview.ts';
import { emptyComponents, ScoreForm, type Components } from './ScoreForms.tsx';
import { flagLabel } from './eventText.ts';
import { trendLayout } from './trend.ts';
import { useScores } from './useCaseData.ts';

/** The server's own sentence (English) as a tooltip, for people reading English only: an attribute
 * cannot be marked as data, and the translated flag label already says it. */
function serverWords(message: string): string | undefined {
  return currentLanguage() === 'en' ? message : undefined;
}

interface Props {
  caseId: string;
  role: Role;
  onChanged: () => void;
}

/** Recording a score and the trend of every instrument on the case. */
export function ScoresPanel({ caseId, role, onChanged }: Props) {
  const { t } = useTranslation('cases');
  const scores = useScores(caseId);
  const available = INSTRUMENTS.filter((instrument) => role === 'doctor' || !CLINICIAN_RATED.has(instrument));
  const grouped = useMemo(() => groupByInstrument(scores.data ?? []), [scores.data]);

  return (
    <div className="scores" data-testid="scores-panel">
      <ScoreEntry caseId={caseId} role={role} instruments={available} onRecorded={onChanged} />

      <h3>{t('scores.trends')}</h3>
      {scores.error !== null && <ErrorBanner error={scores.error} onRetry={() => void scores.refetch()} />}
      {scores.data === undefined && scores.isFetching && <Loading label={t('scores.loading')} />}
      {scores.data !== undefined && grouped.size === 0 && <p className="empty">{t('scores.none')}</p>}
      <div className="trends">
        {INSTRUMENTS.filter((instrument) => grouped.has(instrument)).map((instrument) => (
          <TrendCard key={instrument} instrument={instrument} scores={grouped.get(instrument)!} />
        ))}
      </div>
    </div>
  );
}

function groupByInstrument(scores: readonly Score[]): Map<ScoreInstrument, Score[]> {
  const grouped = new Map<ScoreInstrument, Score[]>();
  for (const score of scores) {
    const list = grouped.get(score.instrument) ?? [];
    list.push(score);
    grouped.set(score.instrument, list);
  }
  return grouped;
}

function ScoreEntry({
  caseId,
  role,
  instruments,
  onRecorded,
}: {
  caseId: string;
  role: Role;
  instruments: ScoreInstrument[];
  onRecorded: () => void;
}) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const [instrument, setInstrument] = useState<ScoreInstrument>(instruments[0] ?? 'DLQI');
  const [components, setComponents] = useState<Components>(() => emptyComponents(instrument));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<Score | null>(null);
  // Problems are listed once the form has been touched, not on an empty form.
  const [touched, setTouched] = useState(false);
  const preview = previewScore(instrument, components);

  const choose = (next: ScoreInstrument) => {
    setInstrument(next);
    setComponents(emptyComponents(next));
    setTouched(false);
    setError(null);
  };

  const edit = (next: Components) => {
    setComponents(next);
    setTouched(true);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!preview.ok) return;
    setSaving(true);
    setError(null);
    setResult(null);
    try {
      const recorded = await api.recordScore(caseId, { instrument, components });
      setResult(recorded);
      setComponents(emptyComponents(instrument));
      setTouched(false);
      onRecorded();
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="score-entry" onSubmit={(event) => void submit(event)} data-testid="score-form" data-instrument={instrument}>
      <h3>{role === 'patient' ? t('scores.patientTitle') : t('scores.doctorTitle')}</h3>
      <label className="field">
        <span className="field__label">{t('scores.instrument')}</span>
        <select
          className="field__input"
          data-testid="score-instrument"
          value={instrument}
          onChange={(event) => choose(event.target.value as ScoreInstrument)}
        >
          {instruments.map((candidate) => (
            <option key={candidate} value={candidate}>
              {instrumentName(candidate)}
            </option>
          ))}
        </select>
      </label>
      {role === 'doctor' && !CLINICIAN_RATED.has(instrument) && (
        <p className="hint">{t('scores.onBehalf')}</p>
      )}

      <ScoreForm instrument={instrument} components={components} onChange={edit} />

      <div className="score-entry__footer">
        {preview.ok ? (
          <p className="score-preview" data-testid="score-preview-total" aria-live="polite">
            <Trans t={t} i18nKey="scores.previewTotal" values={{ total: preview.total, max: MAX_TOTAL[instrument] }} components={{ strong: <strong /> }} />
            {preview.band ? ` · ${bandLabel(preview.band)}` : ''}
          </p>
        ) : !touched ? (
          <p className="score-preview hint" data-testid="score-preview-empty">
            {t('scores.answerToSee')}
          </p>
        ) : (
          <ul className="score-preview score-preview--errors" data-testid="score-preview-errors">
            {preview.errors.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        )}
        <button type="submit" className="button button--primary button--block" disabled={!preview.ok || saving} data-testid="score-submit">
          {saving ? t('scores.saving') : t('scores.save')}
        </button>
      </div>
      <ActionError error={error} testId="score-error" />
      {result !== null && <ScoreResult score={result} />}
    </form>
  );
}

/** The server's answer: its total is the one stored; flags mark meaningful change. */
function ScoreResult({ score }: { score: Score }) {
  const { t } = useTranslation('cases');
  const delta = score.change?.delta;
  return (
    <div className="score-result" role="status" data-testid="score-result" data-instrument={score.instrument}>
      <p>
        <Trans
          t={t}
          i18nKey="scores.saved"
          values={{ instrument: shortLabel(score.instrument), total: score.total }}
          components={{ total: <strong data-testid="score-result-total" /> }}
        />
        {score.band ? ` (${bandLabel(score.band)})` : ''}
        {delta !== null && delta !== undefined && (
          <span data-testid="score-result-delta">
            {' '}
            · {t('scores.sinceLast', { delta: `${delta > 0 ? '+' : ''}${delta}` })}
          </span>
        )}
      </p>
      <Flags score={score} />
    </div>
  );
}

function Flags({ score }: { score: Score }) {
  if (score.flags.length === 0) return null;
  return (
    <ul className="flag-list">
      {score.flags.map((flag) => (
        <li
          key={flag.code}
          className={`flag flag--${flag.code.includes('worsened') ? 'worse' : 'better'}`}
          data-testid="score-flag"
          data-code={flag.code}
          title={serverWords(flag.message)}
        >
          {flagLabel(flag.code)}: <span translate="no">{flag.message}</span>
        </li>
      ))}
    </ul>
  );
}

function TrendCard({ instrument, scores }: { instrument: ScoreInstrument; scores: Score[] }) {
  const { t } = useTranslation('cases');
  const layout = trendLayout(scores, MAX_TOTAL[instrument]);
  const newestFirst = [...layout.points].reverse();
  const mcid = MCID[instrument];
  return (
    <section className="trend" data-testid="score-trend" data-instrument={instrument} aria-label={t('scores.trendLabel', { instrument: shortLabel(instrument) })}>
      <h4 className="trend__title">
        {shortLabel(instrument)}
        <span className="trend__hint">
          {instrument === 'PASI' ? t('scores.pasiHint') : mcid !== undefined ? t('scores.mcidHint', { mcid }) : ''}
        </span>
      </h4>
      <svg className="trend__chart" viewBox="0 0 320 160" role="img" aria-label={t('scores.chartLabel', { instrument: shortLabel(instrument) })}>
        {layout.ticks.map((tick) => (
          <g key={tick.value} className="trend__tick">
            <line x1={34} x2={308} y1={tick.y} y2={tick.y} />
            <text x={28} y={tick.y + 4} textAnchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        <path className="trend__line" d={layout.path} />
        {layout.points.map((point) => (
          <circle
            key={point.score.scoreId}
            className={`trend__point${point.flagged ? ' trend__point--flagged' : ''}`}
            cx={point.x}
            cy={point.y}
            r={point.flagged ? 6 : 4}
            data-testid={point.flagged ? 'score-trend-flag' : 'score-trend-point'}
          >
            <title>
              {`${formatDateTime(point.score.recordedAt)}: ${point.score.total}${point.flagged ? ` (${point.score.flags.map((flag) => flagLabel(flag.code)).join(', ')})` : ''}`}
            </title>
          </circle>
        ))}
        {layout.points.length > 0 && (
          <>
            <text className="trend__axis" x={34} y={156}>
              {formatDate(layout.points[0]!.score.recordedAt)}
            </text>
            {layout.points.length > 1 && (
              <text className="trend__axis" x={308} y={156} textAnchor="end">
                {formatDate(layout.points[layout.points.length - 1]!.score.recordedAt)}
              </text>
            )}
          </>
        )}
      </svg>
      <ol className="trend__history" data-testid="score-history">
        {newestFirst.slice(0, 5).map(({ score }) => (
          <li key={score.scoreId} data-testid="score-history-item" className={score.flags.length > 0 ? 'is-flagged' : ''}>
            <span>{formatDateTime(score.recordedAt)}</span>
            <strong>{score.total}</strong>
            {score.band && <span>{bandLabel(score.band)}</span>}
            {score.recorderRole === 'doctor' && score.onBehalfOfPatient && <span className="tag">{t('scores.enteredByDoctor')}</span>}
            {score.flags.map((flag) => (
              <span key={flag.code} className={`flag flag--${flag.code.includes('worsened') ? 'worse' : 'better'}`} title={serverWords(flag.message)}>
                {flagLabel(flag.code)}
              </span>
            ))}
          </li>
        ))}
      </ol>
    </section>
  );
}
