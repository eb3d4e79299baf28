import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber } from '../format.ts';
import type { AreaFigure, RednessFigure, SeriesRow } from './series.ts';

const ONE_DECIMAL: Intl.NumberFormatOptions = { maximumFractionDigits: 1 };
const SIGNED: Intl.NumberFormatOptions = { maximumFractionDigits: 1, signDisplay: 'exceptZero' };

/** The lesion's photos, oldest first: date, area, redness, change from baseline and what it means. */
export function SeriesTable({ rows }: { rows: SeriesRow[] }) {
  const { t } = useTranslation('lesionmetrics');
  // Without the card (no millimetres), areas are percentages of the baseline's: said once, plainly.
  const relative = rows.some((row) => row.area?.unit === 'pctOfBaseline');

  const area = (figure: AreaFigure | null) =>
    figure === null
      ? '—'
      : figure.unit === 'mm2'
        ? t('series.areaMm2', { value: formatNumber(figure.value, ONE_DECIMAL) })
        : t('series.areaPct', { value: formatNumber(figure.value, { maximumFractionDigits: 0 }) });
  const redness = (figure: RednessFigure | null) =>
    figure === null
      ? t('series.noRedness')
      : figure.basis === 'calibrated'
        ? t('series.rednessCalibrated', { value: formatNumber(figure.value, ONE_DECIMAL) })
        : t('series.rednessContrast', { value: formatNumber(figure.value, ONE_DECIMAL) });

  const finding = (row: SeriesRow) => {
    if (row.status === 'baseline') return t('series.baseline');
    if (row.status === 'pending') return t('series.pending');
    if (row.status === 'notAligned') return t('series.notAligned');
    if (!row.flagged) return t('series.stable');
    return `${t('series.flagged')}: ${row.reasons.map((reason) => t(`series.reason.${reason}`)).join(', ')}`;
  };

  return (
    <section className="lesion-series" data-testid="measure-series">
      <h3>{t('series.title')}</h3>
      {rows.length <= 1 && <p className="empty">{t('series.empty')}</p>}
      {relative && <p className="lesion-series__note" data-testid="series-relative-note">{t('series.areaPctNote')}</p>}
      <table className="table lesion-series__table">
        <thead>
          <tr>
            <th scope="col">{t('series.date')}</th>
            <th scope="col">{t('series.area')}</th>
            <th scope="col">{t('series.redness')}</th>
            <th scope="col">{t('series.change')}</th>
            <th scope="col">{t('series.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.photoId}
              data-testid="series-row"
              data-status={row.status}
              data-flagged={row.flagged}
              className={row.flagged ? 'lesion-series__row--flagged' : undefined}
            >
              <th scope="row" translate="no">
                {row.capturedAt === null ? t('series.unknownDate') : formatDate(row.capturedAt)}
              </th>
              <td translate="no" data-testid="series-area">{area(row.area)}</td>
              <td translate="no" data-testid="series-redness">{row.status === 'notAligned' || row.status === 'pending' ? '—' : redness(row.redness)}</td>
              <td translate="no" data-testid="series-change">
                {row.change === null
                  ? '—'
                  : [
                      t('series.areaChange', { value: formatNumber(row.change.areaPct, SIGNED) }),
                      row.change.erythemaChange === null
                        ? null
                        : t('series.rednessChange', { value: formatNumber(row.change.erythemaChange, SIGNED) }),
                    ]
                      .filter((part) => part !== null)
                      .join(' · ')}
              </td>
              <td data-testid="series-finding" role={row.flagged || row.status === 'notAligned' ? 'note' : undefined}>
                {row.flagged && <span className="lesion-series__flag" aria-hidden="true">⚠ </span>}
                {finding(row)}
                {(row.outlineSource === 'corrected' || row.outlineSource === 'confirmed') && (
                  <span className="lesion-series__source" data-testid="series-outline-source" data-source={row.outlineSource}>
                    {' '}
                    {row.outlineSource === 'corrected' ? t('series.outlineCorrected') : t('series.outlineConfirmed')}
                  </span>
                )}
                {row.needsReview && (
                  <span className="lesion-series__review" data-testid="series-needs-review">
                    {' '}
                    {t('series.needsReview')}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
