// Consultation rounds on the case page (doctors): open a round, read it blinded, see the others'
// reads once yours is in, and (the lead) close it with a consensus that goes into the record.

import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import type { Case, Photo, Score } from '../api/types.ts';
import type { ConsultationRead, ConsultationRound } from '../api/consultation.ts';
import { usePhotoList, useScores } from '../cases/useCaseData.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { roundAnchor } from '../routing/roles.ts';
import { confidenceLevels, hiddenReadsText, igaGrades, mayClose, mayRead, share } from './figures.ts';
import { CloseForm, OpenRoundForm, ReadForm, scoreLabel } from './RoundForms.tsx';
import { useDoctorNames, useLinkedRound, useRoundActions, useRounds } from './useConsultation.ts';
import { Trans, useTranslation } from 'react-i18next';
import './consultation.css';

export function ConsultationRounds({ clinicalCase }: { clinicalCase: Case }) {
  const caseId = clinicalCase.caseId;
  const rounds = useRounds(caseId);
  const photos = usePhotoList(caseId, { limit: 50 });
  const scores = useScores(caseId);
  const openActions = useRoundActions(caseId);
  const [opening, setOpening] = useState(false);
  const items = rounds.data?.items ?? [];
  // A link to a round older than the newest 20 (from the home page or a colleague): fetched on its own
  // and shown first, so the link always lands on its round.
  const { hash } = useLocation();
  const linkedId = hash.startsWith(`#${roundAnchor('')}`) ? decodeURIComponent(hash.slice(roundAnchor('').length + 1)) : null;
  const older = rounds.data !== undefined && linkedId !== null && !items.some((round) => round.roundId === linkedId);
  const linked = useLinkedRound(caseId, older ? linkedId : null);
  const nameOf = useDoctorNames(linked.data === undefined ? items : [linked.data, ...items]);
  const { t } = useTranslation('consultation');
  return (
    <section className="consult-rounds" data-testid="consult-rounds" aria-labelledby="consult-rounds-title">
      <div className="consult-rounds__heading">
        <h2 id="consult-rounds-title">{t('rounds.title')}</h2>
        <button type="button" className="button button--small" data-testid="consult-open-round" aria-expanded={opening}
          onClick={() => setOpening((was) => !was)}>
          {t('rounds.open')}
        </button>
        <button type="button" className="button button--small button--secondary" data-testid="consult-refresh"
          disabled={rounds.isFetching} onClick={() => void rounds.refetch()}>
          {t('rounds.refresh')}
        </button>
      </div>
      <p className="hint">{t('rounds.hint')}</p>
      {opening && (
        <OpenRoundForm clinicalCase={clinicalCase} photos={photos.data ?? []} scores={scores.data ?? []}
          actions={openActions} onDone={() => setOpening(false)} />
      )}
      {rounds.isPending && <Loading label={t('rounds.loading')} />}
      {rounds.error !== null && <ErrorBanner error={rounds.error} onRetry={() => void rounds.refetch()} />}
      {older && linked.error !== null && <ErrorBanner error={linked.error} onRetry={() => void linked.refetch()} />}
      {older && linked.data !== undefined && (
        <div className="consult-rounds__linked" data-testid="consult-linked-round">
          <p className="hint">{t('rounds.linkedOlder')}</p>
          <RoundCard round={linked.data} caseId={caseId} photos={photos.data ?? []} scores={scores.data ?? []} nameOf={nameOf} />
        </div>
      )}
      {rounds.data !== undefined && items.length === 0 && <p className="empty">{t('rounds.none')}</p>}
      {items.map((round) => (
        <RoundCard key={round.roundId} round={round} caseId={caseId} photos={photos.data ?? []} scores={scores.data ?? []}
          nameOf={nameOf} />
      ))}
    </section>
  );
}

