import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asBodySiteId, type BodySite, type Lesion, type Photo, type Score } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { byCaptureTime, defaultPair, describeOffset, nearestScores } from './compare.ts';
import { bandLabel, shortLabel } from './scorePreview.ts';
import type { SiteSelection } from './selection.ts';
import { siteLabel } from './siteLabels.ts';
import { usePhotoList, useScores } from './useCaseData.ts';

interface Props {
  caseId: string;
  sites: BodySite[] | undefined;
  lesions: Lesion[];
  selection: SiteSelection | null;
}

/** What to compare: a lesion (its photos across visits) or a whole body site. */
type Subject = { kind: 'site'; id: string } | { kind: 'lesion'; id: string };

function subjectKey(subject: Subject | null): string {
  return subject === null ? '' : `${subject.kind}:${subject.id}`;
}

/** Two photos of the same site or spot, side by side and overlaid, with dates and nearby scores. */
export function ComparePanel({ caseId, sites, lesions, selection }: Props) {
  const { t } = useTranslation('cases');
  // Sites that have photos, to offer only what can be compared.
  const allPhotos = usePhotoList(caseId, { limit: 100 });
  const photographedSites = useMemo(
    () => [...new Set((allPhotos.data ?? []).map((photo) => photo.bodySite))],
    [allPhotos.data],
  );
  const [chosen, setChosen] = useState<Subject | null>(null);
  const fallback: Subject | null =
    selection !== null
      ? selection.lesionId !== null
        ? { kind: 'lesion', id: selection.lesionId }
        : { kind: 'site', id: selection.bodySite }
      : photographedSites[0] !== undefined
        ? { kind: 'site', id: photographedSites[0] }
        : null;
  const subject = chosen ?? fallback;

  const query =
    subject === null ? {} : subject.kind === 'lesion' ? { lesionId: subject.id, limit: 100 } : { bodySite: asBodySiteId(subject.id), limit: 100 };
  const photos = usePhotoList(caseId, query, subject !== null);
  const scores = useScores(caseId);

  const onSubject = (key: string) => {
    const [kind, id] = key.split(':');
    setChosen(kind === 'lesion' && id ? { kind, id } : kind === 'site' && id ? { kind, id } : null);
  };

  const photoLesions = lesions.filter((lesion) => (allPhotos.data ?? []).some((photo) => photo.lesionId === lesion.lesionId));

  return (
    <div className="compare" data-testid="compare">
      <label className="field">
        <span className="field__label">{t('compare.subject')}</span>
        <select
          className="field__input"
          data-testid="compare-subject"
          value={subjectKey(subject)}
          onChange={(event) => onSubject(event.target.value)}
        >
          {subject === null && <option value="">{t('compare.chooseSite')}</option>}
          {subject !== null &&
            !photographedSites.includes(subject.id) &&
            !photoLesions.some((lesion) => lesion.lesionId === subject.id) && (
              <option value={subjectKey(subject)} translate={subject.kind === 'lesion' ? 'no' : undefined}>
                {subject.kind === 'site'
                  ? siteLabel(sites, subject.id)
                  : (lesions.find((lesion) => lesion.lesionId === subject.id)?.label ?? t('compare.thisSpot'))}
              </option>
            )}
          {photographedSites.map((site) => (
            <option key={site} value={`site:${site}`}>
              {t('compare.siteAll', { site: siteLabel(sites, site) })}
            </option>
          ))}
          {photoLesions.map((lesion) => (
            // The spot's name is typed by people: the option holds data.
            <option key={lesion.lesionId} value={`lesion:${lesion.lesionId}`} translate="no">
              {t('compare.spot', { label: lesion.label, site: siteLabel(sites, lesion.bodySite) })}
            </option>
          ))}
        </select>
      </label>

      {(allPhotos.error ?? photos.error) !== null && (
        <ErrorBanner
          error={allPhotos.error ?? photos.error}
          onRetry={() => {
            void allPhotos.refetch();
            void photos.refetch();
          }}
        />
      )}
      {subject !== null && photos.data === undefined && photos.isFetching && <Loading label={t('compare.loading')} />}
      {subject === null && allPhotos.data !== undefined && <p className="empty">{t('compare.noPhoto')}</p>}
      {subject !== null && photos.data !== undefined && (
        <PhotoPair
          key={subjectKey(subject)}
          photos={photos.data}
          scores={scores.data ?? []}
          sites={sites}
          onBroken={() => void photos.refetch()}
        />
      )}
    </div>
  );
}

