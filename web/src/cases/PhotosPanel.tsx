import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { asBodySiteId, type BodySite, type Lesion, type Photo, type PhotoRemovalReason, type PhotoSource } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useServices } from '../services.tsx';
import { ActionError } from './ActionError.tsx';
import { siteCenter, viewForSite } from './bodyMap.ts';
import { LiveCamera } from './LiveCamera.tsx';
import { serverRefusalMessage } from './qualityGate.ts';
import type { SiteSelection } from './selection.ts';
import { siteLabel } from './siteLabels.ts';
import { usePhoto, usePhotoList } from './useCaseData.ts';
import { usePhotoCapture, type CaptureState } from './usePhotoCapture.ts';

interface Props {
  caseId: string;
  sites: BodySite[] | undefined;
  lesions: Lesion[];
  selection: SiteSelection | null;
  onSelect: (selection: SiteSelection | null) => void;
  onChanged: () => void;
  onPickOnMap: () => void;
}

/** Taking or choosing a photo of the selected site, and the case's photos. */
export function PhotosPanel({ caseId, sites, lesions, selection, onSelect, onChanged, onPickOnMap }: Props) {
  const { t } = useTranslation('cases');
  const capture = usePhotoCapture(caseId, onChanged);
  const [live, setLive] = useState(false);
  const [allSites, setAllSites] = useState(false);
  const [openPhoto, setOpenPhoto] = useState<string | null>(null);
  const target = selection === null ? null : { bodySite: selection.bodySite, lesionId: selection.lesionId };
  const busy = capture.state.phase === 'checking' || capture.state.phase === 'uploading';

  // Keyboard and screen-reader users follow the capture: a file input is disabled while its photo is
  // checked and sent, which drops the focus to the document; the focus goes to the capture's status
  // instead (each phase's message), and back to the first photo button once the message is dismissed.
  const statusHolder = useRef<HTMLDivElement>(null);
  const actions = useRef<HTMLDivElement>(null);
  const phase = capture.state.phase;
  useEffect(() => {
    const active = document.activeElement;
    const lost = active === null || active === document.body;
    if (phase === 'idle') {
      if (lost) actions.current?.querySelector<HTMLElement>('input:not(:disabled), button:not(:disabled)')?.focus();
      return;
    }
    if (lost || (active !== null && actions.current?.contains(active) === true)) statusHolder.current?.focus();
  }, [phase]);
  // The photo viewer (a dialog) gives the focus back to the photo that opened it.
  const viewerOpener = useRef<HTMLElement | null>(null);
  const openViewer = (photoId: string) => {
    viewerOpener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpenPhoto(photoId);
  };
  const closeViewer = () => {
    setOpenPhoto(null);
    const back = viewerOpener.current;
    viewerOpener.current = null;
    window.setTimeout(() => {
      if (back?.isConnected) back.focus();
    }, 0);
  };

  const filterSite = allSites || selection === null ? undefined : selection.bodySite;
  const photos = usePhotoList(caseId, filterSite === undefined ? {} : { bodySite: asBodySiteId(filterSite) });

  const onFile = (source: PhotoSource) => (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = ''; // the same file can be picked again after a refusal
    if (file !== undefined && target !== null) void capture.submit(file, source, target);
  };

  const onCaptured = (blob: Blob) => {
    setLive(false);
    if (target !== null) void capture.submit(blob, 'camera', target);
  };

  const chooseSite = (bodySite: string) => {
    if (bodySite === '') return onSelect(null);
    const view = viewForSite(sites?.find((site) => site.id === bodySite), selection?.view ?? 'front');
    onSelect({ bodySite, view, point: siteCenter(view, bodySite), lesionId: null });
  };

  const chooseLesion = (lesionId: string) => {
    if (selection === null) return;
    const lesion = lesions.find((candidate) => candidate.lesionId === lesionId);
    onSelect(
      lesion === undefined
        ? { ...selection, lesionId: null }
        : { bodySite: lesion.bodySite, view: lesion.view, point: { x: lesion.x, y: lesion.y }, lesionId: lesion.lesionId },
    );
  };

  const siteLesions = selection === null ? [] : lesions.filter((lesion) => lesion.bodySite === selection.bodySite);

  return (
    <div className="photos" data-testid="photos-panel">
      <section className="capture" aria-labelledby="capture-title">
        <h3 id="capture-title">{t('photos.newPhoto')}</h3>
        <div className="capture__target">
          <label className="field">
            <span className="field__label">{t('photos.bodySite')}</span>
            <select
              className="field__input"
              data-testid="photo-site"
              value={selection?.bodySite ?? ''}
              onChange={(event) => chooseSite(event.target.value)}
              disabled={busy}
            >
              <option value="">{t('photos.chooseSite')}</option>
              {(sites ?? []).map((site) => (
                <option key={site.id} value={site.id}>
                  {siteLabel(sites, site.id)}
                </option>
              ))}
            </select>
          </label>
          {siteLesions.length > 0 && (
            <label className="field">
              <span className="field__label">{t('photos.spot')}</span>
              <select
                className="field__input"
                data-testid="photo-lesion"
                value={selection?.lesionId ?? ''}
                onChange={(event) => chooseLesion(event.target.value)}
                disabled={busy}
              >
                <option value="">{t('photos.siteInGeneral')}</option>
                {siteLesions.map((lesion) => (
                  <option key={lesion.lesionId} value={lesion.lesionId} translate="no">
                    {lesion.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          {selection === null && (
            <p className="hint">
              <Trans
                t={t}
                i18nKey="photos.chooseFirst"
                components={{ mapLink: <button type="button" className="link-button" onClick={onPickOnMap} /> }}
              />
            </p>
          )}
        </div>

        <div className="capture__actions" ref={actions}>
          <label className={`button button--primary file-button${target === null || busy ? ' is-disabled' : ''}`}>
            {t('photos.takePhoto')}
            <input
              type="file"
              accept="image/*"
              capture="environment"
              className="visually-hidden"
              data-testid="photo-input-camera"
              disabled={target === null || busy}
              onChange={onFile('camera')}
            />
          </label>
          <label className={`button button--secondary file-button${target === null || busy ? ' is-disabled' : ''}`}>
            {t('photos.gallery')}
            <input
              type="file"
              accept="image/*"
              className="visually-hidden"
              data-testid="photo-input-gallery"
              disabled={target === null || busy}
              onChange={onFile('gallery')}
            />
          </label>
          <button
            type="button"
            className="button button--secondary"
            data-testid="photo-live-start"
            disabled={target === null || busy}
            onClick={() => setLive(true)}
          >
            {t('photos.liveCamera')}
          </button>
        </div>
        <p className="hint">{t('photos.advice')}</p>

        {live && target !== null && (
          <LiveCamera caseId={caseId} target={target} onCapture={onCaptured} onClose={() => setLive(false)} />
        )}

        <div className="capture__status" ref={statusHolder} tabIndex={-1} data-testid="photo-capture-status">
          <CaptureStatus state={capture.state} onDismiss={capture.reset} />
        </div>
      </section>

      <section aria-labelledby="photo-list-title">
        <div className="section-heading">
          <h3 id="photo-list-title">
            {filterSite === undefined ? t('photos.allPhotos') : t('photos.photosOf', { site: siteLabel(sites, filterSite) })}
          </h3>
          {selection !== null && (
            <button
              type="button"
              className="link-button"
              data-testid="photo-filter-toggle"
              onClick={() => setAllSites((value) => !value)}
            >
              {allSites ? t('photos.onlyThisSite') : t('photos.allSites')}
            </button>
          )}
        </div>
        {photos.error !== null && <ErrorBanner error={photos.error} onRetry={() => void photos.refetch()} />}
        {photos.data === undefined && photos.isFetching && <Loading label={t('photos.loading')} />}
        {photos.data !== undefined && photos.data.length === 0 && <p className="empty">{t('photos.noPhoto')}</p>}
        {photos.data !== undefined && photos.data.length > 0 && (
          <ul className="photo-grid" data-testid="photo-list">
            {photos.data.map((photo) => (
              <PhotoTile
                key={photo.photoId}
                photo={photo}
                sites={sites}
                lesions={lesions}
                onOpen={() => openViewer(photo.photoId)}
                onBroken={() => void photos.refetch()}
              />
            ))}
          </ul>
        )}
        {openPhoto !== null && (
          <PhotoViewer
            caseId={caseId}
            photoId={openPhoto}
            sites={sites}
            onClose={closeViewer}
            onRemoved={() => {
              closeViewer();
              onChanged();
            }}
          />
        )}
      </section>
    </div>
  );
}

function CaptureStatus({ state, onDismiss }: { state: CaptureState; onDismiss: () => void }) {
  const { t } = useTranslation('cases');
  switch (state.phase) {
    case 'idle':
      return null;
    case 'checking':
      return (
        <p className="capture-status" role="status" data-testid="photo-checking">
          {t('photos.checking')}
        </p>
      );
    case 'refused':
      return (
        <div className="capture-status capture-status--refused" role="alert" data-testid="photo-gate-message" data-code={state.code}>
          <p className="capture-status__title">{t('photos.takeAgain')}</p>
          <p>{state.message}</p>
          <p className="hint">{t('photos.checkedHere')}</p>
          <button type="button" className="button button--small" onClick={onDismiss}>
            {t('photos.ok')}
          </button>
        </div>
      );
    case 'uploading': {
      const { progress } = state;
      const sending = progress.phase === 'uploading' || progress.phase === 'requesting';
      const fraction =
        progress.loaded !== undefined && progress.total !== undefined && progress.total > 0
          ? progress.loaded / progress.total
          : undefined;
      return (
        <div className="capture-status" role="status" aria-live="polite" data-testid="photo-upload-progress" data-phase={progress.phase}>
          <p>
            {sending ? t('photos.sending') : t('photos.sentChecking')}
            {state.converted && ` ${t('photos.converted')}`}
          </p>
          <progress
            className="capture-status__bar"
            max={1}
            {...(sending && fraction !== undefined ? { value: fraction } : sending ? {} : { value: 1 })}
          />
          {state.notice !== null && (
            <p className="hint" data-testid="photo-gate-notice" data-code={state.notice.code}>
              {state.notice.message}
            </p>
          )}
        </div>
      );
    }
    case 'done': {
      const { result } = state;
      if (result.outcome === 'accepted') {
        return (
          <div className="capture-status capture-status--accepted" role="status" data-testid="photo-upload-status" data-outcome="accepted" data-photo-id={result.photoId}>
            <p className="capture-status__title">{t('photos.accepted')}</p>
            <p>{t('photos.partOfCase')}</p>
          </div>
        );
      }
      if (result.outcome === 'rejected') {
        return (
          <div
            className="capture-status capture-status--refused"
            role="alert"
            data-testid="photo-upload-status"
            data-outcome="rejected"
            data-code={result.rejection.code}
            data-photo-id={result.photoId}
          >
            <p className="capture-status__title">{t('photos.rejected')}</p>
            <p>{serverRefusalMessage(result.rejection.code, result.rejection.message)}</p>
          </div>
        );
      }
      return (
        <div className="capture-status" role="status" data-testid="photo-upload-status" data-outcome="timeout">
          <p>{t('photos.stillChecking')}</p>
        </div>
      );
    }
    case 'failed':
      return (
        <div className="capture-status capture-status--refused" data-testid="photo-upload-status" data-outcome="error">
          <ActionError error={state.error} testId="photo-upload-error" />
        </div>
      );
  }
}

function PhotoTile({
  photo,
  sites,
  lesions,
  onOpen,
  onBroken,
}: {
  photo: Photo;
  sites: BodySite[] | undefined;
  lesions: Lesion[];
  onOpen: () => void;
  onBroken: () => void;
}) {
  const { t } = useTranslation('cases');
  const lesion = lesions.find((candidate) => candidate.lesionId === photo.lesionId);
  return (
    <li className="photo-tile" data-testid="photo-item" data-photo-id={photo.photoId} data-body-site={photo.bodySite}>
      <button type="button" className="photo-tile__button" onClick={onOpen}>
        <img
          className="photo-tile__image"
          src={photo.urls.thumb}
          alt={t('photos.tileAlt', { site: siteLabel(sites, photo.bodySite), date: formatDateTime(photo.capturedAt) })}
          loading="lazy"
          onError={onBroken}
        />
        <span className="photo-tile__caption">
          {lesion !== undefined ? <span translate="no">{lesion.label}</span> : <span>{siteLabel(sites, photo.bodySite)}</span>}
          <span className="photo-tile__date">{formatDateTime(photo.capturedAt)}</span>
        </span>
      </button>
    </li>
  );
}

/** One photo at display size; the detail is fetched when opened, with fresh short-lived URLs. */
function PhotoViewer({
  caseId,
  photoId,
  sites,
  onClose,
  onRemoved,
}: {
  caseId: string;
  photoId: string;
  sites: BodySite[] | undefined;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const { t } = useTranslation('cases');
  const me = useSignedInUser();
  const photo = usePhoto(caseId, photoId);
  const reload = () => void photo.refetch();
  // Whoever took the photo may remove it, and so may the case's assigned doctors (the server decides
  // for doctors: an invited colleague is told it is not theirs).
  const mayOfferRemoval = photo.data !== undefined && (photo.data.uploadedBy === me.userId || me.role === 'doctor');
  // Opened, the dialog takes the focus (on its close button); Escape closes it. It is a non-modal
  // dialog by design (shown in the page under the photos, which stay usable beside it), so Tab may
  // leave it, as the ARIA practices ask; the modal "unsaved text" question traps the focus instead.
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeButton.current?.focus();
  }, [photoId]);
  return (
    <div className="photo-viewer" data-testid="photo-viewer" role="dialog" aria-label={t('photos.viewer')}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}>
      <div className="photo-viewer__bar">
        <button type="button" className="button button--small" onClick={onClose} data-testid="photo-viewer-close" ref={closeButton}>
          {t('photos.close')}
        </button>
        {photo.data?.urls.full !== undefined && (
          <a className="button button--small" href={photo.data.urls.full} target="_blank" rel="noreferrer">
            {t('photos.fullSize')}
          </a>
        )}
      </div>
      {photo.error !== null && <ErrorBanner error={photo.error} onRetry={reload} />}
      {photo.data === undefined && photo.isFetching && <Loading label={t('photos.loadingPhoto')} />}
      {photo.data !== undefined && (
        <figure className="photo-viewer__figure">
          <img src={photo.data.urls.display} alt={t('photos.viewerAlt', { site: siteLabel(sites, photo.data.bodySite) })} onError={reload} />
          <figcaption>
            {t('photos.viewerCaption', {
              site: siteLabel(sites, photo.data.bodySite),
              date: formatDateTime(photo.data.capturedAt),
              width: photo.data.width,
              height: photo.data.height,
            })}
          </figcaption>
        </figure>
      )}
      {mayOfferRemoval && <RemovePhoto caseId={caseId} photoId={photoId} onRemoved={onRemoved} />}
    </div>
  );
}

const REMOVAL_CHOICES: readonly PhotoRemovalReason[] = ['wrong_photo', 'poor_quality', 'duplicate', 'other'];

/** Removing is for good, so it takes two steps: choose why, then confirm. */
function RemovePhoto({ caseId, photoId, onRemoved }: { caseId: string; photoId: string; onRemoved: () => void }) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState<PhotoRemovalReason>('wrong_photo');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.removePhoto(caseId, photoId, reason);
      onRemoved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  if (!asking) {
    return (
      <div className="photo-viewer__remove">
        <button type="button" className="button button--small button--danger" data-testid="photo-remove" onClick={() => setAsking(true)}>
          {t('photos.remove')}
        </button>
      </div>
    );
  }
  return (
    <div className="photo-viewer__remove" role="group" aria-label={t('photos.removeGroup')} data-testid="photo-remove-confirm">
      <label className="field">
        <span className="field__label">{t('photos.why')}</span>
        <select
          className="field__input"
          data-testid="photo-remove-reason"
          value={reason}
          disabled={busy}
          onChange={(event) => setReason(event.target.value as PhotoRemovalReason)}
        >
          {REMOVAL_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {t(`photos.removal.${choice}`)}
            </option>
          ))}
        </select>
      </label>
      <p className="hint">{t('photos.removeHint')}</p>
      <div className="photo-viewer__remove-actions">
        <button type="button" className="button button--small button--danger" data-testid="photo-remove-yes" disabled={busy} onClick={() => void confirm()}>
          {busy ? t('photos.removing') : t('photos.removeForGood')}
        </button>
        <button type="button" className="button button--small" disabled={busy} onClick={() => setAsking(false)}>
          {t('photos.keep')}
        </button>
      </div>
      <ActionError error={error} testId="photo-remove-error" />
    </div>
  );
}
