// Writes sample CloudFront logs and ingests them with the built CLI
// (build/ingest/cli.js, which jest's global setup builds), for tests that need
// a real analytics database.

import { execFile, execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../..'),
  'build/ingest/cli.js',
);

export interface SampleOptions {
  /** Folder that receives the logs (in `<folder>/<logs>`) and the database. */
  readonly folder: string;
  /** First day, YYYY-MM-DD. @default so that the last day is today (UTC) */
  readonly start?: string;
  /** @default 7 */
  readonly days?: number;
  /** Log files per day. @default 24 */
  readonly filesPerDay?: number;
  /** Records per file on a weekday. @default 50 */
  readonly linesPerFile?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Sub-folder of `folder` for the logs. @default 'logs' */
  readonly logs?: string;
}

/** Writes sample logs and returns their folder. */
export function writeSampleLogs(options: SampleOptions): string {
  const out = join(options.folder, options.logs ?? 'logs');
  const args = ['sample', '--out', out, '--days', String(options.days ?? 7)];
  args.push('--files-per-day', String(options.filesPerDay ?? 24));
  args.push('--lines-per-file', String(options.linesPerFile ?? 50));
  args.push('--seed', String(options.seed ?? 1));
  if (options.start) args.push('--start', options.start);
  execFileSync('node', [CLI, ...args], { stdio: 'ignore' });
  return out;
}

/** Runs `cdn-analytics ingest` and resolves when it exits 0; rejects with its stderr otherwise. */
export async function ingest(source: string, db: string): Promise<void> {
  await promisify(execFile)('node', [CLI, 'ingest', '--source', source, '--db', db, '--quiet']);
}

/** Writes sample logs and ingests them into `<folder>/analytics.db`; returns the database path. */
export async function sampleDatabase(options: SampleOptions): Promise<string> {
  const db = join(options.folder, 'analytics.db');
  await ingest(writeSampleLogs(options), db);
  return db;
}