function PhotoPair({
  photos,
  scores,
  sites,
  onBroken,
}: {
  photos: Photo[];
  scores: Score[];
  sites: BodySite[] | undefined;
  onBroken: () => void;
}) {
  const { t } = useTranslation('cases');
  const ordered = useMemo(() => byCaptureTime(photos), [photos]);
  const initial = defaultPair(ordered);
  const [leftId, setLeftId] = useState<string | null>(initial?.[0] ?? null);
  const [rightId, setRightId] = useState<string | null>(initial?.[1] ?? null);
  const [opacity, setOpacity] = useState(50);

  if (ordered.length < 2) {
    return (
      <p className="empty" data-testid="compare-needs-two">
        {t('compare.needsTwo')}
      </p>
    );
  }
  // A photo that left the list (e.g. a fresh list after a URL renewal keeps ids): fall back.
  const left = ordered.find((photo) => photo.photoId === leftId) ?? ordered[0]!;
  const right = ordered.find((photo) => photo.photoId === rightId) ?? ordered[ordered.length - 1]!;

  const picker = (label: string, testId: string, value: Photo, onChange: (id: string) => void) => (
    <label className="field">
      <span className="field__label">{label}</span>
      <select className="field__input" data-testid={testId} value={value.photoId} onChange={(event) => onChange(event.target.value)}>
        {ordered.map((photo, index) => (
          <option key={photo.photoId} value={photo.photoId}>
            {`${index + 1}. ${formatDateTime(photo.capturedAt)}`}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <div className="compare__pickers">
        {picker(t('compare.earlier'), 'compare-left', left, setLeftId)}
        {picker(t('compare.later'), 'compare-right', right, setRightId)}
      </div>

      <h3>{t('compare.sideBySide')}</h3>
      <div className="compare__side-by-side" data-testid="compare-side-by-side">
        {[left, right].map((photo, index) => (
          <figure key={`${index}-${photo.photoId}`} className="compare__figure" data-testid="compare-photo" data-photo-id={photo.photoId}>
            <img src={photo.urls.display} alt={t('compare.photoAlt', { site: siteLabel(sites, photo.bodySite), date: formatDate(photo.capturedAt) })} onError={onBroken} />
            <figcaption>
              <strong data-testid="compare-date">{formatDateTime(photo.capturedAt)}</strong>
              <NearScores scores={scores} at={photo.capturedAt} />
            </figcaption>
          </figure>
        ))}
      </div>

      <h3>{t('compare.overlay')}</h3>
      <div className="compare__overlay" data-testid="compare-overlay">
        <img className="compare__overlay-base" src={left.urls.display} alt={t('compare.earlierAlt', { date: formatDate(left.capturedAt) })} onError={onBroken} />
        <img
          className="compare__overlay-top"
          src={right.urls.display}
          alt={t('compare.laterAlt', { date: formatDate(right.capturedAt) })}
          style={{ opacity: opacity / 100 }}
          data-testid="compare-overlay-top"
          onError={onBroken}
        />
      </div>
      <label className="field">
        <span className="field__label">
          {t('compare.opacityCaption', { from: formatDate(left.capturedAt), to: formatDate(right.capturedAt), opacity })}
        </span>
        <input
          type="range"
          min={0}
          max={100}
          step={1}
          value={opacity}
          className="range"
          aria-label={t('compare.opacity')}
          data-testid="compare-opacity"
          onChange={(event) => setOpacity(Number(event.target.value))}
        />
      </label>
    </>
  );
}

function NearScores({ scores, at }: { scores: Score[]; at: string }) {
  const { t } = useTranslation('cases');
  const near = nearestScores(scores, at);
  if (near.length === 0) return <span className="compare__scores empty">{t('compare.noScoreNear')}</span>;
  return (
    <ul className="compare__scores" data-testid="compare-scores">
      {near.map(({ score, offsetDays }) => (
        <li key={score.scoreId}>
          {shortLabel(score.instrument)} {score.total}
          {score.band ? ` (${bandLabel(score.band)})` : ''} · {describeOffset(offsetDays)}
        </li>
      ))}
    </ul>
  );
}
