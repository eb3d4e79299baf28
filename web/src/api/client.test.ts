import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_STORAGE_KEY, SessionStore } from '../auth/sessionStore.ts';
import { errorResponse, FakeTime, jsonResponse, MemoryStorage, ScriptedFetch } from '../test/fakes.ts';
import { ApiClient, ApiError, errorFromResponse } from './client.ts';
import type { Case, CaseListResponse, Me, Session } from './types.ts';

const patient: Me = { userId: 'u-1', username: 'pat', role: 'patient', displayName: 'Pat Patient' };

function session(overrides: Partial<Session> = {}): Session {
  return {
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresIn: 3600,
    me: patient,
    ...overrides,
  };
}

/** A refresh answer may omit the refresh token; the contract says to keep the old one then. */
function sessionWithoutRefreshToken(overrides: Partial<Session> = {}): Session {
  const { refreshToken, ...rest } = session(overrides);
  return rest;
}

const emptyPage: CaseListResponse = { items: [], nextCursor: null };

let time: FakeTime;
let storage: MemoryStorage;
let store: SessionStore;
let server: ScriptedFetch;
let client: ApiClient;

beforeEach(() => {
  time = new FakeTime();
  storage = new MemoryStorage();
  store = new SessionStore(storage, time.now);
  server = new ScriptedFetch();
  client = new ApiClient({ baseUrl: '/api/', sessionStore: store, fetch: server.fetch });
});

async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('Expected the call to fail.');
}

