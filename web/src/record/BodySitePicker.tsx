import type { KeyboardEvent } from 'react';
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
          <svg
            key={view}
            className="site-picker__svg"
            viewBox={`0 0 ${FIGURE.width} ${FIGURE.height}`}
            role="group"
            aria-label={t(`sites.view.${view}`)}
          >
            {[...drawableSites(view, sites)].reverse().map(({ siteId, shape }) => (
              <SiteShape
                key={siteId}
                shape={shape}
                label={siteLabel(sites, siteId)}
                selected={selected.includes(siteId)}
                testId={`record-site-${view}-${siteId}`}
                onToggle={() => toggle(siteId)}
              />
            ))}
          </svg>
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

function SiteShape({
  shape,
  label,
  selected,
  testId,
  onToggle,
}: {
  shape: Shape;
  label: string;
  selected: boolean;
  testId: string;
  onToggle: () => void;
}) {
  const common = {
    className: `body-site${selected ? ' body-site--selected' : ''}`,
    role: 'checkbox',
    'aria-checked': selected,
    'aria-label': label,
    tabIndex: 0,
    'data-testid': testId,
    onClick: onToggle,
    onKeyDown: (event: KeyboardEvent) => {
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
