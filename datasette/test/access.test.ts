// Access control: without valid credentials every endpoint that could show
// data returns 401 or 403, or redirects to the login form, and its body
// contains none of the data. A valid token opens the same endpoints.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bearerToken,
  newApiToken,
  startDatasette,
  type RunningDatasette,
} from './helpers/datasette-server.js';
import { sampleDatabase } from './helpers/sample-db.js';

const validToken = newApiToken('reader');
const revokedToken = newApiToken('former');
const expiredToken = newApiToken('expired', '2020-01-01');

/** Strings from the sample data and the configuration that no denied response may contain. */
const DATA_MARKERS = [
  'chartkit',
  'example.com',
  'request_rows',
  'daily_uri_stats',
  'pbkdf2_sha256',
  '0.65.5',
  bearerToken(validToken).split('-')[1],
  bearerToken(revokedToken).split('-')[1],
];

/** Endpoints that return data to a valid token, besides every table and canned query. */
const DATA_ENDPOINTS = [
  '/',
  '/.json',
  '/analytics',
  '/analytics.json',
  '/analytics/requests',
  '/analytics/requests.json',
  '/analytics/requests.csv',
  '/analytics/requests.json?_shape=array&_size=5',
  '/analytics/requests.csv?_stream=on',
  '/analytics/log_files/1',
  '/analytics/log_files/1.json',
  '/analytics?sql=select+value+from+uris',
  '/analytics.json?sql=select+value+from+uris',
  '/analytics.csv?sql=select+value+from+uris',
  '/analytics/hits_per_day?path=/&start=2026-03-01&end=2026-03-07',
  '/analytics/hits_per_day.json?path=/&start=2026-03-01&end=2026-03-07',
  '/analytics/top_paths.csv?start=2026-03-01&end=2026-03-07',
  '/-/metadata',
  '/-/metadata.json',
  '/-/versions.json',
  '/-/plugins.json',
  '/-/settings.json',
  '/-/threads.json',
  '/-/databases.json',
  '/-/actor.json',
  '/-/patterns',
];

/** Endpoints closed even to a valid API token: debugging pages and the token store. */
const CLOSED_ENDPOINTS = [
  '/-/permissions',
  '/-/allow-debug',
  '/-/password-tool',
  '/-/auth-token?token=x',
  '/api_tokens',
  '/api_tokens.json',
  '/api_tokens/tokens.json',
  '/api_tokens.json?sql=select+*+from+tokens',
];

let folder: string;
let db: string;
let server: RunningDatasette;
let tableAndQueryEndpoints: string[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-access-'));
  db = await sampleDatabase({ folder, start: '2026-03-01', days: 3, linesPerFile: 20 });
  server = await startDatasette({
    db,
    apiTokens: [validToken, revokedToken, expiredToken],
    password: 'correct horse',
  });
  tableAndQueryEndpoints = await listTablesAndQueries(server);
});

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

/** Lists a .json and an HTML URL for every table, view and canned query, read with a valid token. */
async function listTablesAndQueries(running: RunningDatasette): Promise<string[]> {
  const response = await fetch(`${running.url}/${running.database}.json`, {
    headers: { authorization: `Bearer ${bearerToken(validToken)}` },
  });
  const body = (await response.json()) as {
    tables: { name: string }[];
    views: { name: string }[];
    queries: { name: string }[];
  };
  const names = [
    ...body.tables.map((table) => table.name),
    ...body.views.map((view) => view.name),
    ...body.queries.map((query) => query.name),
  ];
  expect(names).toEqual(expect.arrayContaining(['requests', 'request_rows', 'hits_per_day']));
  return names.flatMap((name) => [`/analytics/${name}`, `/analytics/${name}.json`]);
}

async function request(path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
}

/** Asserts a denial: 401/403 or a redirect to /-/login, with no data in the body. */
async function expectDenied(path: string, response: Response): Promise<void> {
  const body = await response.text();
  const outcome = {
    path,
    status: response.status,
    location: response.headers.get('location'),
    leaked: DATA_MARKERS.filter((marker) => body.includes(marker)),
  };

  const denied =
    outcome.status === 401 ||
    outcome.status === 403 ||
    (outcome.status === 302 && /^\/-\/login(\?next=[^&]*)?$/.test(outcome.location ?? ''));

  expect({ ...outcome, denied }).toEqual({ ...outcome, denied: true, leaked: [] });
}

