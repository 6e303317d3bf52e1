// The JSON API with a valid token: canned queries and SQL return the same
// numbers as direct SQL on the requests view of the ingested sample.

import Database from 'better-sqlite3';
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

const START = '2026-03-01';
const END = '2026-03-14';

let folder: string;
let server: RunningDatasette;
let direct: Database.Database;
const token = newApiToken('api_test');

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-api-'));
  const db = await sampleDatabase({ folder, start: START, days: 14 });
  direct = new Database(db, { readonly: true });
  server = await startDatasette({ db, apiTokens: [token] });
});

afterAll(async () => {
  direct?.close();
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function getJson(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${bearerToken(token)}`, ...init.headers },
  });
  expect(response.status).toBe(200);
  return response.json();
}

function query(name: string, params: Record<string, string>): Promise<unknown> {
  const search = new URLSearchParams({ ...params, _shape: 'array' });
  return getJson(`/${server.database}/${name}.json?${search}`);
}

function topPath(): string {
  const row = direct
    .prepare(
      `SELECT uri FROM requests WHERE uri GLOB '*.js'
       GROUP BY uri ORDER BY count(*) DESC, uri LIMIT 1`,
    )
    .get() as { uri: string };
  return row.uri;
}

function daysBetween(start: string, end: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(start); t <= Date.parse(end); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

test('hits_per_day matches SQL for a path', async () => {
  const path = topPath();
  const expected = new Map(
    (
      direct
        .prepare(
          `SELECT date, count(*) AS requests, coalesce(sum(bytes), 0) AS bytes
           FROM requests WHERE uri = ? GROUP BY date`,
        )
        .all(path) as { date: string; requests: number; bytes: number }[]
    ).map((row) => [row.date, row]),
  );

  const rows = (await query('hits_per_day', { path, start: START, end: END })) as {
    day: string;
    requests: number;
    bytes: number;
  }[];

  expect(rows.map((row) => row.day)).toEqual(daysBetween(START, END));
  for (const row of rows) {
    expect({ day: row.day, requests: row.requests }).toEqual({
      day: row.day,
      requests: expected.get(row.day)?.requests ?? 0,
    });
    expect(row.bytes).toBe(expected.get(row.day)?.bytes ?? 0);
  }
  expect(rows.reduce((sum, row) => sum + row.requests, 0)).toBeGreaterThan(0);
});

test('hits_per_day fills days without requests with 0', async () => {
  const path = topPath();
  const { first } = direct
    .prepare('SELECT min(date) AS first FROM requests WHERE uri = ?')
    .get(path) as { first: string };
  const shift = (days: number) =>
    new Date(Date.parse(first) + days * 86_400_000).toISOString().slice(0, 10);
  const expected = direct
    .prepare('SELECT count(*) AS n FROM requests WHERE uri = ? AND date BETWEEN ? AND ?')
    .get(path, first, shift(1)) as { n: number };

  const rows = (await query('hits_per_day', { path, start: shift(-3), end: shift(1) })) as {
    day: string;
    requests: number;
  }[];

  expect(rows.map((row) => row.day)).toEqual(daysBetween(shift(-3), shift(1)));
  expect(rows.slice(0, 3).map((row) => row.requests)).toEqual([0, 0, 0]);
  expect(rows.slice(3).reduce((sum, row) => sum + row.requests, 0)).toBe(expected.n);
  expect(expected.n).toBeGreaterThan(0);
});

test('hits_per_day filters by host header', async () => {
  const path = topPath();
  const host = 'cdn.example.com';
  const expected = direct
    .prepare(
      `SELECT count(*) AS n FROM requests
       WHERE uri = ? AND coalesce(host_header, host) = ? AND date BETWEEN ? AND ?`,
    )
    .get(path, host, START, END) as { n: number };

  const rows = (await query('hits_per_day', { path, start: START, end: END, host })) as {
    requests: number;
  }[];

  expect(rows.reduce((sum, row) => sum + row.requests, 0)).toBe(expected.n);
  expect(expected.n).toBeGreaterThan(0);
});

test('top_paths matches SQL', async () => {
  const expected = direct
    .prepare(
      `SELECT uri AS path, count(*) AS requests FROM requests
       WHERE uri IS NOT NULL AND date BETWEEN ? AND ?
       GROUP BY uri ORDER BY requests DESC, uri LIMIT 10`,
    )
    .all(START, END);

  const rows = (await query('top_paths', { start: START, end: END, limit: '10' })) as {
    path: string;
    requests: number;
  }[];

  expect(rows.map(({ path, requests }) => ({ path, requests }))).toEqual(expected);
});

test('totals match SQL', async () => {
  const expected = direct
    .prepare(
      `SELECT count(*) AS requests, coalesce(sum(bytes), 0) AS bytes,
              count(DISTINCT request_ip) AS clients
       FROM requests WHERE date BETWEEN ? AND ?`,
    )
    .get(START, END) as { requests: number; bytes: number; clients: number };

  const [row] = (await query('totals', { start: START, end: END })) as {
    requests: number;
    bytes: number;
    clients: number;
  }[];

  expect(row.requests).toBe(expected.requests);
  expect(row.bytes).toBe(expected.bytes);
  expect(row.clients).toBe(expected.clients);
  expect(row.requests).toBeGreaterThan(1000);
});

test('totals through the newest day match SQL', async () => {
  const expected = direct
    .prepare(
      `SELECT count(*) AS requests, count(DISTINCT request_ip) AS clients
       FROM requests WHERE date >= ?`,
    )
    .get('2026-03-05') as { requests: number; clients: number };

  // No end: the range runs to today, after the newest loaded day.
  const [row] = (await query('totals', { start: '2026-03-05' })) as {
    requests: number;
    clients: number;
  }[];

  expect(row.requests).toBe(expected.requests);
  expect(row.clients).toBe(expected.clients);
  expect(row.clients).toBeGreaterThan(0);
});

test('status_mix matches SQL', async () => {
  const expected = direct
    .prepare(
      `SELECT coalesce(status, -1) AS status, count(*) AS requests FROM requests
       WHERE date BETWEEN ? AND ?
       GROUP BY 1 ORDER BY requests DESC, status`,
    )
    .all(START, END);

  const rows = (await query('status_mix', { start: START, end: END })) as {
    status: number;
    requests: number;
  }[];

  const sorted = [...rows].sort((a, b) => b.requests - a.requests || a.status - b.status);
  expect(sorted.map(({ status, requests }) => ({ status, requests }))).toEqual(expected);
});

test('freshness reports the newest request and the last run', async () => {
  const newest = direct.prepare('SELECT max(ts_ms) AS ts FROM request_rows').get() as {
    ts: number;
  };

  const [row] = (await query('freshness', {})) as {
    newest_request: string;
    last_run_status: string;
  }[];

  expect(row.newest_request).toBe(
    new Date(Math.floor(newest.ts / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  );
  expect(row.last_run_status).toBe('ok');
});

test('SQL endpoint counts the requests view', async () => {
  const expected = direct.prepare('SELECT count(*) AS n FROM requests').get() as { n: number };
  const sql = encodeURIComponent('select count(*) as n from requests');

  const rows = (await getJson(`/${server.database}.json?sql=${sql}&_shape=array`)) as {
    n: number;
  }[];

  expect(rows).toEqual([{ n: expected.n }]);
});

test('table JSON returns request rows', async () => {
  const body = (await getJson(`/${server.database}/requests.json?_size=5&_shape=objects`)) as {
    rows: { uri: string | null; ts_ms: number }[];
  };

  expect(body.rows).toHaveLength(5);
  expect(typeof body.rows[0].ts_ms).toBe('number');
});

test('API responses carry CORS headers', async () => {
  const response = await fetch(`${server.url}/${server.database}/totals.json`, {
    headers: { authorization: `Bearer ${bearerToken(token)}`, origin: 'https://example.org' },
  });

  expect(response.status).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
});

test('CORS preflight allows the Authorization header', async () => {
  const response = await fetch(`${server.url}/${server.database}/totals.json`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://example.org',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });

  expect(response.status).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
    'authorization',
  );
});
