import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError, ApiClient } from '../api/client.ts';
import { SessionStore } from '../auth/sessionStore.ts';
import { errorResponse, FakeTime, jsonResponse, MemoryStorage, ScriptedFetch } from '../test/fakes.ts';

let server: ScriptedFetch;
let client: ApiClient;

beforeEach(() => {
  const time = new FakeTime();
  const store = new SessionStore(new MemoryStorage(), time.now);
  store.begin({
    accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600,
    me: { userId: 'd-1', username: 'dr', role: 'doctor', displayName: 'Dr' },
  });
  server = new ScriptedFetch();
  client = new ApiClient({ baseUrl: '/api', sessionStore: store, fetch: server.fetch });
});

describe('consultation routes', () => {
  it('opens, reads and closes a round at the contract paths', async () => {
    server.then(() => jsonResponse(201, {})).then(() => jsonResponse(201, {})).then(() => jsonResponse(200, {}));
    await client.openConsultationRound('c/1', { question: 'Q', photoIds: ['p1'], scoreIds: [], readerIds: ['d-2'] });
    await client.submitConsultationRead('c/1', 'cr_1', { code: 'L40.0', label: 'Psoriasis', iga: 3, treatment: 'T', confidence: 4 });
    await client.closeConsultationRound('c/1', 'cr_1', { code: 'L40.0', label: 'Psoriasis', plan: 'P' });
    expect(server.requests.map((request) => [request.method, request.url])).toEqual([
      ['POST', '/api/cases/c%2F1/consultations'],
      ['POST', '/api/cases/c%2F1/consultations/cr_1/reads'],
      ['POST', '/api/cases/c%2F1/consultations/cr_1/close'],
    ]);
  });

  it('pages the rounds and reads the figures', async () => {
    server.then(() => jsonResponse(200, { items: [], nextCursor: null })).then(() => jsonResponse(200, {}))
      .then(() => jsonResponse(200, {}));
    await client.listConsultationRounds('c1', { limit: 20 });
    await client.clinicAgreement();
    await client.myAgreement();
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/cases/c1/consultations?limit=20', '/api/analytics/agreement', '/api/doctors/me/agreement',
    ]);
  });

  it('keeps the blinding refusal code for the screen', async () => {
    server.then(() => errorResponse(403, 'read_first', 'Submit your own read first.'));
    const refused = client.listConsultationReads('c1', 'cr_1');
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 403, code: 'read_first' });
  });
});
