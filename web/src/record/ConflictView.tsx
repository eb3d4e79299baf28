import type { RecordEntry, RecordKind } from '../api/types.ts';
import { useSignedInUser } from '../auth/AuthProvider.tsx';
import { siteLabel } from '../cases/siteLabels.ts';
import { formatDateTime } from '../format.ts';
import { useRecordCase } from './context.ts';
import { fieldLabel, formatField } from './kinds.ts';
import type { MergeRow } from './merge.ts';
import { describePerson } from './people.ts';

interface Props {
  kind: RecordKind;
  theirs: RecordEntry;
  rows: MergeRow[];
  keepTheirs: ReadonlySet<string>;
  onChoose: (field: string, takeTheirs: boolean) => void;
  onReapply: () => void;
  onDiscard: () => void;
}

const CHANGE_WORDS: Record<MergeRow['change'], string> = {
  theirs: 'Changed by the other doctor; kept',
  mine: 'Changed by you; re-applied',
  same: 'You both made the same change',
  both: 'You both changed it: choose',
};

/**
 * Another doctor saved a new version while this doctor was editing. Nothing is lost: field by
 * field, what they changed and what this doctor changed, then re-apply on the new version or discard.
 */
export function ConflictView({ kind, theirs, rows, keepTheirs, onChoose, onReapply, onDiscard }: Props) {
  const me = useSignedInUser();
  const { clinicalCase, sites } = useRecordCase();
  const show = (field: string, value: unknown) =>
    value === undefined ? <em>not set</em> : formatField(kind, field, value, (siteId) => siteLabel(sites, siteId));
  const who = describePerson(theirs.updatedBy, me, clinicalCase);

  return (
    <section className="conflict" role="alert" aria-labelledby="conflict-title" data-testid="record-conflict">
      <h4 id="conflict-title">
        {capitalise(who)} saved version {theirs.version} at {formatDateTime(theirs.updatedAt)} while you were editing.
      </h4>
      <p>Your text is kept. Compare the changes, then re-apply yours on version {theirs.version} or discard them.</p>
      <table className="conflict__table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Their version {theirs.version}</th>
            <th scope="col">Your change</th>
            <th scope="col">What happens</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} data-testid="conflict-row" data-field={row.field} data-change={row.change}>
              <th scope="row">{fieldLabel(kind, row.field)}</th>
              <td data-testid="conflict-theirs">{show(row.field, row.theirs)}</td>
              <td data-testid="conflict-mine">{show(row.field, row.mine)}</td>
              <td>
                {row.change !== 'both' ? (
                  CHANGE_WORDS[row.change]
                ) : (
                  <fieldset className="conflict__choice">
                    <legend className="visually-hidden">Which {fieldLabel(kind, row.field)}</legend>
                    <label>
                      <input
                        type="radio"
                        name={`keep-${row.field}`}
                        checked={!keepTheirs.has(row.field)}
                        data-testid="conflict-keep-mine"
                        onChange={() => onChoose(row.field, false)}
                      />{' '}
                      Mine
                    </label>{' '}
                    <label>
                      <input
                        type="radio"
                        name={`keep-${row.field}`}
                        checked={keepTheirs.has(row.field)}
                        data-testid="conflict-keep-theirs"
                        onChange={() => onChoose(row.field, true)}
                      />{' '}
                      Theirs
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
          Re-apply my changes on version {theirs.version}
        </button>
        <button type="button" className="button button--secondary" data-testid="conflict-discard" onClick={onDiscard}>
          Discard my changes
        </button>
      </div>
    </section>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
