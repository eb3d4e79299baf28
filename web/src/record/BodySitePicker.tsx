import { useRef, type KeyboardEvent } from 'react';
import { useRovingFocus } from '../components/rovingFocus.ts';
import type { BodySite, BodyView } from '../api/types.ts';
import { drawableSites, FIGURE, type Shape } from '../cases/bodyMap.ts';
import { siteLabel } from '../cases/siteLabels.ts';
import { useTranslation } from 'react-i18next';

const VIEWS: BodyView[] = ['front', 'back'];

interface Props {
  sites: BodySite[] | undefined;
  selected: string[];
  onChange: (selected: string[]) => void;
}

/** Body sites of a diagnosis, picked on the front and back figures (tap again to remove). */
export function BodySitePicker({ sites, selected, onChange }: Props) {
  const { t } = useTranslation('record');
  if (sites === undefined) return <p className="hint">{t('sites.loading')}</p>;
  const toggle = (siteId: string) =>
    onChange(selected.includes(siteId) ? selected.filter((id) => id !== siteId) : [...selected, siteId]);

  return (
    <div className="site-picker" data-testid="record-site-picker">
      <div className="site-picker__figures">
        {VIEWS.map((view) => (
          <SiteFigure key={view} view={view} sites={sites} selected={selected} onToggle={toggle}
            label={t(`sites.view.${view}`)} />
        ))}
      </div>
      {selected.length === 0 ? (
        <p className="hint">{t('sites.hint')}</p>
      ) : (
        <ul className="chips" data-testid="record-sites-selected">
          {selected.map((siteId) => (
            <li key={siteId} className="chip" data-site={siteId}>
              {siteLabel(sites, siteId)}{' '}
              <button type="button" className="link-button" aria-label={t('sites.remove', { site: siteLabel(sites, siteId) })} onClick={() => toggle(siteId)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** One figure: a single Tab stop, the arrow keys move between its sites, Space or Enter toggles one. */
function SiteFigure({ view, sites, selected, onToggle, label }: {
  view: BodyView;
  sites: BodySite[];
  selected: string[];
  onToggle: (siteId: string) => void;
  label: string;
}) {
  const drawn = [...drawableSites(view, sites)].reverse();
  const svg = useRef<SVGSVGElement>(null);
  const ids = drawn.map((s) => s.siteId);
  const roving = useRovingFocus(ids, ids.find((id) => selected.includes(id)) ?? null, svg);
  return (
    <svg ref={svg} className="site-picker__svg" viewBox={`0 0 ${FIGURE.width} ${FIGURE.height}`} role="group"
      aria-label={label}>
      {drawn.map(({ siteId, shape }) => (
        <SiteShape
          key={siteId}
          shape={shape}
          label={siteLabel(sites, siteId)}
          selected={selected.includes(siteId)}
          testId={`record-site-${view}-${siteId}`}
          siteId={siteId}
          tabIndex={roving.tabIndex(siteId)}
          onFocus={() => roving.onFocus(siteId)}
          onArrow={(event) => roving.onKeyDown(event, siteId)}
          onToggle={() => onToggle(siteId)}
        />
      ))}
    </svg>
  );
}

function SiteShape({
  shape,
  label,
  selected,
  testId,
  siteId,
  tabIndex,
  onFocus,
  onArrow,
  onToggle,
}: {
  shape: Shape;
  label: string;
  selected: boolean;
  testId: string;
  siteId: string;
  tabIndex: 0 | -1;
  onFocus: () => void;
  onArrow: (event: KeyboardEvent) => boolean;
  onToggle: () => void;
}) {
  const common = {
    className: `body-site${selected ? ' body-site--selected' : ''}`,
    role: 'checkbox',
    'aria-checked': selected,
    'aria-label': label,
    tabIndex,
    'data-testid': testId,
    'data-roving-id': siteId,
    onClick: onToggle,
    onFocus,
    onKeyDown: (event: KeyboardEvent) => {
      if (onArrow(event)) return;
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onToggle();
      }
    },
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