function RoundCard({ round, caseId, photos, scores, nameOf }: {
  round: ConsultationRound;
  caseId: string;
  photos: Photo[];
  scores: Score[];
  nameOf: (id: string) => string;
}) {
  const actions = useRoundActions(caseId);
  const { t } = useTranslation('consultation');
  const anchor = roundAnchor(round.roundId);
  const card = useRef<HTMLElement>(null);
  const { hash } = useLocation();
  // Opened from a link to this round (the home page's "awaiting your read"): bring the round into
  // view and move the focus to it, so a keyboard or screen-reader user starts there.
  useEffect(() => {
    if (hash !== `#${anchor}` || card.current === null) return;
    card.current.scrollIntoView({ block: 'start' });
    card.current.focus({ preventScroll: true });
  }, [hash, anchor]);
  return (
    <article className={`consult-round consult-round--${round.status}`} data-testid="consult-round"
      data-round-id={round.roundId} data-status={round.status} id={anchor} ref={card} tabIndex={-1}
      aria-labelledby={`${anchor}-question`}>
      <header className="consult-round__header">
        <h3 className="consult-round__question" id={`${anchor}-question`} data-testid="consult-round-question" translate="no">{round.question}</h3>
        <span className={`tag consult-status--${round.status}`}>{round.status === 'open' ? t('rounds.status.open') : t('rounds.status.closed')}</span>
      </header>
      <p className="consult-round__meta">
        <Trans
          t={t}
          i18nKey="rounds.openedBy"
          values={{ name: nameOf(round.leadId), at: formatDateTime(round.openedAt) }}
          components={{ name: <span translate="no" /> }}
        />
      </p>
      <Material round={round} photos={photos} scores={scores} />
      {round.readers !== null && (
        <p className="consult-round__readers" data-testid="consult-readers">
          {t('rounds.readers')}{' '}
          {round.readers.map((reader, index) => (
            <span key={reader.doctorId}>
              {index > 0 && t('rounds.separator')}
              <span translate="no">{nameOf(reader.doctorId)}</span> {reader.read ? t('rounds.read') : t('rounds.notYet')}
            </span>
          ))}
        </p>
      )}
      {mayRead(round) && <ReadForm roundId={round.roundId} actions={actions} />}
      {!round.readsVisible && round.myRead !== null && (
        <ReadsTable reads={[round.myRead]} nameOf={nameOf} caption={t('reads.mine')} />
      )}
      {!round.readsVisible && !mayRead(round) && (
        <p className="hint" data-testid="consult-hidden" data-reason={round.hiddenReason ?? ''}>{hiddenReadsText(round)}</p>
      )}
      {round.readsVisible && round.reads !== null && round.reads.length > 0 && (
        <>
          <ReadsTable reads={round.reads} nameOf={nameOf} caption={t('reads.title')} />
          {round.agreement !== null && round.agreement.reads >= 2 && (
            <p data-testid="consult-agreement">
              {t('rounds.agreement', {
                diagnosis: share(round.agreement.diagnosis),
                severity: share(round.agreement.severity),
                pairs: t('rounds.pairs', { count: round.agreement.pairs }),
              })}
              {round.agreement.withConsensus !== undefined && t('rounds.withConsensus', { share: share(round.agreement.withConsensus) })}
            </p>
          )}
        </>
      )}
      {mayClose(round) && <CloseForm roundId={round.roundId} reads={round.reads ?? []} actions={actions} />}
      {round.consensus !== null && (
        <div className="consult-consensus" data-testid="consult-consensus" data-code={round.consensus.code}>
          <h4>{t('consensus.title')}</h4>
          <p>
            <span className="mono">{round.consensus.code}</span> <span translate="no">{round.consensus.label}</span>
            {round.consensus.iga !== null && t('consensus.iga', { grade: igaGrades()[round.consensus.iga] ?? round.consensus.iga })}
          </p>
          <p className="consult-consensus__plan" translate="no">{round.consensus.plan}</p>
          <p className="hint">
            <Trans
              t={t}
              i18nKey="consensus.by"
              values={{ name: nameOf(round.consensus.closedBy), at: formatDateTime(round.consensus.closedAt) }}
              components={{ name: <span translate="no" /> }}
            />{' '}
            <button type="button" className="link-button" data-testid="consult-record-link"
              data-entry-id={round.consensus.recordEntryId}
              onClick={() => showRecordEntry(round.consensus?.recordEntryId ?? '')}>
              {t('consensus.seeRecord')}
            </button>
          </p>
        </div>
      )}
    </article>
  );
}

