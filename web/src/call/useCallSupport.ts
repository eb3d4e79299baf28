import { useEffect, useState } from 'react';
import type { BodySite } from '../api/types.ts';
import { useAuth } from '../auth/AuthProvider.tsx';
import { useServices } from '../services.tsx';
import { acquireSignaling } from './hub.ts';
import { useBodySites as useBodySiteVocabulary } from '../cases/useCaseData.ts';
import type { SignalingClient } from './signaling.ts';
import type { LinkState } from './reconnect.ts';

const NO_SITES: BodySite[] = [];

/** The body-site vocabulary (GET /body-sites) for stills; empty until loaded (or if it fails). */
export function useBodySites(): BodySite[] {
  return useBodySiteVocabulary().data?.sites ?? NO_SITES;
}

/** The vocabulary id matching the first of a case's free-text body sites ("left elbow"). */
export function defaultSiteFor(sites: readonly BodySite[], caseSites: readonly string[]): string {
  const normalise = (text: string) => text.toLowerCase().replace(/[^a-z]+/g, ' ').trim();
  for (const text of caseSites) {
    const wanted = normalise(text);
    const match = sites.find((site) => normalise(site.label) === wanted || normalise(site.id) === wanted);
    if (match !== undefined) return match.id;
  }
  return sites[0]?.id ?? '';
}

/** The shared signaling socket while the calling component is mounted, and its state. */
export function useSignaling(): { client: SignalingClient | null; state: LinkState['phase'] } {
  const { api, config } = useServices();
  const { me } = useAuth();
  const userId = me?.userId ?? null;
  const [client, setClient] = useState<SignalingClient | null>(null);
  const [state, setState] = useState<LinkState['phase']>('idle');
  useEffect(() => {
    if (userId === null) return undefined;
    const handle = acquireSignaling(api, config, userId);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the shared socket is acquired (and released) by this effect; its client exists only from here
    setClient(handle.client);
    setState(handle.client.state.phase);
    const unsubscribe = handle.client.onState((next) => setState(next.phase));
    return () => {
      unsubscribe();
      handle.release();
    };
  }, [api, config, userId]);
  return { client, state };
}

/** A video visit counts as activity: keep the inactivity sign-out away while in a call. */
export function useKeepAwakeDuringCall(active: boolean): void {
  const { idle } = useAuth();
  const stayActive = idle.stayActive;
  useEffect(() => {
    if (!active) return undefined;
    stayActive();
    const timer = setInterval(stayActive, 60_000);
    return () => clearInterval(timer);
  }, [active, stayActive]);
}