describe('logout', () => {
  it('ends the session at once and asks the server to revoke its refresh token', async () => {
    store.begin(session());
    let revoked: unknown = null;
    server.then((request) => {
      revoked = request.body;
      return jsonResponse(200, { status: 'signed_out' });
    });

    client.logout('idle');

    expect(store.current).toBeNull();
    expect(store.getSnapshot().lastEndReason).toBe('idle');
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(server.requests.map((request) => [request.method, request.url])).toEqual([['POST', '/api/auth/logout']]);
    expect(revoked).toEqual({ refreshToken: session().refreshToken });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('signs out without a request when there is no refresh token to revoke', () => {
    client.logout();
    expect(server.requests).toHaveLength(0);
  });
});

describe('login', () => {
  it('posts the credentials without a token and starts the session', async () => {
    server.then(() => jsonResponse(200, session()));

    const started = await client.login({ username: 'pat', password: 'secret' });

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.url).toBe('/api/auth/login');
    expect(request?.method).toBe('POST');
    expect(request?.body).toEqual({ username: 'pat', password: 'secret' });
    expect(request?.headers.authorization).toBeUndefined();
    expect(started.accessToken).toBe('access-1');
    expect(started.expiresAt).toBe(time.now() + 3600 * 1000);
    expect(store.current?.me).toEqual(patient);
    expect(storage.getItem(SESSION_STORAGE_KEY)).toContain('access-1');
  });

  it('reports wrong credentials with the contract code and never tries a refresh', async () => {
    server.then(() => errorResponse(401, 'invalid_credentials', 'Bad credentials'));

    const error = await rejectionOf(client.login({ username: 'pat', password: 'nope' }));

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_credentials');
    expect(error.message).toBe('Bad credentials');
    expect(server.requests).toHaveLength(1);
    expect(store.current).toBeNull();
  });

  it('rejects a login answer that is not a Session', async () => {
    server.then(() => jsonResponse(200, { accessToken: 'x' }));

    const error = await rejectionOf(client.login({ username: 'pat', password: 'secret' }));

    expect(error.code).toBe('invalid_response');
    expect(store.current).toBeNull();
  });
});

describe('authenticated calls', () => {
  beforeEach(() => {
    store.begin(session());
  });

  it('send the access token as a Bearer header', async () => {
    server.then(() => jsonResponse(200, emptyPage));

    await client.listCases({ limit: 20, cursor: 'abc def' });

    const [request] = server.requests;
    expect(request?.headers.authorization).toBe('Bearer access-1');
    expect(request?.url).toBe('/api/cases?limit=20&cursor=abc+def');
  });

  it('encode case identifiers into the path', async () => {
    const answer: Case = {
      caseId: 'c/1',
      patientId: 'u-1',
      condition: 'Psoriasis',
      status: 'open',
      openedAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-02T00:00:00Z',
      bodySites: ['left elbow'],
      doctors: [{ doctorId: 'd-1', kind: 'assigned' }],
      followUpPlan: null,
    };
    server.then(() => jsonResponse(200, answer));

    await expect(client.getCase('c/1')).resolves.toEqual(answer);
    expect(server.requests[0]?.url).toBe('/api/cases/c%2F1');
  });

  it('on a 401, refresh once and retry the call once with the new token', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => jsonResponse(200, sessionWithoutRefreshToken({ accessToken: 'access-2' })))
      .then(() => jsonResponse(200, emptyPage));

    await expect(client.listCases()).resolves.toEqual(emptyPage);

    const [first, refresh, retry] = server.requests;
    expect(first?.headers.authorization).toBe('Bearer access-1');
    expect(refresh?.url).toBe('/api/auth/refresh');
    expect(refresh?.method).toBe('POST');
    expect(refresh?.body).toEqual({ refreshToken: 'refresh-1' });
    expect(refresh?.headers.authorization).toBeUndefined();
    expect(retry?.headers.authorization).toBe('Bearer access-2');
    expect(server.requests).toHaveLength(3);
    // The refresh answer had no refresh token, so the old one is kept.
    expect(store.current?.accessToken).toBe('access-2');
    expect(store.current?.refreshToken).toBe('refresh-1');
  });

  it("also refreshes on the gateway's own 401 body, which is not the contract shape", async () => {
    server
      .then(() => jsonResponse(401, { message: 'Unauthorized' }))
      .then(() => jsonResponse(200, session({ accessToken: 'access-2' })))
      .then(() => jsonResponse(200, emptyPage));

    await expect(client.listCases()).resolves.toEqual(emptyPage);
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/cases',
      '/api/auth/refresh',
      '/api/cases',
    ]);
  });

  it('stores a rotated refresh token', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => jsonResponse(200, session({ accessToken: 'access-2', refreshToken: 'refresh-2' })))
      .then(() => jsonResponse(200, emptyPage));

    await client.listCases();

    expect(store.current?.refreshToken).toBe('refresh-2');
  });

  it('logs the user out when the refresh is refused', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => errorResponse(401, 'invalid_refresh_token', 'Refresh token expired'));

    const error = await rejectionOf(client.listCases());

    expect(error.status).toBe(401);
    expect(error.code).toBe('session_expired');
    expect(error.cause).toBeInstanceOf(ApiError);
    expect(server.requests).toHaveLength(2);
    expect(store.current).toBeNull();
    expect(store.getSnapshot().lastEndReason).toBe('expired');
    expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it('logs the user out when there is no refresh token to use', async () => {
    store.begin(sessionWithoutRefreshToken());
    server.then(() => errorResponse(401, 'unauthorized'));

    const error = await rejectionOf(client.getMe());

    expect(error.code).toBe('session_expired');
    expect(server.requests).toHaveLength(1);
    expect(store.current).toBeNull();
  });

  it('does not refresh twice when the retried call is refused too', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => jsonResponse(200, session({ accessToken: 'access-2' })))
      .then(() => errorResponse(401, 'unauthorized'));

    const error = await rejectionOf(client.listCases());

    expect(error.code).toBe('session_expired');
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/cases',
      '/api/auth/refresh',
      '/api/cases',
    ]);
    expect(store.current).toBeNull();
  });

  it('shares one refresh between calls that fail at the same time', async () => {
    let releaseRefresh: () => void = () => undefined;
    const refreshGate = new Promise<void>((resolve) => {
      releaseRefresh = resolve;
    });
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => errorResponse(401, 'unauthorized'))
      .then(async () => {
        await refreshGate;
        return jsonResponse(200, session({ accessToken: 'access-2' }));
      })
      .then(() => jsonResponse(200, emptyPage))
      .then(() => jsonResponse(200, emptyPage));

    const first = client.listCases();
    const second = client.listCases();
    await new Promise((resolve) => setTimeout(resolve, 0));
    releaseRefresh();
    await Promise.all([first, second]);

    const refreshes = server.requests.filter((request) => request.url === '/api/auth/refresh');
    expect(refreshes).toHaveLength(1);
    expect(server.requests.slice(-2).map((request) => request.headers.authorization)).toEqual([
      'Bearer access-2',
      'Bearer access-2',
    ]);
  });

  it('keeps the session when the refresh cannot reach the server', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => Promise.reject(new TypeError('Failed to fetch')));

    const error = await rejectionOf(client.listCases());

    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
    expect(store.current?.accessToken).toBe('access-1');
  });

  it('does not bring a session back when the user signed out during the refresh', async () => {
    server
      .then(() => errorResponse(401, 'unauthorized'))
      .then(() => {
        client.logout();
        return jsonResponse(200, session({ accessToken: 'access-2' }));
      });

    const error = await rejectionOf(client.listCases());

    expect(error.code).toBe('session_expired');
    expect(store.current).toBeNull();
    expect(store.getSnapshot().lastEndReason).toBe('signed_out');
  });

  it('does not refresh on 403 or 404', async () => {
    server
      .then(() => errorResponse(403, 'forbidden', 'Role not allowed'))
      .then(() => errorResponse(404, 'not_found', 'No such case'));

    const forbidden = await rejectionOf(client.listAdminUsers());
    const missing = await rejectionOf(client.getCase('c-9'));

    expect([forbidden.status, forbidden.code]).toEqual([403, 'forbidden']);
    expect([missing.status, missing.code]).toEqual([404, 'not_found']);
    expect(server.requests).toHaveLength(2);
    expect(store.current).not.toBeNull();
  });

  it('post bodies as JSON', async () => {
    server.then(() =>
      jsonResponse(201, { doctorId: 'd-2', kind: 'invited', expiresAt: '2030-01-01T00:00:00Z' }),
    );

    await expect(client.inviteDoctor('c-1', { doctorId: 'd-2', expiresInHours: 48 })).resolves.toEqual({
      doctorId: 'd-2',
      kind: 'invited',
      expiresAt: '2030-01-01T00:00:00Z',
    });

    const [request] = server.requests;
    expect(request?.url).toBe('/api/cases/c-1/invitations');
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ doctorId: 'd-2', expiresInHours: 48 });
  });
});