/** Scroll the record section's entry into view and highlight it briefly. */
function showRecordEntry(entryId: string) {
  const entry = document.querySelector<HTMLElement>(`[data-testid="record-entry"][data-entry-id="${CSS.escape(entryId)}"]`);
  if (entry === null) return;
  entry.scrollIntoView({ behavior: 'smooth', block: 'center' });
  entry.classList.add('consult-highlight');
  window.setTimeout(() => entry.classList.remove('consult-highlight'), 2000);
}

function Material({ round, photos, scores }: { round: ConsultationRound; photos: Photo[]; scores: Score[] }) {
  const { t } = useTranslation('consultation');
  if (round.photoIds.length === 0 && round.scoreIds.length === 0) return null;
  return (
    <div className="consult-material" data-testid="consult-material">
      {round.photoIds.length > 0 && (
        <ul className="consult-photos">
          {round.photoIds.map((photoId) => {
            const photo = photos.find((candidate) => candidate.photoId === photoId);
            return (
              <li key={photoId} data-testid="consult-material-photo" data-photo-id={photoId}>
                {photo !== undefined ? (
                  <a href={photo.urls.display} target="_blank" rel="noreferrer">
                    <img className="consult-photo__img" src={photo.urls.thumb} alt={t('material.photoOf', { site: photo.bodySite.replace(/_/g, ' ') })} loading="lazy" />
                  </a>
                ) : <span className="hint">{t('material.olderPhoto')}</span>}
              </li>
            );
          })}
        </ul>
      )}
      {round.scoreIds.length > 0 && (
        <p>
          {t('material.scores')}{' '}
          {round.scoreIds.map((scoreId, index) => {
            const score = scores.find((candidate) => candidate.scoreId === scoreId);
            return <span key={scoreId}>{index > 0 && t('rounds.separator')}{score !== undefined ? scoreLabel(score) : t('material.olderScore')}</span>;
          })}
        </p>
      )}
    </div>
  );
}

function ReadsTable({ reads, nameOf, caption }: { reads: ConsultationRead[]; nameOf: (id: string) => string; caption: string }) {
  const { t } = useTranslation('consultation');
  const iga = igaGrades();
  const confidence = confidenceLevels();
  return (
    <div className="table-scroll">
      <table className="case-table consult-reads" data-testid="consult-reads">
        <caption>{caption}</caption>
        <thead>
          <tr><th scope="col">{t('reads.reader')}</th><th scope="col">{t('reads.diagnosis')}</th><th scope="col">IGA</th>
            <th scope="col">PASI</th><th scope="col">{t('reads.treatment')}</th><th scope="col">{t('reads.confidence')}</th>
            <th scope="col">{t('reads.comment')}</th></tr>
        </thead>
        <tbody>
          {reads.map((read) => (
            <tr key={read.readerId} data-testid="consult-read" data-code={read.code}>
              <th scope="row" translate="no">{nameOf(read.readerId)}</th>
              <td><span className="mono">{read.code}</span> <span translate="no">{read.label}</span></td>
              <td>{iga[read.iga] ?? read.iga}</td>
              <td>{read.pasi ?? '–'}</td>
              <td translate="no">{read.treatment}</td>
              <td>{confidence[read.confidence - 1] ?? read.confidence}</td>
              <td translate="no">{read.comment ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
