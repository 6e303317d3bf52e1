// Dashboard query benchmark: builds a database with one year of traffic at
// about 100,000 requests a day and times every canned query of
// datasette/queries/dashboard.yaml on it with better-sqlite3. The ranges are the
// presets (this year for all hosts and for one host, the last 30 days) and a
// custom range that ends 90 days ago. Ends with one JSON line.
//
// Usage: tsx scripts/bench-dashboard.ts [--full] [--db FILE] [--keep]
//   (default)  generate and ingest 7 days with the real CLI, then copy their
//              daily rollup rows over the rest of the year (about 1 minute)
//   --full     generate and ingest all 365 days: 47.4M rows as the sample grows
//              over the year, about 30 minutes and 8.9 GB on a 2-core machine
//   --db FILE  time an existing database instead of building one
//   --keep     keep the generated logs and database and print their folder

import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILL_CLIENT_RETURNS } from '../ingest/src/store/client-returns.js';

const CLI = 'build/ingest/cli.js';
const QUERIES_FILE = 'datasette/queries/dashboard.yaml';
const PYTHON = '.venv/bin/python';
const LIMIT_MS = 200;
const RUNS = 5;
const DAY_MS = 86_400_000;
/** 24 files of 4,200 lines is 100,800 requests on a weekday, 55% of that on weekends. */
const FILES_PER_DAY = 24;
const LINES_PER_FILE = 4200;
const YEAR_DAYS = 365;
/** One week, so the copied rollups keep the weekday rhythm of the generator. */
const TEMPLATE_DAYS = 7;

interface CannedQuery {
  readonly sql: string;
}

interface Timing {
  readonly median_ms: number;
  readonly max_ms: number;
  readonly rows: number;
}

const args = process.argv.slice(2);
const full = args.includes('--full');
const keep = args.includes('--keep');
const dbIndex = args.indexOf('--db');
const givenDb = dbIndex >= 0 ? args[dbIndex + 1] : undefined;
if (dbIndex >= 0 && !givenDb) {
  console.error('error: --db needs a database file');
  process.exit(2);
}

function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS).toISOString().slice(0, 10);
}

