import type { BodySite, BodyView, Lesion } from '../api/types.ts';

/** Site label by id, falling back to the id for a site this build does not know. */
export function siteLabel(sites: readonly BodySite[] | undefined, siteId: string): string {
  return sites?.find((site) => site.id === siteId)?.label ?? siteId.replace(/_/g, ' ');
}

export function viewLabel(view: BodyView): string {
  return view === 'front' ? 'Front' : 'Back';
}

export function lesionLabel(lesion: Lesion, sites: readonly BodySite[] | undefined): string {
  return `${lesion.label} (${siteLabel(sites, lesion.bodySite)})`;
}
