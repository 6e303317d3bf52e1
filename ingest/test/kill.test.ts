// kill -9 in the middle of a run, then a rerun: the database must hold exactly
// what one clean run stores, with the killed run marked as interrupted.

import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempFolder } from './helpers/logs.js';

const CLI = join(process.cwd(), 'build/ingest/cli.js');
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
      '1500',
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

/** Starts an ingest and SIGKILLs it once `files` files are committed. */
async function killAfter(db: string, files: number): Promise<void> {
  const child = spawn('node', [CLI, 'ingest', '--source', join(folder, 'logs'), '--db', db], {
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let polls = 0; polls < 2000; polls++) {
    if (loadedFiles(db) >= files) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  const code = await exited;
  // A run that finished before the kill would make this test meaningless.
  expect(code).toBeNull();
}

test.each([1, 20, 45])('rerun after kill -9 at %i files matches a clean run', async (files) => {
  const db = join(folder, `killed-${files}.db`);
  await killAfter(db, files);
  const partial = loadedFiles(db);
  expect(partial).toBeGreaterThanOrEqual(files);
  expect(partial).toBeLessThan(60);

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
