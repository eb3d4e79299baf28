import { isRecord } from '../api/guards.ts';
import type { FetchFunction } from '../api/client.ts';

/** Deployment settings read at start-up, so one build serves every environment. */
export interface RuntimeConfig {
  apiUrl: string;
  wsUrl?: string;
}

export const FALLBACK_CONFIG: RuntimeConfig = { apiUrl: '/api' };

/**
 * Reads `/config.json` from the SPA's own origin. A missing or malformed file falls back to the
 * same-origin API, which is how the local stack serves it.
 */
export async function loadRuntimeConfig(
  fetchFunction: FetchFunction = (input, init) => globalThis.fetch(input, init),
): Promise<RuntimeConfig> {
  try {
    const response = await fetchFunction('/config.json', {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) return FALLBACK_CONFIG;
    const body: unknown = await response.json();
    return parseRuntimeConfig(body) ?? FALLBACK_CONFIG;
  } catch {
    return FALLBACK_CONFIG;
  }
}

export function parseRuntimeConfig(body: unknown): RuntimeConfig | null {
  if (!isRecord(body) || typeof body.apiUrl !== 'string' || body.apiUrl.trim() === '') return null;
  const config: RuntimeConfig = { apiUrl: body.apiUrl.trim() };
  if (typeof body.wsUrl === 'string' && body.wsUrl.trim() !== '') config.wsUrl = body.wsUrl.trim();
  return config;
}
