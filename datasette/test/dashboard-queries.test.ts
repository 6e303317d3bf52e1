// Runs the dashboard's canned queries (datasette/queries/dashboard.yaml) on an
// ingested sample and compares them with counts on the raw requests view. The
// distinct client counts are also checked after late files and after an
// upgrade of a database made before the client migrations.

import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Params = Record<string, string>;
type Row = Record<string, string | number | null>;

const QUERIES_FILE = 'datasette/queries/dashboard.yaml';
const FIRST_DAY = '2026-03-01';
/** After the newest day, which may be 2026-04-20 as records near midnight spill over. */
const END = '2026-12-31';
const HOST = 'cdn.example.com';

let folder: string;
let db: string;
let sqlite: Database.Database;
let queries: Record<string, { sql: string }>;

function cli(...args: string[]): void {
  execFileSync('node', ['build/ingest/cli.js', ...args], { stdio: 'ignore' });
}

function sample(name: string, start: string, days: number, seed: number): string {
  const out = join(folder, name);
  cli(
    ...['sample', '--out', out, '--start', start, '--days', String(days)],
    ...['--files-per-day', '2', '--lines-per-file', '60', '--seed', String(seed)],
  );
  return out;
}

/** Runs a canned query the way Datasette binds it: every named parameter as text. */
function run(name: string, params: Params): Row[] {
  const sql = queries[name].sql;
  const bound = Object.fromEntries(
    Object.entries(params).filter(([key]) => sql.includes(`:${key}`)),
  );
  return sqlite.prepare(sql).all(bound) as Row[];
}

function raw<T>(sql: string, ...params: unknown[]): T[] {
  return sqlite.prepare(sql).all(...params) as T[];
}

function distinctClients(start: string, end: string, host: string): number {
  const hostFilter = host ? 'AND host_header = ?' : '';
  const params = host ? [start, end, host] : [start, end];
  return sqlite
    .prepare(
      `SELECT count(DISTINCT request_ip) FROM requests WHERE date BETWEEN ? AND ? ${hostFilter}`,
    )
    .pluck()
    .get(...params) as number;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'dashboard-queries-'));
  db = join(folder, 'analytics.db');
  queries = JSON.parse(
    execFileSync('.venv/bin/python', [
      '-c',
      'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
      QUERIES_FILE,
    ]).toString(),
  );

  // The later weeks load first and the earlier ones after, as when a backlog
  // of old log files arrives late.
  cli('ingest', '--source', sample('late', '2026-03-29', 22, 2), '--db', db);
  cli('ingest', '--source', sample('early', FIRST_DAY, 28, 1), '--db', db);
  sqlite = new Database(db, { readonly: true });
});

