// kill -9 in the middle of a run, then a rerun: the database must hold exactly
// what one clean run stores, with the killed run marked as interrupted. The
// sample has more rows than one group transaction takes, so a run commits at
// least twice and a kill can land before the first commit or between two.

import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempFolder } from './helpers/logs.js';

const CLI = join(process.cwd(), 'build/ingest/cli.js');
const TOTAL_FILES = 60;
let folder: string;

beforeAll(() => {
  folder = tempFolder('cdn-analytics-kill-');
  const sample = spawnSync(
    'node',
    [
      CLI,
      'sample',
      '--out',
      join(folder, 'logs'),
      '--days',
      '5',
      '--files-per-day',
      '12',
      '--lines-per-file',
      '5000',
      '--start',
      '2026-05-04',
    ],
    { encoding: 'utf8' },
  );
  expect(sample.status).toBe(0);
  const clean = spawnSync('node', [
    CLI,
    'ingest',
    '--source',
    join(folder, 'logs'),
    '--db',
    join(folder, 'clean.db'),
  ]);
  expect(clean.status).toBe(0);
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Everything a clean run determines, as one comparable object. */
function fingerprint(path: string) {
  const db = new Database(path, { readonly: true });
  const value = (sql: string) => db.prepare(sql).pluck().get();
  try {
    return {
      rows: value('SELECT count(*) FROM request_rows'),
      keys: value('SELECT sum(dedupe_key % 1000003) FROM request_rows'),
      files: value('SELECT count(*) FROM log_files'),
      fileRows: value('SELECT sum(rows) FROM log_files'),
      uriStats: value("SELECT sum(requests) || '/' || sum(bytes) FROM daily_uri_stats"),
      statusStats: value('SELECT sum(requests) FROM daily_status_stats'),
      clientStats: value("SELECT sum(requests) || '/' || count(*) FROM daily_client_stats"),
      clientReturns: value(
        `SELECT group_concat(scope || previous_day || day || ':' || clients, ',')
         FROM (SELECT * FROM daily_client_returns ORDER BY scope, day, previous_day)`,
      ),
      uris: value('SELECT count(*) FROM uris'),
    };
  } finally {
    db.close();
  }
}

function loadedFiles(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM log_files').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

function runningRuns(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare("SELECT count(*) FROM ingest_runs WHERE status = 'running'")
        .pluck()
        .get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Starts an ingest and SIGKILLs it as soon as `ready` holds for the database. */
async function killWhen(db: string, ready: (db: string) => boolean): Promise<void> {
  const child = spawn('node', [CLI, 'ingest', '--source', join(folder, 'logs'), '--db', db], {
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let polls = 0; polls < 6000 && !ready(db); polls++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  const code = await exited;
  // A run that finished before the kill would make this test meaningless.
  expect(code).toBeNull();
}

const KILL_POINTS: [string, (db: string) => boolean][] = [
  ['before the first commit', (db) => runningRuns(db) > 0],
  ['after the first group commit', (db) => loadedFiles(db) > 0],
];

const partials: number[] = [];

test.each(KILL_POINTS)('rerun after kill -9 %s matches a clean run', async (point, ready) => {
  const db = join(folder, `killed-${point.replace(/ /g, '-')}.db`);
  await killWhen(db, ready);
  const partial = loadedFiles(db);
  partials.push(partial);
  expect(partial).toBeLessThan(TOTAL_FILES);

  const rerun = spawnSync('node', [CLI, 'ingest', '--source', join(folder, 'logs'), '--db', db], {
    encoding: 'utf8',
  });
  expect(rerun.status).toBe(0);
  expect(fingerprint(db)).toEqual(fingerprint(join(folder, 'clean.db')));

  const runs = new Database(db, { readonly: true });
  const statuses = runs.prepare('SELECT status FROM ingest_runs ORDER BY id').pluck().all();
  runs.close();
  expect(statuses).toEqual(['interrupted', 'ok']);
});

test('some kill landed after a commit and before the end', () => {
  expect(partials.some((files) => files > 0 && files < TOTAL_FILES)).toBe(true);
});
