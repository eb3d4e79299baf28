// Words for timeline events and score flags, from their display-safe summaries, in the shown
// language (texts are looked up when called: the language can change at run time). Pure.

import type { BodySite, ScoreInstrument, TimelineEvent } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import { bandLabel, shortLabel } from './scorePreview.ts';
import { siteLabel } from './siteLabels.ts';
import { textForCode } from './translateCode.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Why a photo was removed, in words (lower case, inside a sentence). */
export function removalReason(reason: string): string {
  return textForCode('event.removalReason', reason, reason);
}

/** A one-line description from the event's display-safe summary. */
export function describeEvent(event: TimelineEvent, sites: BodySite[] | undefined): string {
  const summary = event.summary ?? {};
  switch (event.type) {
    case 'photo': {
      const code = text(summary.bodySite);
      // The site by its code (translated); the summary's English label only for a site this build lacks.
      const site =
        code !== undefined && i18next.exists(`cases:site.${code}`)
          ? siteLabel(sites, code)
          : (text(summary.bodySiteLabel) ?? siteLabel(sites, code ?? ''));
      const source = text(summary.source);
      const place = site || i18next.t('cases:event.aBodySite');
      const photo =
        source === 'visit' ? i18next.t('cases:event.photoDuringVisit', { site: place }) : i18next.t('cases:event.photo', { site: place });
      const removed = summary.removed;
      if (typeof removed !== 'object' || removed === null) return photo;
      const reason = text((removed as Record<string, unknown>).reason);
      return reason !== undefined
        ? i18next.t('cases:event.removedWhy', { photo, reason: removalReason(reason) })
        : i18next.t('cases:event.removed', { photo });
    }
    case 'score': {
      const instrument = text(summary.instrument);
      const label = instrument !== undefined ? shortLabel(instrument as ScoreInstrument) : i18next.t('cases:event.score');
      const total = typeof summary.total === 'number' ? ` ${summary.total}` : '';
      const band = text(summary.band);
      return `${label}${total}${band !== undefined ? ` (${bandLabel(band)})` : ''}`;
    }
    case 'visit': {
      const seconds = typeof summary.durationSeconds === 'number' ? summary.durationSeconds : null;
      const minutes =
        seconds !== null ? i18next.t('cases:event.minutes', { minutes: Math.max(1, Math.round(seconds / 60)) }) : '';
      const reason = text(summary.endReason);
      const ended = reason !== undefined && reason !== 'completed' ? ` (${textForCode('event.endReason', reason, reason)})` : '';
      return `${i18next.t('cases:event.visit')}${minutes}${ended}`;
    }
    case 'record': {
      const kind = text(summary.kind) ?? 'entry';
      const action = text(summary.action);
      const verb = i18next.t(action === 'amend' ? 'cases:event.verb.amend' : action === 'retract' ? 'cases:event.verb.retract' : 'cases:event.verb.add');
      return i18next.t('cases:event.record', { kind: textForCode('event.recordKind', kind, kind), verb });
    }
    case 'note':
      return i18next.t('cases:event.note');
    case 'consultation':
      return i18next.t('cases:event.consultation');
    case 'case':
      return i18next.t('cases:event.case');
    default:
      return i18next.t('cases:event.unknown', { type: event.type });
  }
}

export function flagLabel(code: string): string {
  return textForCode('flag', code, code.replace(/_/g, ' '));
}
