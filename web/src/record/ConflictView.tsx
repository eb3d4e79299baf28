import type { RecordEntry, RecordKind } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { siteLabel } from '../cases/siteLabels.ts';
import { formatDateTime } from '../format.ts';
import { useRecordCase } from './context.ts';
import { fieldLabel, formatField } from './kinds.ts';
import type { MergeRow } from './merge.ts';
import { describePerson } from './people.ts';
import { Trans, useTranslation } from 'react-i18next';

interface Props {
  kind: RecordKind;
  theirs: RecordEntry;
  rows: MergeRow[];
  keepTheirs: ReadonlySet<string>;
  onChoose: (field: string, takeTheirs: boolean) => void;
  onReapply: () => void;
  onDiscard: () => void;
}


/**
 * Another doctor saved a new version while this doctor was editing. Nothing is lost: field by
 * field, what they changed and what this doctor changed, then re-apply on the new version or discard.
 */
export function ConflictView({ kind, theirs, rows, keepTheirs, onChoose, onReapply, onDiscard }: Props) {
  const me = useSignedInUser();
  const { t } = useTranslation('record');
  const { clinicalCase, sites } = useRecordCase();
  const show = (field: string, value: unknown) =>
    value === undefined ? <em>{t('conflict.notSet')}</em> : formatField(kind, field, value, (siteId) => siteLabel(sites, siteId));
  const who = describePerson(theirs.updatedBy, me, clinicalCase);

  return (
    <section className="conflict" role="alert" aria-labelledby="conflict-title" data-testid="record-conflict">
      <h4 id="conflict-title">
        <Trans
          t={t}
          i18nKey="conflict.title"
          values={{ who: capitalise(who), version: theirs.version, at: formatDateTime(theirs.updatedAt) }}
          components={{ name: <span translate="no" /> }}
        />
      </h4>
      <p>{t('conflict.explain', { version: theirs.version })}</p>
      <table className="conflict__table">
        <thead>
          <tr>
            <th scope="col">{t('conflict.field')}</th>
            <th scope="col">{t('conflict.theirs', { version: theirs.version })}</th>
            <th scope="col">{t('conflict.mine')}</th>
            <th scope="col">{t('conflict.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} data-testid="conflict-row" data-field={row.field} data-change={row.change}>
              <th scope="row">{fieldLabel(kind, row.field)}</th>
              <td data-testid="conflict-theirs" translate="no">{show(row.field, row.theirs)}</td>
              <td data-testid="conflict-mine" translate="no">{show(row.field, row.mine)}</td>
              <td>
                {row.change !== 'both' ? (
                  t(`conflict.change.${row.change}`)
                ) : (
                  <fieldset className="conflict__choice">
                    <legend className="visually-hidden">{t('conflict.which', { field: fieldLabel(kind, row.field) })}</legend>
                    <label>
                      <input
                        type="radio"
                        name={`keep-${row.field}`}
                        checked={!keepTheirs.has(row.field)}
                        data-testid="conflict-keep-mine"
                        onChange={() => onChoose(row.field, false)}
                      />{' '}
                      {t('conflict.keepMine')}
                    </label>{' '}
                    <label>
                      <input
                        type="radio"
                        name={`keep-${row.field}`}
                        checked={keepTheirs.has(row.field)}
                        data-testid="conflict-keep-theirs"
                        onChange={() => onChoose(row.field, true)}
                      />{' '}
                      {t('conflict.keepTheirs')}
                    </label>
                  </fieldset>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="conflict__actions">
        <button type="button" className="button button--primary" data-testid="conflict-reapply" onClick={onReapply}>
          {t('conflict.reapply', { version: theirs.version })}
        </button>
        <button type="button" className="button button--secondary" data-testid="conflict-discard" onClick={onDiscard}>
          {t('conflict.discard')}
        </button>
      </div>
    </section>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
