// Follow-ups in plain words, and where in the app each ask is answered. Pure: unit-tested.
// Texts come from the `followups` namespace at the moment they are needed (the language can change).

import type { FollowupAsk, FollowupModality, FollowupRequest, FollowupState } from '../api/types.ts';
import { formatDateWith } from '../format.ts';
import { i18next } from '../i18n/index.ts';

// Ask codes hold a ':' (i18next's namespace separator), so each has a key of its own.
const ASK_KEYS = {
  photos: 'photos',
  'score:DLQI': 'scoreDLQI',
  'score:POEM': 'scorePOEM',
  'score:ITCH_NRS': 'scoreItch',
  visit: 'visit',
} as const satisfies Record<FollowupAsk, string>;

export const ASKS: ReadonlyArray<FollowupAsk> = ['photos', 'score:DLQI', 'score:POEM', 'score:ITCH_NRS', 'visit'];

export const MODALITIES: ReadonlyArray<{ modality: FollowupModality; asks: FollowupAsk[] }> = [
  { modality: 'photo-review', asks: ['photos'] },
  { modality: 'scores', asks: ['score:DLQI'] },
  { modality: 'video', asks: ['visit'] },
  { modality: 'in-person', asks: [] },
];

export function askLabel(ask: FollowupAsk): string {
  const key = (ASK_KEYS as Record<string, (typeof ASK_KEYS)[FollowupAsk] | undefined>)[ask];
  return key === undefined ? ask : i18next.t(`followups:ask.${key}`);
}

export function modalityLabel(modality: FollowupModality): string {
  return MODALITIES.some((entry) => entry.modality === modality) ? i18next.t(`followups:modality.${modality}`) : modality;
}

export function stateLabel(state: FollowupState): string {
  return i18next.t(`followups:state.${state}`);
}

/** Where the patient answers an ask: the case page's photo or score tab, or the case page itself
 * (its "Start a video visit" button). */
export function askTarget(casePath: string, ask: FollowupAsk): string {
  if (ask === 'photos') return `${casePath}?tab=photos`;
  if (ask.startsWith('score:')) return `${casePath}?tab=scores`;
  return casePath;
}

const DAY_MS = 86_400_000;

function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}

/** "4 Dec" / "Dec 4" / "12月4日": the day as the clinic's calendar has it (UTC midnight, no shift). */
export function shortDate(day: string): string {
  const at = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(at) ? day : formatDateWith(new Date(at), { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** "Due today", "Due tomorrow", "Due in 5 days (12 Dec)", "Overdue since 28 Nov". Days are the
 * clinic's calendar days, as the server counts them (`today` comes from the server). */
export function dueText(dueDate: string, today: string, state: FollowupState): string {
  if (state === 'done' || state === 'cancelled') return stateLabel(state);
  const days = dayNumber(dueDate) - dayNumber(today);
  const date = shortDate(dueDate);
  if (state === 'overdue') return i18next.t('followups:due.overdueSince', { date });
  if (days === 0) return i18next.t('followups:due.today');
  if (days === 1) return i18next.t('followups:due.tomorrow');
  if (days < 0) return i18next.t('followups:due.since', { date });
  return i18next.t('followups:due.inDays', { count: days, date });
}

/** A notice in words: the API sends only its kind and date (no health information travels). */
export function noticeText(kind: string, dueDate: string): string {
  if (kind === 'followup.upcoming') return i18next.t('followups:notice.upcoming', { date: shortDate(dueDate) });
  if (kind === 'followup.due') return i18next.t('followups:notice.due');
  if (kind === 'followup.overdue') return i18next.t('followups:notice.overdue', { date: shortDate(dueDate) });
  return i18next.t('followups:notice.other');
}

export interface ScheduleForm {
  dueDate: string;
  modality: FollowupModality;
  asks: FollowupAsk[];
  /** 0: once */
  everyWeeks: number;
  times: number;
}

/** The form as the API's request, or the first thing to fix. */
export function scheduleRequest(form: ScheduleForm, today: string): FollowupRequest | string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.dueDate)) return i18next.t('followups:problem.noDate');
  if (form.dueDate < today) return i18next.t('followups:problem.past');
  if (form.modality !== 'in-person' && form.asks.length === 0) return i18next.t('followups:problem.noAsks');
  const request: FollowupRequest = { dueDate: form.dueDate, modality: form.modality, asks: form.asks };
  if (form.everyWeeks > 0) {
    if (!Number.isInteger(form.times) || form.times < 2 || form.times > 52) return i18next.t('followups:problem.seriesLength');
    request.repeat = { everyDays: form.everyWeeks * 7, count: form.times };
  }
  return request;
}
