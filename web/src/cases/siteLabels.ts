import type { BodySite, BodyView, Lesion } from '../api/types.ts';
import { i18next } from '../i18n/index.ts';
import { textForCode } from './translateCode.ts';

/**
 * Site label by id, in the shown language: sites are translated by their code (the server's label is
 * English); a site this build does not know keeps the server's label, or the id itself.
 */
export function siteLabel(sites: readonly BodySite[] | undefined, siteId: string): string {
  return textForCode('site', siteId, sites?.find((site) => site.id === siteId)?.label ?? siteId.replace(/_/g, ' '));
}

export function viewLabel(view: BodyView): string {
  return i18next.t(view === 'front' ? 'cases:view.front' : 'cases:view.back');
}

export function lesionLabel(lesion: Lesion, sites: readonly BodySite[] | undefined): string {
  return `${lesion.label} (${siteLabel(sites, lesion.bodySite)})`;
}
