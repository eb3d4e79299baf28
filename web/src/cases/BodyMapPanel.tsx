import { useRef, useState, type FormEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { asBodySiteId, type BodySite, type BodyView, type Lesion } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { useRovingFocus } from '../components/rovingFocus.ts';
import { formatDate } from '../format.ts';
import { useServices } from '../services.tsx';
import { ActionError } from './ActionError.tsx';
import {
  clientToUnit,
  drawableSites,
  FIGURE,
  figureToUnit,
  hitTest,
  siteCenter,
  unitToFigure,
  viewForSite,
  type Shape,
  type UnitPoint,
} from './bodyMap.ts';
import { selectLesion, type SiteSelection } from './selection.ts';
import { siteLabel, viewLabel } from './siteLabels.ts';
import type { useLesions } from './useCaseData.ts';

const VIEWS: BodyView[] = ['front', 'back'];

interface Props {
  caseId: string;
  sites: BodySite[] | undefined;
  lesions: ReturnType<typeof useLesions>;
  selection: SiteSelection | null;
  onSelect: (selection: SiteSelection | null) => void;
  onLesionAdded: () => void;
  onPhotograph: () => void;
}

/** Pick a body site on the front or back figure, see the case's lesions, pin a new one. */
export function BodyMapPanel({ caseId, sites, lesions, selection, onSelect, onLesionAdded, onPhotograph }: Props) {
  const { t } = useTranslation('cases');
  const [view, setView] = useState<BodyView>(selection?.view ?? 'front');
  const lesionList = lesions.data ?? [];

  if (sites === undefined) return <Loading label={t('bodyMap.loading')} />;
  const allowed = new Set(sites.map((site) => site.id));

  const pick = (pickedView: BodyView, bodySite: string, point: UnitPoint | null) => {
    setView(pickedView);
    onSelect({ bodySite, view: pickedView, point, lesionId: null });
  };

  const pickFromList = (bodySite: string) => {
    if (bodySite === '') {
      onSelect(null);
      return;
    }
    const pickedView = viewForSite(sites.find((site) => site.id === bodySite), view);
    pick(pickedView, bodySite, siteCenter(pickedView, bodySite));
  };

  return (
    <div className="body-map" data-testid="body-map">
      <p className="hint">{t('bodyMap.hint')}</p>
      <div className="segmented" role="group" aria-label={t('bodyMap.side')}>
        {VIEWS.map((candidate) => (
          <button
            key={candidate}
            type="button"
            className="segmented__option"
            aria-pressed={view === candidate}
            data-testid={`body-map-view-${candidate}`}
            onClick={() => setView(candidate)}
          >
            {viewLabel(candidate)}
          </button>
        ))}
      </div>

      <div className="body-map__figures">
        {VIEWS.map((figureView) => (
          <BodyFigure
            key={figureView}
            view={figureView}
            active={view === figureView}
            sites={sites}
            allowed={allowed}
            lesions={lesionList.filter((lesion) => lesion.view === figureView)}
            selection={selection}
            onPick={(bodySite, point) => pick(figureView, bodySite, point)}
            onPickLesion={(lesion) => onSelect(selectLesion(lesion))}
          />
        ))}
      </div>

      <label className="field">
        <span className="field__label">{t('bodyMap.fromList')}</span>
        <select
          className="field__input"
          data-testid="body-site-select"
          value={selection?.bodySite ?? ''}
          onChange={(event) => pickFromList(event.target.value)}
        >
          <option value="">{t('bodyMap.chooseSite')}</option>
          {sites.map((site) => (
            <option key={site.id} value={site.id}>
              {siteLabel(sites, site.id)}
            </option>
          ))}
        </select>
      </label>

      {selection !== null && (
        <SelectionCard
          caseId={caseId}
          sites={sites}
          lesions={lesionList}
          selection={selection}
          onSelect={onSelect}
          onLesionAdded={onLesionAdded}
          onPhotograph={onPhotograph}
        />
      )}

      <h3>{t('bodyMap.spotsTitle')}</h3>
      {lesions.error !== null && <ErrorBanner error={lesions.error} onRetry={() => void lesions.refetch()} />}
      {lesions.data === undefined && lesions.isFetching && <Loading label={t('bodyMap.loadingSpots')} />}
      {lesions.data !== undefined && lesionList.length === 0 && (
        <p className="empty">{t('bodyMap.noSpots')}</p>
      )}
      {lesionList.length > 0 && (
        <ul className="lesion-list" data-testid="lesion-list">
          {lesionList.map((lesion) => (
            <li key={lesion.lesionId}>
              <button
                type="button"
                className="lesion-list__item"
                aria-pressed={selection?.lesionId === lesion.lesionId}
                data-testid="lesion-item"
                data-lesion-id={lesion.lesionId}
                onClick={() => {
                  setView(lesion.view);
                  onSelect(selectLesion(lesion));
                }}
              >
                <span className="lesion-list__label" translate="no">
                  {lesion.label}
                </span>
                <span className="lesion-list__meta">
                  {siteLabel(sites, lesion.bodySite)} · {viewLabel(lesion.view)} · {t('bodyMap.since', { date: formatDate(lesion.createdAt) })}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function BodyFigure({
  view,
  active,
  sites,
  allowed,
  lesions,
  selection,
  onPick,
  onPickLesion,
}: {
  view: BodyView;
  active: boolean;
  sites: BodySite[];
  allowed: ReadonlySet<string>;
  lesions: Lesion[];
  selection: SiteSelection | null;
  onPick: (bodySite: string, point: UnitPoint) => void;
  onPickLesion: (lesion: Lesion) => void;
}) {
  const { t } = useTranslation('cases');
  const shapes = drawableSites(view, sites);
  // Drawn bottom-up, so the shape the hit test finds first is the one on top.
  const drawn = [...shapes].reverse();
  const svg = useRef<SVGSVGElement>(null);
  const roving = useRovingFocus(drawn.map((s) => s.siteId), selection?.view === view ? selection.bodySite : null, svg);

  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const point = pointerToUnit(event.currentTarget, event.clientX, event.clientY);
    const siteId = hitTest(view, point, allowed);
    if (siteId !== null) onPick(siteId, point);
  };

  const onKey = (event: KeyboardEvent<SVGElement>, siteId: string) => {
    if (roving.onKeyDown(event, siteId)) return;
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    const centre = siteCenter(view, siteId);
    if (centre !== null) onPick(siteId, centre);
  };

  const marker = selection !== null && selection.view === view && selection.lesionId === null ? selection.point : null;

  return (
    <figure className={`body-figure${active ? ' body-figure--active' : ''}`}>
      <figcaption className="body-figure__caption">{viewLabel(view)}</figcaption>
      <svg
        className="body-figure__svg"
        viewBox={`0 0 ${FIGURE.width} ${FIGURE.height}`}
        role="group"
        aria-label={t(view === 'front' ? 'bodyMap.figure.front' : 'bodyMap.figure.back')}
        data-testid={`body-figure-${view}`}
        onClick={onClick}
        ref={svg}
      >
        {drawn.map(({ siteId, shape }) => (
          <ShapeElement
            key={siteId}
            shape={shape}
            className={`body-site${selection?.bodySite === siteId ? ' body-site--selected' : ''}`}
            label={siteLabel(sites, siteId)}
            testId={`body-site-${view}-${siteId}`}
            siteId={siteId}
            tabIndex={roving.tabIndex(siteId)}
            onFocus={() => roving.onFocus(siteId)}
            onKeyDown={(event) => onKey(event, siteId)}
          />
        ))}
        {lesions.map((lesion) => {
          const at = unitToFigure(lesion);
          const selected = selection?.lesionId === lesion.lesionId;
          return (
            <g
              key={lesion.lesionId}
              className={`lesion-pin${selected ? ' lesion-pin--selected' : ''}`}
              role="button"
              tabIndex={0}
              aria-label={t('bodyMap.pin', { label: lesion.label })}
              data-testid="lesion-pin"
              data-lesion-id={lesion.lesionId}
              onClick={(event) => {
                event.stopPropagation();
                onPickLesion(lesion);
              }}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  onPickLesion(lesion);
                }
              }}
            >
              <circle cx={at.x} cy={at.y} r={selected ? 7 : 5.5} />
            </g>
          );
        })}
        {marker !== null && (
          <circle
            className="body-figure__marker"
            cx={unitToFigure(marker).x}
            cy={unitToFigure(marker).y}
            r={6}
            data-testid="body-map-marker"
          />
        )}
      </svg>
    </figure>
  );
}

function ShapeElement({
  shape,
  className,
  label,
  testId,
  siteId,
  tabIndex,
  onFocus,
  onKeyDown,
}: {
  shape: Shape;
  className: string;
  label: string;
  testId: string;
  siteId: string;
  tabIndex: 0 | -1;
  onFocus: () => void;
  onKeyDown: (event: KeyboardEvent<SVGElement>) => void;
}) {
  const common = {
    className,
    role: 'button',
    tabIndex,
    'aria-label': label,
    'data-testid': testId,
    'data-roving-id': siteId,
    onFocus,
    onKeyDown,
  };
  if (shape.kind === 'ellipse') {
    return (
      <ellipse {...common} cx={shape.cx} cy={shape.cy} rx={shape.rx} ry={shape.ry}>
        <title>{label}</title>
      </ellipse>
    );
  }
  return (
    <rect {...common} x={shape.x} y={shape.y} width={shape.width} height={shape.height} rx={shape.r ?? 0}>
      <title>{label}</title>
    </rect>
  );
}

/** Pointer position to 0..1 of the figure, through the SVG's own transform when available. */
function pointerToUnit(svg: SVGSVGElement, clientX: number, clientY: number): UnitPoint {
  const matrix = svg.getScreenCTM();
  if (matrix !== null && typeof DOMPoint === 'function') {
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return figureToUnit(point.x, point.y);
  }
  return clientToUnit(svg.getBoundingClientRect(), clientX, clientY);
}

function SelectionCard({
  caseId,
  sites,
  lesions,
  selection,
  onSelect,
  onLesionAdded,
  onPhotograph,
}: {
  caseId: string;
  sites: BodySite[];
  lesions: Lesion[];
  selection: SiteSelection;
  onSelect: (selection: SiteSelection) => void;
  onLesionAdded: () => void;
  onPhotograph: () => void;
}) {
  const { t } = useTranslation('cases');
  const { api } = useServices();
  const [label, setLabel] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const lesion = lesions.find((candidate) => candidate.lesionId === selection.lesionId);

  const addLesion = async (event: FormEvent) => {
    event.preventDefault();
    const point = selection.point ?? siteCenter(selection.view, selection.bodySite) ?? { x: 0.5, y: 0.5 };
    const name = label.trim() || t('bodyMap.defaultSpotName', { site: siteLabel(sites, selection.bodySite) });
    setSaving(true);
    setError(null);
    try {
      const created = await api.createLesion(caseId, {
        bodySite: asBodySiteId(selection.bodySite),
        view: selection.view,
        x: point.x,
        y: point.y,
        label: name.slice(0, 80),
      });
      setLabel('');
      onSelect(selectLesion(created));
      onLesionAdded();
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="selection-card" data-testid="body-map-selection" aria-live="polite">
      <p className="selection-card__title">
        <strong data-testid="body-map-selected-site">{siteLabel(sites, selection.bodySite)}</strong>
        {' · '}
        {viewLabel(selection.view)}
        {lesion !== undefined && (
          <>
            {' · '}
            <span data-testid="body-map-selected-lesion" translate="no">
              {lesion.label}
            </span>
          </>
        )}
      </p>
      <button type="button" className="button button--primary button--block" data-testid="body-map-to-photos" onClick={onPhotograph}>
        {lesion !== undefined ? t('bodyMap.photographSpot') : t('bodyMap.photographSite')}
      </button>
      {lesion === undefined && (
        <form className="selection-card__form" onSubmit={(event) => void addLesion(event)}>
          <label className="field">
            <span className="field__label">{t('bodyMap.spotName')}</span>
            <input
              className="field__input"
              data-testid="lesion-label"
              value={label}
              maxLength={80}
              placeholder={t('bodyMap.spotPlaceholder')}
              onChange={(event) => setLabel(event.target.value)}
            />
          </label>
          <button type="submit" className="button button--secondary button--block" disabled={saving} data-testid="lesion-add">
            {saving ? t('bodyMap.saving') : t('bodyMap.markSpot')}
          </button>
          <ActionError error={error} testId="lesion-error" />
        </form>
      )}
    </div>
  );
}
