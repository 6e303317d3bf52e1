// The backup program, run as the backup CronJob runs it (node build/k3s/backup.js),
// copies a database that a writer has open to moto's S3 server on 127.0.0.1,
// and restores the copy in place.

import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupKey } from '../backup/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MOTO = path.join(ROOT, '.venv/bin/moto_server');
const BUCKET = 'backup-test';

let moto: ChildProcess;
let endpoint: string;
let workDir: string;
const awsEnv = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

beforeAll(async () => {
  const build = spawnSync('npm', ['run', '-s', 'build:backup'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.stderr).toBe('');
  workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-backup-'));

  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForHttp(endpoint);
  await s3Client().send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(() => {
  moto?.kill();
  rmSync(workDir, { recursive: true, force: true });
});

function s3Client(): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

function runBackup(args: string[]) {
  return spawnSync('node', ['build/k3s/backup.js', ...args, '--endpoint-url', endpoint], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...awsEnv },
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
    const listing = await s3Client().send(
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`moto_server at ${url} did not start within 30 s`);
}
