import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BodySite, Lesion, LesionSeries, Photo, Role } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import type { SiteSelection } from '../cases/selection.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { usePhotoList } from '../cases/useCaseData.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { AlignedComparator } from './AlignedComparator.tsx';
import { OutlineEditor } from './OutlineEditor.tsx';
import { correctable, defaultBaselinePhoto, hasPending, seriesRows } from './series.ts';
import { SeriesTable } from './SeriesTable.tsx';
import { useLesionSeries, useSetBaseline, useSetOutline } from './useLesionMetrics.ts';
import './lesionmetrics.css';

interface Props {
  caseId: string;
  sites: BodySite[] | undefined;
  lesions: Lesion[];
  selection: SiteSelection | null;
  role: Role;
}

/** A followed lesion measured over time: the doctor's baseline outline and the measured series. */
export function LesionMeasurePanel({ caseId, sites, lesions, selection, role }: Props) {
  const { t } = useTranslation('lesionmetrics');
  const allPhotos = usePhotoList(caseId, { limit: 100 });
  const photographed = useMemo(
    () => lesions.filter((lesion) => (allPhotos.data ?? []).some((photo) => photo.lesionId === lesion.lesionId)),
    [lesions, allPhotos.data],
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const lesionId =
    chosen ??
    (selection?.lesionId !== undefined && selection.lesionId !== null && photographed.some((l) => l.lesionId === selection.lesionId)
      ? selection.lesionId
      : (photographed[0]?.lesionId ?? null));

  if (allPhotos.data === undefined) {
    return allPhotos.error !== null ? (
      <ErrorBanner error={allPhotos.error} onRetry={() => void allPhotos.refetch()} />
    ) : (
      <Loading label={t('panel.loading')} />
    );
  }
  if (lesionId === null) {
    return (
      <p className="empty" data-testid="measure-no-lesion">
        {t('panel.noLesion')}
      </p>
    );
  }
  return (
    <section className="lesion-measure" aria-label={t('panel.label')} data-testid="lesion-measure">
      <label className="field">
        <span className="field__label">{t('panel.lesion')}</span>
        <select className="field__input" data-testid="measure-lesion" value={lesionId} onChange={(event) => setChosen(event.target.value)}>
          {photographed.map((lesion) => (
            // The spot's name is typed by people: the option holds data.
            <option key={lesion.lesionId} value={lesion.lesionId} translate="no">
              {t('panel.spot', { label: lesion.label, site: siteLabel(sites, lesion.bodySite) })}
            </option>
          ))}
        </select>
      </label>
      <LesionMeasurements key={lesionId} caseId={caseId} lesionId={lesionId} role={role} />
    </section>
  );
}

function LesionMeasurements({ caseId, lesionId, role }: { caseId: string; lesionId: string; role: Role }) {
  const { t } = useTranslation('lesionmetrics');
  const photos = usePhotoList(caseId, { lesionId, limit: 100 });
  const photoList = useMemo(() => photos.data ?? [], [photos.data]);
  // Ask again while a photo taken in after the baseline waits for its measurement.
  const series = useLesionSeries(caseId, lesionId, (current: LesionSeries) => hasPending(seriesRows(current, photoList)));
  const rows = useMemo(() => (series.data === undefined ? [] : seriesRows(series.data, photoList)), [series.data, photoList]);
  const error = photos.error ?? series.error;

  if (series.data === undefined || photos.data === undefined) {
    return error !== null ? (
      <ErrorBanner
        error={error}
        onRetry={() => {
          void photos.refetch();
          void series.refetch();
        }}
      />
    ) : (
      <Loading label={t('panel.loading')} />
    );
  }
  const baseline = series.data.baseline;
  const baselinePhoto = baseline === null ? null : (photoList.find((photo) => photo.photoId === baseline.photoId) ?? null);
  return (
    <>
      <section className="lesion-measure__baseline" data-testid="measure-baseline">
        <h3>{t('outline.title')}</h3>
        <p data-testid="measure-baseline-state">
          {baseline === null
            ? t('outline.none')
            : t('outline.current', {
                date: baselinePhoto === null ? t('series.unknownDate') : formatDate(baselinePhoto.capturedAt),
                setAt: formatDateTime(baseline.setAt),
              })}
        </p>
        {role === 'doctor' ? (
          <BaselineOutliner caseId={caseId} lesionId={lesionId} photos={photoList} series={series.data} />
        ) : (
          <p className="empty">{t('outline.readOnly')}</p>
        )}
      </section>
      {baseline !== null && <SeriesTable rows={rows} />}
      {baseline !== null && role === 'doctor' && (
        <FollowupOutliner caseId={caseId} lesionId={lesionId} photos={photoList} series={series.data} />
      )}
      {baseline !== null && <AlignedComparator series={series.data} photos={photoList} />}
    </>
  );
}

/** What both outliners work on: the lesion, its photos and its measured series. */
interface OutlinerProps {
  caseId: string;
  lesionId: string;
  photos: Photo[];
  series: LesionSeries;
}

function BaselineOutliner({ caseId, lesionId, photos, series }: OutlinerProps) {
  const { t } = useTranslation('lesionmetrics');
  const ordered = useMemo(() => [...photos].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt)), [photos]);
  const [photoId, setPhotoId] = useState<string | null>(null);
  const photo = ordered.find((candidate) => candidate.photoId === photoId) ?? defaultBaselinePhoto(series, photos);
  const save = useSetBaseline(caseId, lesionId);
  if (photo === null) return null;
  const initial = series.baseline !== null && series.baseline.photoId === photo.photoId ? series.baseline.outline : null;

  return (
    <>
      <label className="field">
        <span className="field__label">{t('outline.photo')}</span>
        <select
          className="field__input"
          data-testid="outline-photo-choice"
          value={photo.photoId}
          onChange={(event) => {
            save.reset();
            setPhotoId(event.target.value);
          }}
        >
          {ordered.map((candidate) => (
            <option key={candidate.photoId} value={candidate.photoId}>
              {formatDateTime(candidate.capturedAt)}
            </option>
          ))}
        </select>
      </label>
      <OutlineEditor
        key={`${photo.photoId}:${series.baseline?.setAt ?? ''}`}
        photo={photo}
        initial={initial}
        saving={save.isPending}
        onSave={(outline) => save.mutate({ photoId: photo.photoId, outline })}
      />
      {save.isSuccess && (
        <p className="notice" role="status" data-testid="outline-saved">
          {t('outline.saved')}
        </p>
      )}
      <ActionError error={save.error} testId="outline-error" />
    </>
  );
}

