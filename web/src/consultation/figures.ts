// Words and numbers for consultation rounds and agreement figures (pure, tested in figures.test.ts).

import type { AgreementEstimate, ConsultationRound } from '../api/consultation.ts';
import { i18next } from '../i18n/index.ts';

// Texts are looked up when shown (the language can change at runtime), never at module load.

/** IGA grades 0-4 as the scores form names them, in the shown language. */
export function igaGrades(): string[] {
  return [0, 1, 2, 3, 4].map((grade) => i18next.t(`consultation:iga.${grade}` as 'consultation:iga.0'));
}

/** Confidence 1-5 (index 0 is level 1), in the shown language. */
export function confidenceLevels(): string[] {
  return [1, 2, 3, 4, 5].map((level) => i18next.t(`consultation:confidence.${level}` as 'consultation:confidence.1'));
}

/** 0.75 -> "75%"; null -> "–". */
export function share(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${Math.round(value * 100)}%`;
}

function fixed(value: number): string {
  // A minus sign, not a hyphen, so "−0.12" reads as a number.
  return value < 0 ? `−${Math.abs(value).toFixed(2)}` : value.toFixed(2);
}

/** Landis and Koch's words for a kappa (1977), the usual reading of agreement beyond chance. */
export function kappaWords(value: number): string {
  const t = (band: 'lessThanChance' | 'slight' | 'fair' | 'moderate' | 'substantial' | 'almostPerfect') =>
    i18next.t(`consultation:kappa.${band}`);
  if (value < 0) return t('lessThanChance');
  if (value <= 0.2) return t('slight');
  if (value <= 0.4) return t('fair');
  if (value <= 0.6) return t('moderate');
  if (value <= 0.8) return t('substantial');
  return t('almostPerfect');
}


/**
 * A figure with its interval and sample, e.g. "0.62 (95% CI 0.41 to 0.83, bootstrap; n = 24)", or why it has
 * none. `asShare` writes proportions as percentages.
 */
export function estimateText(estimate: AgreementEstimate, unit: 'rounds' | 'reads', asShare = false): string {
  const n = i18next.t(`consultation:estimate.n.${unit}`, { n: estimate.n });
  if (estimate.value === null) {
    const why = estimate.undefined === 'no_variation'
      ? i18next.t('consultation:estimate.noVariation')
      : i18next.t('consultation:estimate.tooFew');
    return i18next.t('consultation:estimate.notDefined', { why, n });
  }
  const show = asShare ? share : fixed;
  const method = estimate.ciMethod === 'none' ? '' : i18next.t(`consultation:estimate.method.${estimate.ciMethod}`);
  return estimate.ciLow !== null && estimate.ciHigh !== null
    ? i18next.t('consultation:estimate.withInterval', {
      value: show(estimate.value), low: show(estimate.ciLow), high: show(estimate.ciHigh), method, n,
    })
    : i18next.t('consultation:estimate.plain', { value: show(estimate.value), n });
}

/** What a doctor sees instead of the reads, when they may not see them yet. */
export function hiddenReadsText(
  round: Pick<ConsultationRound, 'hiddenReason' | 'readsIn' | 'readerIds'> & { me: { lead: boolean } },
): string {
  if (round.hiddenReason === 'read_first') {
    return i18next.t('consultation:hidden.readFirst');
  }
  const counts = { done: round.readsIn ?? 0, total: round.readerIds.length };
  // The lead weighs the reads for the consensus once all are in; other doctors see them once it is closed.
  return round.me.lead ? i18next.t('consultation:hidden.lead', counts) : i18next.t('consultation:hidden.others', counts);
}

/** Whether the signed-in doctor should see the read form for this round. */
export function mayRead(round: Pick<ConsultationRound, 'status' | 'me'>): boolean {
  return round.status === 'open' && round.me.reader && !round.me.submitted;
}

/** Whether the signed-in doctor may close the round now. */
export function mayClose(round: Pick<ConsultationRound, 'status' | 'me' | 'readsIn'>): boolean {
  return round.status === 'open' && round.me.lead && (round.readsIn ?? (round.me.submitted ? 1 : 0)) > 0;
}
