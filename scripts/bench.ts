// Ingest benchmark: generates about one million log lines in 100 gzip files,
// loads them with the real CLI, and in the same script runs the reference, the
// sqlite3 shell importing the same decompressed lines into a 33-column text
// table in one transaction. Prints both rates and ends with one JSON line.
//
// Usage: npm run bench [-- --keep]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LEGACY_FIELDS } from '../ingest/src/formats/fields.js';

const CLI = 'build/ingest/cli.js';
const work = mkdtempSync(join(tmpdir(), 'cdn-analytics-bench-'));
const logs = join(work, 'logs');

function timed<T>(run: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Runs a command under GNU time and returns its peak RSS in MB. */
function runMeasured(command: string, args: string[]): { seconds: number; peakRssMb: number } {
  const rssFile = join(work, 'rss.txt');
  const { result, seconds } = timed(() =>
    spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CI: '1' },
    }),
  );
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  const kilobytes = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return { seconds, peakRssMb: kilobytes / 1024 };
}

function generate(): number {
  // 2026-03-02 is a Monday: five weekdays of 20 files keep every file near 10,000 lines.
  const output = execFileSync('node', [
    CLI,
    'sample',
    '--out',
    logs,
    '--start',
    '2026-03-02',
    '--days',
    '5',
    '--files-per-day',
    '20',
    '--lines-per-file',
    '10000',
    '--seed',
    '7',
  ]).toString();
  return JSON.parse(output).lines as number;
}

function ingestRun(db: string) {
  return runMeasured('node', [CLI, 'ingest', '--source', logs, '--db', db, '--quiet']);
}

function referenceRun(db: string) {
  const tsv = join(work, 'reference.tsv');
  const lines: string[] = [];
  for (const name of readdirSync(logs).sort()) {
    const text = gunzipSync(readFileSync(join(logs, name))).toString('utf8');
    for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) lines.push(line);
  }
  writeFileSync(tsv, lines.join('\n') + '\n');
  const columns = LEGACY_FIELDS.map((_, i) => `c${i} TEXT`).join(', ');
  const script = [
    'PRAGMA journal_mode = WAL;',
    `CREATE TABLE reference (${columns});`,
    '.mode tabs',
    `.import ${tsv} reference`,
  ].join('\n');
  const scriptFile = join(work, 'reference.sql');
  writeFileSync(scriptFile, script);
  return runMeasured('sh', ['-c', `sqlite3 ${db} < ${scriptFile}`]);
}

function databaseBytes(db: string): number {
  // Checkpoint so the WAL's pages count in the main file.
  execFileSync('sqlite3', [db, 'PRAGMA wal_checkpoint(TRUNCATE);']);
  return statSync(db).size;
}

function rowCount(db: string, table: string): number {
  return Number(
    execFileSync('sqlite3', [db, `SELECT count(*) FROM ${table}`])
      .toString()
      .trim(),
  );
}

const lines = generate();
process.stderr.write(
  `generated ${lines} lines in ${readdirSync(logs).length} files under ${logs}\n`,
);

const ours = ingestRun(join(work, 'ours.db'));
const oursRows = rowCount(join(work, 'ours.db'), 'request_rows');
const reference = referenceRun(join(work, 'reference.db'));
const referenceRows = rowCount(join(work, 'reference.db'), 'reference');
if (oursRows !== lines || referenceRows !== lines) {
  throw new Error(
    `row counts differ from ${lines} lines: ingest ${oursRows}, reference ${referenceRows}`,
  );
}

const result = {
  lines,
  lines_per_s: Math.round(lines / ours.seconds),
  reference_lines_per_s: Math.round(lines / reference.seconds),
  ratio: Number((reference.seconds / ours.seconds).toFixed(2)),
  db_bytes_per_row: Math.round(databaseBytes(join(work, 'ours.db')) / lines),
  reference_db_bytes_per_row: Math.round(databaseBytes(join(work, 'reference.db')) / lines),
  peak_rss_mb: Math.round(ours.peakRssMb),
};
process.stderr.write(
  `cdn-analytics ingest: ${result.lines_per_s} lines/s (${ours.seconds.toFixed(2)} s, gunzip included)\n` +
    `sqlite3 .import:      ${result.reference_lines_per_s} lines/s (${reference.seconds.toFixed(2)} s, lines already decompressed)\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
