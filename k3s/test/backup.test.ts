// The backup program, run as the backup CronJob runs it (node build/k3s/backup.js),
// copies a database that a writer has open to moto's S3 server on 127.0.0.1,
// and restores the copy in place.

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT as ROOT } from '../../charts/lint-tools.js';
import { backupKey } from '../backup/cli.js';
import { TEST_AWS_ENV, startMoto, type Moto } from './servers.js';

const BUCKET = 'backup-test';

let moto: Moto;
let workDir: string;

beforeAll(async () => {
  const build = spawnSync('npm', ['run', '-s', 'build:backup'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.stderr).toBe('');
  workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-backup-'));

  moto = await startMoto(BUCKET);
});

afterAll(() => {
  moto?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function runBackup(args: string[]) {
  return spawnSync('node', ['build/k3s/backup.js', ...args, '--endpoint-url', moto.endpoint], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...TEST_AWS_ENV },
  });
}

/** Creates a WAL database with `rows` rows and returns the writer, left open. */
function openWriter(file: string, rows: number): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE requests (id INTEGER PRIMARY KEY, uri TEXT)');
  const insert = db.prepare('INSERT INTO requests (uri) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`/path/${i}`);
  })();
  return db;
}

function countRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('backup program', () => {
  test('copies a database open for writing', async () => {
    const file = path.join(workDir, 'live.db');
    const writer = openWriter(file, 5000);

    const result = runBackup(['backup', '--db', file, '--to', `s3://${BUCKET}/copies/`]);
    writer.close();

    expect(result.stderr).toMatch(/"event":"backup_uploaded"/);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(
      /^s3:\/\/backup-test\/copies\/analytics-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.db\.gz$/,
    );
    const listing = await moto.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'copies/' }),
    );
    expect(listing.KeyCount).toBe(1);
    expect(existsSync(`${file}.backup-copy`)).toBe(false);
    expect(existsSync(`${file}.backup-copy.gz`)).toBe(false);
  });

  test('restores the copy in place', () => {
    const file = path.join(workDir, 'restore.db');
    const writer = openWriter(file, 1200);
    const uploaded = runBackup(['backup', '--db', file, '--to', `s3://${BUCKET}/restore`]);
    expect(uploaded.status).toBe(0);
    writer.exec("INSERT INTO requests (uri) VALUES ('/after-backup')");
    writer.close();

    const result = runBackup(['restore', '--from', uploaded.stdout.trim(), '--db', file]);

    expect(result.stderr).toMatch(/"event":"restore_finished"/);
    expect(result.status).toBe(0);
    expect(countRows(file)).toBe(1200);
    expect(countRows(`${file}.before-restore`)).toBe(1201);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  test('missing database exits 1', () => {
    const result = runBackup([
      'backup',
      '--db',
      path.join(workDir, 'none.db'),
      '--to',
      `s3://${BUCKET}/x/`,
    ]);
    expect(result.stderr).toMatch(/none\.db not found/);
    expect(result.status).toBe(1);
  });

  test('missing object exits 1', () => {
    const file = path.join(workDir, 'kept.db');
    openWriter(file, 3).close();
    const result = runBackup(['restore', '--from', `s3://${BUCKET}/nothing.db.gz`, '--db', file]);
    expect(result.status).toBe(1);
    expect(countRows(file)).toBe(3);
  });

  test.each([
    [['backup', '--db', 'a.db'], /missing --to/],
    [['restore', '--from', `s3://${BUCKET}/copies/`, '--db', 'a.db'], /not a prefix/],
    [['backup', '--db', 'a.db', '--to', 'https://x/'], /invalid S3 URL/],
    [['copy'], /invalid command 'copy'/],
    [['backup', '--colour'], /Unknown option '--colour'/],
  ])('usage error %p exits 2', (args, message) => {
    const result = runBackup(args as string[]);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });
});

describe('backupKey', () => {
  const now = new Date('2026-12-04T03:47:05.123Z');

  test.each([
    ['', 'analytics-2026-12-04T03-47-05Z.db.gz'],
    ['copies/', 'copies/analytics-2026-12-04T03-47-05Z.db.gz'],
    ['copies', 'copies/analytics-2026-12-04T03-47-05Z.db.gz'],
  ])('prefix %p gives %p', (prefix, key) => {
    expect(backupKey(prefix, now)).toBe(key);
  });
});