afterAll(() => {
  sqlite?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('dashboard_clients', () => {
  const ranges: [string, string, string][] = [
    [FIRST_DAY, END, ''],
    ['2026-04-01', END, ''],
    ['2026-04-19', END, HOST],
    [FIRST_DAY, END, HOST],
    // Ranges that end before the newest day, across the weeks loaded late.
    ['2026-03-10', '2026-04-02', ''],
    ['2026-03-10', '2026-04-02', HOST],
  ];

  test.each(ranges)('from %s to %s on host %p equals SQL', (start, end, host) => {
    const rows = run('dashboard_clients', { start, end, host });

    expect(rows[0].clients).toBe(distinctClients(start, end, host));
  });

  test('ending on the newest day equals SQL', () => {
    const newest = sqlite.prepare('SELECT max(date) FROM requests').pluck().get() as string;

    const rows = run('dashboard_clients', { start: '2026-03-20', end: newest, host: '' });

    expect(rows[0].clients).toBe(distinctClients('2026-03-20', newest, ''));
  });

  test('counts zero for an unknown host', () => {
    const rows = run('dashboard_clients', { start: FIRST_DAY, end: END, host: 'nope' });

    expect(rows[0].clients).toBe(0);
  });

  test('migrations fill the table from existing rollups', () => {
    const upgraded = join(folder, 'upgraded.db');
    sqlite.exec(`VACUUM INTO '${upgraded}'`);
    const old = new Database(upgraded);
    old.exec(`DROP TABLE daily_client_returns; DROP INDEX daily_client_stats_by_client;
      ALTER TABLE ingest_runs DROP COLUMN heartbeat_at;
      PRAGMA user_version = 1;`);
    old.close();

    // Any command that opens the database applies the pending migrations.
    cli('ingest', '--source', join(folder, 'late'), '--db', upgraded);
    const reopened = new Database(upgraded, { readonly: true });
    const clients = (start: string, end: string) =>
      reopened.prepare(queries.dashboard_clients.sql).pluck().get({ start, end, host: '' });
    const counts = [clients('2026-04-01', END), clients('2026-03-10', '2026-04-02')];
    reopened.close();

    expect(counts).toEqual([
      distinctClients('2026-04-01', END, ''),
      distinctClients('2026-03-10', '2026-04-02', ''),
    ]);
  });
});

test('dashboard_path_hits equals SQL per day', () => {
  const path = '/docs/api.html';
  const expected = raw<{ day: string; requests: number }>(
    `SELECT date AS day, count(*) AS requests FROM requests
     WHERE uri = ? AND host_header = ? GROUP BY date ORDER BY date`,
    path,
    HOST,
  );

  const rows = run('dashboard_path_hits', { start: FIRST_DAY, end: END, host: HOST, path });

  expect(rows.map((row) => ({ day: row.day, requests: row.requests }))).toEqual(expected);
});

test('dashboard_daily equals SQL per day', () => {
  const expected = raw<Row>(
    `SELECT date AS day, count(*) AS requests, sum(bytes) AS bytes,
       sum(result_type IN ('Hit', 'RefreshHit', 'OriginShieldHit')) AS cache_hits,
       sum(status >= 400) AS errors
     FROM requests GROUP BY date ORDER BY date`,
  );

  expect(run('dashboard_daily', { start: FIRST_DAY, end: END, host: '' })).toEqual(expected);
});

test('dashboard_status equals SQL', () => {
  const expected = raw<Row>(
    `SELECT status, count(*) AS requests FROM requests
     GROUP BY status ORDER BY requests DESC, status`,
  );
  const rows = run('dashboard_status', { start: FIRST_DAY, end: END, host: '' });
  const sorted = [...rows].sort(
    (a, b) => Number(b.requests) - Number(a.requests) || Number(a.status) - Number(b.status),
  );

  expect(sorted).toEqual(expected);
});

test('dashboard_top_paths equals SQL', () => {
  const expected = raw<Row>(
    `SELECT uri, count(*) AS requests, sum(bytes) AS bytes FROM requests
     WHERE host_header = ? GROUP BY uri ORDER BY requests DESC, uri LIMIT 20`,
    HOST,
  );

  expect(run('dashboard_top_paths', { start: FIRST_DAY, end: END, host: HOST })).toEqual(expected);
});

test('dashboard_top_referrers equals SQL', () => {
  const expected = raw<Row>(
    `SELECT referrer, count(*) AS requests FROM requests WHERE referrer IS NOT NULL
     GROUP BY referrer ORDER BY requests DESC, referrer LIMIT 10`,
  );

  expect(run('dashboard_top_referrers', { start: FIRST_DAY, end: END, host: '' })).toEqual(
    expected,
  );
});

test('dashboard_locations equals SQL', () => {
  const expected = raw<Row>(
    `SELECT location, count(*) AS requests, sum(bytes) AS bytes FROM requests
     WHERE date BETWEEN '2026-04-01' AND ? GROUP BY location
     ORDER BY requests DESC, location LIMIT 20`,
    END,
  );

  expect(run('dashboard_locations', { start: '2026-04-01', end: END, host: '' })).toEqual(expected);
});

test('dashboard_default_path is the most requested .js file', () => {
  const expected = raw<Row>(
    `SELECT uri, count(*) AS requests FROM requests WHERE uri GLOB '*.js'
     GROUP BY uri ORDER BY requests DESC, uri LIMIT 1`,
  );

  expect(run('dashboard_default_path', { start: FIRST_DAY, end: END, host: '' })).toEqual(expected);
});

test('dashboard_freshness reports the newest request and the last run', () => {
  const newest = sqlite.prepare('SELECT max(timestamp) FROM requests').pluck().get() as string;

  const [row] = run('dashboard_freshness', {});

  expect(Date.parse(String(row.newest_request))).toBe(Date.parse(newest));
  expect(row.first_day).toBe(FIRST_DAY);
  expect(row.run_id).toBe(2);
  expect(row.run_status).toBe('ok');
});
