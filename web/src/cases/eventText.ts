// Words for timeline events and score flags, from their display-safe summaries. Pure.

import type { BodySite, ScoreInstrument, TimelineEvent } from '../api/types.ts';
import { bandLabel, SHORT_LABELS } from './scorePreview.ts';
import { siteLabel } from './siteLabels.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export const REMOVAL_REASONS: Record<string, string> = {
  wrong_photo: 'wrong photo',
  poor_quality: 'poor quality',
  duplicate: 'duplicate',
  other: 'other reason',
};

/** A one-line description from the event's display-safe summary. */
export function describeEvent(event: TimelineEvent, sites: BodySite[] | undefined): string {
  const summary = event.summary ?? {};
  switch (event.type) {
    case 'photo': {
      const site = text(summary.bodySiteLabel) ?? siteLabel(sites, text(summary.bodySite) ?? '');
      const source = text(summary.source);
      const photo = `Photo of ${site || 'a body site'}${source === 'visit' ? ' (during a visit)' : ''}`;
      const removed = summary.removed;
      if (typeof removed !== 'object' || removed === null) return photo;
      const reason = text((removed as Record<string, unknown>).reason);
      return `${photo}, removed${reason !== undefined ? ` (${REMOVAL_REASONS[reason] ?? reason})` : ''}`;
    }
    case 'score': {
      const instrument = text(summary.instrument);
      const label = instrument !== undefined ? (SHORT_LABELS[instrument as ScoreInstrument] ?? instrument) : 'Score';
      const total = typeof summary.total === 'number' ? ` ${summary.total}` : '';
      const band = text(summary.band);
      return `${label}${total}${band !== undefined ? ` (${bandLabel(band)})` : ''}`;
    }
    case 'visit': {
      const seconds = typeof summary.durationSeconds === 'number' ? summary.durationSeconds : null;
      const minutes = seconds !== null ? ` · ${Math.max(1, Math.round(seconds / 60))} min` : '';
      const reason = text(summary.endReason);
      return `Video visit${minutes}${reason !== undefined && reason !== 'completed' ? ` (${reason})` : ''}`;
    }
    case 'record': {
      const kind = text(summary.kind) ?? 'entry';
      const action = text(summary.action);
      const verb = action === 'amend' ? 'updated' : action === 'retract' ? 'withdrawn' : 'added';
      return `Record ${kind} ${verb}`;
    }
    case 'note':
      return 'Note added';
    case 'consultation':
      return 'Colleague consulted';
    case 'case':
      return 'Case updated';
    default:
      return `Event: ${event.type}`;
  }
}

const FLAG_LABELS: Record<string, string> = {
  mcid_improved: 'Meaningful improvement',
  mcid_worsened: 'Meaningful worsening',
  iga_clear_or_almost_clear: 'Clear or almost clear',
  pasi50: 'PASI 50',
  pasi75: 'PASI 75',
  pasi90: 'PASI 90',
  pasi100: 'PASI 100',
};

export function flagLabel(code: string): string {
  return FLAG_LABELS[code] ?? code.replace(/_/g, ' ');
}
