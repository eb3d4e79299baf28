import type { BodyView, Lesion } from '../api/types.ts';
import type { UnitPoint } from './bodyMap.ts';

/** What the user is looking at: a body site, maybe a point on the figure, maybe a known lesion. */
export interface SiteSelection {
  bodySite: string;
  view: BodyView;
  /** Where the figure was tapped (0..1); null when picked from a list. */
  point: UnitPoint | null;
  lesionId: string | null;
}

export function selectLesion(lesion: Lesion): SiteSelection {
  return {
    bodySite: lesion.bodySite,
    view: lesion.view,
    point: { x: lesion.x, y: lesion.y },
    lesionId: lesion.lesionId,
  };
}