/**
 * A follow-up's proposed outline, on the follow-up photo itself: saved unchanged it is confirmed; redrawn
 * (the same editor as the baseline's) it is corrected, and the photo is measured again from it. The next
 * photo's proposal starts from the last outline a doctor accepted.
 */
function FollowupOutliner({ caseId, lesionId, photos, series }: OutlinerProps) {
  const { t } = useTranslation('lesionmetrics');
  const candidates = useMemo(
    () => correctable(series).filter((item) => photos.some((photo) => photo.photoId === item.photoId)),
    [series, photos],
  );
  const [photoId, setPhotoId] = useState<string | null>(null);
  const save = useSetOutline(caseId, lesionId);
  // The newest follow-up by default: the one a doctor has just been told about.
  const item = candidates.find((candidate) => candidate.photoId === photoId) ?? candidates[candidates.length - 1] ?? null;
  const photo = item === null ? null : (photos.find((candidate) => candidate.photoId === item.photoId) ?? null);
  if (item === null || photo === null || item.photoOutline === undefined || item.photoOutline === null) return null;
  const source = item.outlineSource ?? 'proposed';
  const when = item.outlineAt === undefined || item.outlineAt === null ? '' : formatDateTime(item.outlineAt);

  return (
    <section className="lesion-measure__followup" data-testid="measure-followup-outline">
      <h3>{t('correct.title')}</h3>
      <p>{t('correct.intro')}</p>
      <label className="field">
        <span className="field__label">{t('correct.photo')}</span>
        <select
          className="field__input"
          data-testid="followup-outline-choice"
          value={item.photoId}
          onChange={(event) => {
            save.reset();
            setPhotoId(event.target.value);
          }}
        >
          {candidates.map((candidate) => {
            const shown = photos.find((p) => p.photoId === candidate.photoId);
            return (
              <option key={candidate.photoId} value={candidate.photoId}>
                {shown === undefined ? t('series.unknownDate') : formatDateTime(shown.capturedAt)}
              </option>
            );
          })}
        </select>
      </label>
      <p data-testid="followup-outline-state" data-source={source}>
        {source === 'corrected'
          ? t('correct.stateCorrected', { when })
          : source === 'confirmed'
            ? t('correct.stateConfirmed', { when })
            : t('correct.stateProposed')}
      </p>
      <OutlineEditor
        key={`${item.photoId}:${item.measuredAt}:${source}`}
        photo={photo}
        initial={item.photoOutline}
        saving={save.isPending}
        onSave={(outline) => save.mutate({ photoId: item.photoId, request: { outline } })}
        saveLabel={t('correct.save')}
        testIdPrefix="followup-outline"
      />
      {save.isSuccess && (
        <p className="notice" role="status" data-testid="followup-outline-saved">
          {save.data.outlineSource === 'corrected'
            ? t('correct.corrected')
            : save.data.remeasuring === true
              ? t('correct.remeasuring')
              : t('correct.confirmed')}
        </p>
      )}
      <ActionError error={save.error} testId="followup-outline-error" />
    </section>
  );
}