function cli(...cliArgs: string[]): void {
  execFileSync('node', [CLI, ...cliArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Reads the canned queries with the venv's PyYAML, the parser Datasette's plugin uses. */
function loadQueries(): Record<string, CannedQuery> {
  const json = execFileSync(PYTHON, [
    '-c',
    'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
    QUERIES_FILE,
  ]).toString();
  return JSON.parse(json) as Record<string, CannedQuery>;
}

/** Generates and ingests `days` days ending on `lastDay` with the real CLI. */
function generateAndIngest(folder: string, db: string, firstDay: string, days: number): void {
  const logs = join(folder, 'logs');
  cli(
    ...['sample', '--out', logs, '--start', firstDay, '--days', String(days)],
    ...['--files-per-day', String(FILES_PER_DAY), '--lines-per-file', String(LINES_PER_FILE)],
    ...['--seed', '11'],
  );
  cli('ingest', '--source', logs, '--db', db, '--quiet');
  if (!keep) rmSync(logs, { recursive: true, force: true });
}

const ROLLUP_COPIES: readonly [table: string, columns: string][] = [
  ['daily_uri_stats', 'host_id, uri_id, requests, bytes, cache_hits, errors'],
  ['daily_status_stats', 'host_id, status, requests, bytes'],
  ['daily_result_stats', 'host_id, result_type_id, requests, bytes'],
  ['daily_location_stats', 'host_id, location_id, requests, bytes'],
  ['daily_referrer_stats', 'host_id, referrer_id, requests'],
];

/**
 * Fills the year before the ingested week with copies of its rollup rows. The
 * sample generator draws IPv6 addresses at random for every request but IPv4
 * ones from a small pool. So in the client rollup each copy gives the IPv6
 * addresses new ids and keeps the IPv4 ones, and distinct clients grow over
 * the year as in a full ingest.
 */
function copyRollups(db: string, firstDay: string, templateStart: string): void {
  const sqlite = new Database(db);
  const copies = Math.ceil((YEAR_DAYS - TEMPLATE_DAYS) / TEMPLATE_DAYS);
  const shift = `'-' || (k.n * ${TEMPLATE_DAYS}) || ' days'`;
  const inYear = `date(t.day, ${shift}) >= '${firstDay}'`;
  const copyNumbers = `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ${copies})`;

  sqlite.transaction(() => {
    for (const [table, columns] of ROLLUP_COPIES) {
      sqlite.exec(`${copyNumbers}
        INSERT INTO ${table} (day, ${columns})
        SELECT date(t.day, ${shift}), ${columns.replace(/(\w+)/g, 't.$1')}
        FROM ${table} t, k WHERE t.day >= '${templateStart}' AND ${inYear}`);
    }
    const maxClientId = sqlite.prepare('SELECT max(id) FROM client_ips').pluck().get() as number;
    sqlite.exec(`${copyNumbers}
      INSERT INTO daily_client_stats (day, host_id, request_ip_id, requests)
      SELECT date(t.day, ${shift}), t.host_id,
        CASE WHEN ip.value LIKE '%:%' THEN t.request_ip_id + k.n * ${maxClientId}
          ELSE t.request_ip_id END,
        t.requests
      FROM daily_client_stats t JOIN client_ips ip ON ip.id = t.request_ip_id, k
      WHERE t.day >= '${templateStart}' AND ${inYear}`);
    // The ingester keeps the client returns at each commit; copied rows bypass
    // it, so rebuild them from the client rollup as migration 4 does.
    sqlite.exec(`DELETE FROM daily_client_returns; ${FILL_CLIENT_RETURNS}`);
  })();
  sqlite.exec('ANALYZE');
  sqlite.close();
}

/** Exits when the distinct-client count disagrees with count(DISTINCT) over the rollup. */
function checkClients(sqlite: Database.Database, sql: string, start: string, end: string): void {
  const fast = sqlite.prepare(sql).pluck().get({ start, end, host: '' });
  const exact = sqlite
    .prepare(
      `SELECT count(DISTINCT request_ip_id) FROM daily_client_stats
       WHERE day BETWEEN ? AND ? AND request_ip_id <> 0`,
    )
    .pluck()
    .get(start, end);
  if (fast !== exact) {
    console.error(
      `error: dashboard_clients counts ${fast} clients from ${start} to ${end} but the rollup has ${exact}`,
    );
    process.exit(1);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a query once to warm the page cache, then RUNS times, and keeps the times. */
function timeQuery(sqlite: Database.Database, sql: string, params: Record<string, string>): Timing {
  const statement = sqlite.prepare(sql);
  const bound = Object.fromEntries(
    Object.entries(params).filter(([name]) => sql.includes(`:${name}`)),
  );
  let rows = statement.all(bound).length;
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    rows = statement.all(bound).length;
    times.push(performance.now() - started);
  }
  return { median_ms: round(median(times)), max_ms: round(Math.max(...times)), rows };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function buildDatabase(folder: string): string {
  const db = join(folder, 'analytics.db');
  const lastDay = new Date().toISOString().slice(0, 10);
  const firstDay = addDays(lastDay, -(YEAR_DAYS - 1));
  if (full) {
    generateAndIngest(folder, db, firstDay, YEAR_DAYS);
    return db;
  }
  const templateStart = addDays(lastDay, -(TEMPLATE_DAYS - 1));
  generateAndIngest(folder, db, templateStart, TEMPLATE_DAYS);
  copyRollups(db, firstDay, templateStart);
  return db;
}

function scenarios(sqlite: Database.Database): Record<string, Record<string, string>> {
  const lastDay = sqlite.prepare('SELECT max(day) FROM daily_uri_stats').pluck().get() as string;
  const host = sqlite
    .prepare(
      `SELECT h.value FROM daily_status_stats s JOIN hosts h ON h.id = s.host_id
       GROUP BY s.host_id ORDER BY sum(s.requests) DESC LIMIT 1`,
    )
    .pluck()
    .get() as string;
  const path = sqlite
    .prepare(
      `SELECT u.value FROM daily_uri_stats d JOIN uris u ON u.id = d.uri_id
       WHERE u.value GLOB '*.js' GROUP BY d.uri_id ORDER BY sum(d.requests) DESC LIMIT 1`,
    )
    .pluck()
    .get() as string;
  const yearStart = `${lastDay.slice(0, 4)}-01-01`;
  return {
    // The hits query starts 27 days early so the first days get a full 28-day average.
    year: { start: addDays(yearStart, -27), end: lastDay, host: '', path },
    year_one_host: { start: addDays(yearStart, -27), end: lastDay, host, path },
    last_30_days: { start: addDays(lastDay, -29), end: lastDay, host: '', path },
    // A custom range that ends before the newest day.
    custom_90_days_past: {
      start: addDays(lastDay, -179),
      end: addDays(lastDay, -90),
      host: '',
      path,
    },
    custom_year_to_yesterday: {
      start: addDays(yearStart, -27),
      end: addDays(lastDay, -1),
      host: '',
      path,
    },
  };
}

function main(): void {
  const folder = mkdtempSync(join(tmpdir(), 'cdn-analytics-dashboard-bench-'));
  const started = performance.now();
  const db = givenDb ?? buildDatabase(folder);
  const buildSeconds = (performance.now() - started) / 1000;

  const sqlite = new Database(db, { readonly: true });
  const counts = sqlite
    .prepare(`SELECT count(DISTINCT day) AS days, sum(requests) AS requests FROM daily_uri_stats`)
    .get() as { days: number; requests: number };
  const queries = loadQueries();
  const cases = scenarios(sqlite);
  for (const { start, end } of Object.values(cases)) {
    checkClients(sqlite, queries.dashboard_clients.sql, start, end);
  }
  const results: Record<string, Record<string, Timing>> = {};
  for (const [scenario, params] of Object.entries(cases)) {
    for (const [name, query] of Object.entries(queries)) {
      results[name] ??= {};
      results[name][scenario] = timeQuery(sqlite, query.sql, params);
    }
  }
  sqlite.close();

  const slowestOf = (scenarioNames: string[]) =>
    Math.max(
      ...Object.values(results).flatMap((byScenario) =>
        scenarioNames.map((scenario) => byScenario[scenario].max_ms),
      ),
    );
  const slowest = slowestOf(Object.keys(cases));
  for (const [name, byScenario] of Object.entries(results)) {
    const line = Object.entries(byScenario)
      .map(([scenario, timing]) => `${scenario} ${timing.median_ms} ms`)
      .join(', ');
    console.error(`${name.padEnd(24)} ${line}`);
  }
  if (keep || givenDb) console.error(`database: ${db}`);
  if (!keep) rmSync(folder, { recursive: true, force: true });

  let mode = 'copied_rollups';
  if (givenDb) mode = 'existing';
  else if (full) mode = 'full';
  console.log(
    JSON.stringify({
      event: 'dashboard_bench',
      mode,
      days: counts.days,
      requests: counts.requests,
      build_s: round(buildSeconds),
      runs: RUNS,
      limit_ms: LIMIT_MS,
      slowest_ms: slowest,
      within_limit: slowest < LIMIT_MS,
      queries: results,
    }),
  );
}

main();
