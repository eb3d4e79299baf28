import { beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../auth/sessionStore.ts';
import { errorResponse, FakeTime, jsonResponse, MemoryStorage, ScriptedFetch } from '../test/fakes.ts';
import { ApiClient } from './client.ts';

let server: ScriptedFetch;
let client: ApiClient;

beforeEach(() => {
  const time = new FakeTime();
  const store = new SessionStore(new MemoryStorage(), time.now);
  store.begin({
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresIn: 3600,
    me: { userId: 'u-1', username: 'pat', role: 'patient', displayName: 'Pat' },
  });
  server = new ScriptedFetch();
  client = new ApiClient({ baseUrl: '/api', sessionStore: store, fetch: server.fetch });
});

const page = { items: [], nextCursor: null };

describe('case tracking routes', () => {
  it('lists photos of a site or lesion with the filters in the query', async () => {
    server.then(() => jsonResponse(200, page));
    await client.listPhotos('c/1', { bodySite: 'elbow_left', lesionId: 'les_1', limit: 10 });
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      url: '/api/cases/c%2F1/photos?bodySite=elbow_left&lesionId=les_1&limit=10',
      headers: { authorization: 'Bearer access-1' },
    });
  });

  it('follows the timeline cursor and leaves out absent parameters', async () => {
    server.then(() => jsonResponse(200, page)).then(() => jsonResponse(200, page));
    await client.getTimeline('c1', { limit: 20, cursor: 'a+b/c=' });
    await client.getTimeline('c1');
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/cases/c1/timeline?limit=20&cursor=a%2Bb%2Fc%3D',
      '/api/cases/c1/timeline',
    ]);
  });

  it('posts upload intents, lesions and scores as JSON', async () => {
    server
      .then(() => jsonResponse(201, {}))
      .then(() => jsonResponse(201, {}))
      .then(() => jsonResponse(201, {}));
    await client.createPhotoUpload('c1', {
      bodySite: 'face',
      contentType: 'image/jpeg',
      sizeBytes: 10,
      source: 'camera',
    });
    await client.createLesion('c1', { bodySite: 'face', view: 'front', x: 0.5, y: 0.1, label: 'Cheek' });
    await client.recordScore('c1', { instrument: 'ITCH_NRS', components: { score: 4 } });
    expect(server.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', '/api/cases/c1/photos/uploads', { bodySite: 'face', contentType: 'image/jpeg', sizeBytes: 10, source: 'camera' }],
      ['POST', '/api/cases/c1/lesions', { bodySite: 'face', view: 'front', x: 0.5, y: 0.1, label: 'Cheek' }],
      ['POST', '/api/cases/c1/scores', { instrument: 'ITCH_NRS', components: { score: 4 } }],
    ]);
  });

  it('removes a photo with its reason', async () => {
    server.then(() => jsonResponse(200, { photoId: 'p/1', status: 'removed', reason: 'duplicate', removedAt: 't' }));
    const removal = await client.removePhoto('c1', 'p/1', 'duplicate');
    expect(removal.status).toBe('removed');
    expect(server.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', '/api/cases/c1/photos/p%2F1/remove', { reason: 'duplicate' }],
    ]);
  });

  it('reads the trend of one instrument and a lesion with no photo yet', async () => {
    server.then(() => jsonResponse(200, page)).then(() => errorResponse(404, 'no_photo_yet', 'This lesion has no photo yet.'));
    await client.listScores('c1', { instrument: 'DLQI', order: 'desc' });
    expect(server.requests[0]?.url).toBe('/api/cases/c1/scores?instrument=DLQI&order=desc');
    await expect(client.getLatestLesionPhoto('c1', 'les_1')).rejects.toMatchObject({ status: 404, code: 'no_photo_yet' });
    expect(server.requests[1]?.url).toBe('/api/cases/c1/lesions/les_1/latest-photo');
  });
});
