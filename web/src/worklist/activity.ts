// The worklist's words for what arrived. Pure: unit-tested. Texts from the `worklist` namespace,
// looked up when needed (the language can change at runtime).

import type { ActivityRow, ScoreInstrument } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';

function instrumentName(code: ScoreInstrument): string {
  return i18next.t(`worklist:instrument.${code}`);
}

/** "2 new photos, 1 new score". */
export function arrivals(row: Pick<ActivityRow, 'newPhotos' | 'newScores'>): string {
  const parts: string[] = [];
  if (row.newPhotos > 0) parts.push(i18next.t('worklist:activity.newPhotos', { count: row.newPhotos }));
  if (row.newScores > 0) parts.push(i18next.t('worklist:activity.newScores', { count: row.newScores }));
  return parts.join(i18next.t('worklist:activity.separator'));
}

/** "Worse: itch, quality of life (DLQI)", or '' when nothing worsened. */
export function worsening(row: Pick<ActivityRow, 'worsened'>): string {
  if (row.worsened.length === 0) return '';
  return i18next.t('worklist:activity.worse', {
    list: row.worsened.map(instrumentName).join(i18next.t('worklist:activity.separator')),
  });
}

/** "Measured change: 1 lesion", or '' when no lesion changed meaningfully. */
export function lesionChanges(row: Pick<ActivityRow, 'changedLesions'>): string {
  const count = row.changedLesions.length;
  return count === 0 ? '' : i18next.t('worklist:activity.lesionsChanged', { count });
}