const CREDENTIALS: [string, () => Record<string, string>][] = [
  ['no credentials', () => ({})],
  ['a wrong secret', () => ({ authorization: `Bearer ${newApiToken('reader')}` })],
  ['an unknown token name', () => ({ authorization: `Bearer ${newApiToken('nobody')}` })],
  ['an expired token', () => ({ authorization: `Bearer ${bearerToken(expiredToken)}` })],
  ['a malformed token', () => ({ authorization: 'Bearer reader-abc-def' })],
  ['a token without a name', () => ({ authorization: 'Bearer 0123456789abcdef' })],
  ['invalid basic credentials', () => ({ authorization: 'Basic !!!' })],
  ['a forged login cookie', () => ({ cookie: 'ds_actor=eyJhIjp7ImlkIjoiYWRtaW4ifX0.forged' })],
];

describe.each(CREDENTIALS)('with %s', (_name, headers) => {
  test('every data endpoint is denied', async () => {
    for (const path of [...DATA_ENDPOINTS, ...tableAndQueryEndpoints, ...CLOSED_ENDPOINTS]) {
      await expectDenied(path, await request(path, headers()));
    }
  });
});

// Every Basic password check costs a PBKDF2 hash (480,000 rounds), so this
// case runs on one endpoint of each kind instead of the whole list.
test('wrong basic password is denied', async () => {
  const headers = { authorization: `Basic ${btoa('admin:wrong')}` };
  for (const path of [
    '/analytics/requests.json',
    '/analytics.csv?sql=select+value+from+uris',
    '/analytics/hits_per_day.json?path=/',
    '/-/metadata.json',
  ]) {
    await expectDenied(path, await request(path, headers));
  }
});

describe('with a valid token', () => {
  const headers = () => ({ authorization: `Bearer ${bearerToken(validToken)}` });

  test('every data endpoint returns 200', async () => {
    for (const path of [...DATA_ENDPOINTS, ...tableAndQueryEndpoints]) {
      const response = await request(path, headers());
      await response.arrayBuffer();
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  test('closed endpoints stay denied', async () => {
    for (const path of CLOSED_ENDPOINTS) {
      const response = await request(path, headers());
      const body = await response.text();
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
      expect(body).not.toContain(bearerToken(validToken).split('-')[1]);
    }
  });
});

describe('denied API request', () => {
  test('says unauthorized in JSON with CORS headers', async () => {
    const response = await request('/analytics/totals.json', { origin: 'https://example.org' });

    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(await response.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  test('redirects a browser to the login form', async () => {
    const response = await request('/analytics/requests', { accept: 'text/html' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/-/login?next=%2Fanalytics%2Frequests');
  });
});

describe('public endpoints', () => {
  test('login form and health check need no credentials', async () => {
    for (const path of ['/-/login', '/healthz']) {
      const response = await request(path, {});
      const body = await response.text();
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(DATA_MARKERS.filter((marker) => body.includes(marker))).toEqual([]);
    }
  });
});

describe('token lifetime', () => {
  test('revoked token is denied after a restart', async () => {
    const path = '/analytics/requests.json';
    const before = await request(path, { authorization: `Bearer ${bearerToken(revokedToken)}` });
    await before.arrayBuffer();
    expect(before.status).toBe(200);

    const restarted = await startDatasette({ db, apiTokens: [validToken] });
    try {
      const revoked = await fetch(`${restarted.url}${path}`, {
        headers: { authorization: `Bearer ${bearerToken(revokedToken)}` },
      });
      const kept = await fetch(`${restarted.url}${path}`, {
        headers: { authorization: `Bearer ${bearerToken(validToken)}` },
      });
      await kept.arrayBuffer();

      expect(revoked.status).toBe(401);
      expect(await revoked.json()).toMatchObject({ error: 'unauthorized' });
      expect(kept.status).toBe(200);
    } finally {
      await restarted.stop();
    }
  });

  test('token stops working at its expiry', async () => {
    const expiresAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000);
    const expiring = newApiToken('short', expiresAt.toISOString().replace('.000Z', 'Z'));
    const running = await startDatasette({ db, apiTokens: [expiring] });
    try {
      const get = () =>
        fetch(`${running.url}/analytics/totals.json`, {
          headers: { authorization: `Bearer ${bearerToken(expiring)}` },
        });

      const before = await get();
      await before.arrayBuffer();
      const checkedBeforeExpiry = Date.now() < expiresAt.getTime();
      await new Promise((wake) => setTimeout(wake, expiresAt.getTime() - Date.now() + 1500));
      const after = await get();
      await after.arrayBuffer();

      expect(checkedBeforeExpiry).toBe(true);
      expect(before.status).toBe(200);
      expect(after.status).toBe(401);
    } finally {
      await running.stop();
    }
  });
});
