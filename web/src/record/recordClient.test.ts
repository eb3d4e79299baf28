import { beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../auth/sessionStore.ts';
import { FakeTime, jsonResponse, MemoryStorage, ScriptedFetch } from '../test/fakes.ts';
import { ApiClient, ApiError } from '../api/client.ts';

let server: ScriptedFetch;
let client: ApiClient;

beforeEach(() => {
  const time = new FakeTime();
  const store = new SessionStore(new MemoryStorage(), time.now);
  store.begin({
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresIn: 3600,
    me: { userId: 'u-1', username: 'dr', role: 'doctor', displayName: 'Dr' },
  });
  server = new ScriptedFetch();
  client = new ApiClient({ baseUrl: '/api', sessionStore: store, fetch: server.fetch });
});

describe('medical record routes', () => {
  it('lists one kind a page at a time, writes, amends with PUT, retracts and reads history', async () => {
    for (let i = 0; i < 5; i += 1) server.then(() => jsonResponse(200, { items: [], nextCursor: null }));
    await client.listRecordEntries('c1', { kind: 'diagnosis', limit: 10, cursor: 'x=' });
    await client.createRecordEntry('c1', { kind: 'note', content: { subjective: 'S' } });
    await client.amendRecordEntry('c1', 'rx/1', { expectedVersion: 2, content: { drug: 'D' } });
    await client.retractRecordEntry('c1', 'rx_1', { expectedVersion: 3, reason: 'wrong case' });
    await client.getRecordHistory('c1', 'rx_1', { limit: 20 });
    expect(server.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['GET', '/api/cases/c1/records?kind=diagnosis&limit=10&cursor=x%3D', undefined],
      ['POST', '/api/cases/c1/records', { kind: 'note', content: { subjective: 'S' } }],
      ['PUT', '/api/cases/c1/records/rx%2F1', { expectedVersion: 2, content: { drug: 'D' } }],
      ['POST', '/api/cases/c1/records/rx_1/retract', { expectedVersion: 3, reason: 'wrong case' }],
      ['GET', '/api/cases/c1/records/rx_1/history?limit=20', undefined],
    ]);
  });

  it('searches ICD-10 with the words encoded and fetches the FHIR bundle', async () => {
    server.then(() => jsonResponse(200, { codeSet: 'ICD-10-CM', items: [] }));
    server.then(() => jsonResponse(200, { resourceType: 'Bundle' }));
    await client.searchIcd10('atopic dermatitis', 10);
    expect(await client.getCaseFhir('c1')).toEqual({ resourceType: 'Bundle' });
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/icd10?q=atopic+dermatitis&limit=10',
      '/api/cases/c1/fhir',
    ]);
  });

  it('keeps the details of a version conflict on the error', async () => {
    const current = { entryId: 'rx_1', version: 2, content: { dose: '15 mg' } };
    server.then(() =>
      jsonResponse(409, {
        error: { code: 'version_conflict', message: 'The entry is at version 2.', details: { currentVersion: 2, current } },
      }),
    );
    const failure = await client
      .amendRecordEntry('c1', 'rx_1', { expectedVersion: 1, content: {} })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 409, code: 'version_conflict', details: { currentVersion: 2, current } });
  });
});
