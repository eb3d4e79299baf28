// A 409 version_conflict loses nothing: the doctor's change is compared field by field with what the
// other doctor changed since the version this doctor started from, and can be re-applied on top of
// the new version. Three-way, on the content's top-level fields plus the links. Pure, unit-tested.

import type { RecordContent, RecordLinks } from '../api/types.ts';

export type FieldChange =
  /** Only the other doctor changed it: the new version's value stays. */
  | 'theirs'
  /** Only this doctor changed it: re-applied as typed. */
  | 'mine'
  /** Both changed it to the same value. */
  | 'same'
  /** Both changed it differently: this doctor chooses (their own value by default). */
  | 'both';

export interface MergeRow {
  field: string;
  change: FieldChange;
  base: unknown;
  theirs: unknown;
  mine: unknown;
}

export interface Side {
  content: RecordContent;
  links: RecordLinks;
}

function canonical(value: unknown): string {
  // Content is JSON: compare by a canonical JSON form (object keys sorted).
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return inner;
  }) ?? 'undefined';
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function fields(side: Side): Record<string, unknown> {
  return { ...side.content, links: side.links };
}

/**
 * Every field that either doctor changed since `base`, in a stable order (content fields in the
 * order `order` gives, then any others, then links). Fields nobody changed are left out.
 */
export function compareVersions(base: Side, theirs: Side, mine: Side, order: readonly string[] = []): MergeRow[] {
  const b = fields(base);
  const t = fields(theirs);
  const m = fields(mine);
  const names = [...new Set([...order, ...Object.keys(b), ...Object.keys(t), ...Object.keys(m)])];
  names.sort((x, y) => rank(x, order) - rank(y, order));
  const rows: MergeRow[] = [];
  for (const field of names) {
    const theyChanged = !sameValue(b[field], t[field]);
    const iChanged = !sameValue(b[field], m[field]);
    if (!theyChanged && !iChanged) continue;
    let change: FieldChange;
    if (theyChanged && iChanged) change = sameValue(t[field], m[field]) ? 'same' : 'both';
    else change = theyChanged ? 'theirs' : 'mine';
    rows.push({ field, change, base: b[field], theirs: t[field], mine: m[field] });
  }
  return rows;
}

function rank(field: string, order: readonly string[]): number {
  if (field === 'links') return Number.MAX_SAFE_INTEGER;
  const index = order.indexOf(field);
  return index === -1 ? order.length : index;
}

/**
 * This doctor's change re-applied on the other doctor's version: every field only this doctor
 * changed takes their value; a field both changed takes the value `keepTheirs` does not name.
 */
export function reapply(rows: readonly MergeRow[], theirs: Side, keepTheirs: ReadonlySet<string> = new Set()): Side {
  const merged: Record<string, unknown> = { ...theirs.content };
  let links = theirs.links;
  for (const row of rows) {
    const takeMine = row.change === 'mine' || (row.change === 'both' && !keepTheirs.has(row.field));
    if (!takeMine) continue;
    if (row.field === 'links') {
      links = row.mine as RecordLinks;
    } else if (row.mine === undefined) {
      delete merged[row.field];
    } else {
      merged[row.field] = row.mine;
    }
  }
  return { content: merged, links };
}