describe('without a session', () => {
  it('refuses authenticated calls without contacting the server', async () => {
    const error = await rejectionOf(client.listCases());

    expect(error.code).toBe('not_signed_in');
    expect(server.requests).toHaveLength(0);
  });

  it('can still check health, which needs no token', async () => {
    server.then(() => jsonResponse(200, { status: 'ok' }));

    await expect(client.health()).resolves.toEqual({ status: 'ok' });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('error parsing', () => {
  it('reads the contract error body', async () => {
    const error = await errorFromResponse(errorResponse(400, 'validation_error', 'username is required'));

    expect(error).toBeInstanceOf(ApiError);
    expect(error.name).toBe('ApiError');
    expect([error.status, error.code, error.message]).toEqual([
      400,
      'validation_error',
      'username is required',
    ]);
  });

  it('falls back to the status for bodies that are not the contract shape', async () => {
    const html = await errorFromResponse(new Response('<h1>Bad gateway</h1>', { status: 502 }));
    const empty = await errorFromResponse(new Response(null, { status: 503 }));
    const otherJson = await errorFromResponse(jsonResponse(500, { message: 'boom' }));

    expect([html.status, html.code]).toEqual([502, 'http_502']);
    expect([empty.status, empty.code]).toEqual([503, 'http_503']);
    expect([otherJson.status, otherJson.code]).toEqual([500, 'http_500']);
  });

  it('turns a network failure into status 0 network_error', async () => {
    server.then(() => Promise.reject(new TypeError('Failed to fetch')));

    const error = await rejectionOf(client.health());

    expect([error.status, error.code]).toEqual([0, 'network_error']);
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('reports a 200 answer that is not JSON', async () => {
    store.begin(session());
    server.then(() => new Response('not json', { status: 200 }));

    const error = await rejectionOf(client.listCases());

    expect(error.code).toBe('invalid_response');
  });

  it('lets an aborted request reject as an abort, not as an API error', async () => {
    store.begin(session());
    const controller = new AbortController();
    server.then(() => {
      controller.abort();
      return Promise.reject(new DOMException('The operation was aborted.', 'AbortError'));
    });

    await expect(client.listCases({}, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
