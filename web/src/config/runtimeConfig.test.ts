import { describe, expect, it } from 'vitest';
import type { FetchFunction } from '../api/client.ts';
import { jsonResponse } from '../test/fakes.ts';
import { FALLBACK_CONFIG, loadRuntimeConfig } from './runtimeConfig.ts';

function answering(response: () => Promise<Response>): { fetch: FetchFunction; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input) => {
      urls.push(input);
      return response();
    },
  };
}

describe('loadRuntimeConfig', () => {
  it('reads apiUrl and wsUrl from /config.json on the same origin', async () => {
    const server = answering(() =>
      Promise.resolve(jsonResponse(200, { apiUrl: 'https://api.example.test/v1', wsUrl: 'wss://ws.example.test/ws' })),
    );

    await expect(loadRuntimeConfig(server.fetch)).resolves.toEqual({
      apiUrl: 'https://api.example.test/v1',
      wsUrl: 'wss://ws.example.test/ws',
    });
    expect(server.urls).toEqual(['/config.json']);
  });

  it('falls back to /api when the file is missing, malformed or unreachable', async () => {
    const missing = answering(() => Promise.resolve(new Response('Not found', { status: 404 })));
    const malformed = answering(() => Promise.resolve(new Response('<html>', { status: 200 })));
    const wrongShape = answering(() => Promise.resolve(jsonResponse(200, { api: '/elsewhere' })));
    const unreachable = answering(() => Promise.reject(new TypeError('Failed to fetch')));

    for (const server of [missing, malformed, wrongShape, unreachable]) {
      await expect(loadRuntimeConfig(server.fetch)).resolves.toEqual(FALLBACK_CONFIG);
    }
    expect(FALLBACK_CONFIG).toEqual({ apiUrl: '/api' });
  });
});
