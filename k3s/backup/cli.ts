// Command line of the backup program, which the backup CronJob and the restore
// Job run in the ingest image. Logs one JSON object a line on stderr, prints
// the S3 URL or file it wrote on stdout, and exits 0 done, 1 failed, 2 usage error.

import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { copyDatabase, replaceDatabase, verifyDatabase } from './sqlite-copy.js';
import {
  InvalidS3UrlError,
  createS3Client,
  downloadGunzipped,
  parseS3Url,
  uploadGzipped,
  type S3Location,
} from './s3-transfer.js';

const USAGE = `usage: backup.js backup --db FILE --to s3://BUCKET/PREFIX/ [--endpoint-url URL]
       backup.js restore --from s3://BUCKET/KEY --db FILE [--endpoint-url URL]`;

const logger = pino(
  { base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination({ dest: 2, sync: true }),
);

class UsageError extends Error {}

interface Flags {
  readonly db?: string;
  readonly to?: string;
  readonly from?: string;
  readonly 'endpoint-url'?: string;
}

/** Returns the key of a new copy under `prefix`, named for the UTC time, e.g. analytics-2026-12-04T03-47-00Z.db.gz. */
export function backupKey(prefix: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${folder}analytics-${stamp}.db.gz`;
}

async function backup(flags: Flags): Promise<void> {
  const db = required(flags.db, '--db FILE');
  const target = parseS3Url('--to', required(flags.to, '--to s3://BUCKET/PREFIX/'));
  const location: S3Location = { bucket: target.bucket, key: backupKey(target.key, new Date()) };
  const copy = `${db}.backup-copy`;
  const started = performance.now();

  try {
    const pages = await copyDatabase(db, copy);
    const client = createS3Client(flags['endpoint-url']);
    const bytes = await uploadGzipped(client, copy, `${copy}.gz`, location);
    logger.info({
      event: 'backup_uploaded',
      bucket: location.bucket,
      key: location.key,
      pages,
      bytes,
      ms: Math.round(performance.now() - started),
    });
    process.stdout.write(`s3://${location.bucket}/${location.key}\n`);
  } finally {
    rmSync(copy, { force: true });
    rmSync(`${copy}.gz`, { force: true });
  }
}

async function restore(flags: Flags): Promise<void> {
  const db = required(flags.db, '--db FILE');
  const source = parseS3Url('--from', required(flags.from, '--from s3://BUCKET/KEY'));
  if (source.key === '' || source.key.endsWith('/')) {
    throw new UsageError(`--from ${flags.from}: name one object, not a prefix`);
  }
  const download = `${db}.restore-copy`;

  try {
    const client = createS3Client(flags['endpoint-url']);
    const bytes = await downloadGunzipped(client, source, download);
    verifyDatabase(download);
    const previous = replaceDatabase(download, db);
    logger.info({
      event: 'restore_finished',
      bucket: source.bucket,
      key: source.key,
      bytes,
      previous,
    });
    process.stdout.write(`${db}\n`);
  } finally {
    rmSync(download, { force: true });
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing ${flag}`);
  return value;
}

/** Runs one command and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        to: { type: 'string' },
        from: { type: 'string' },
        'endpoint-url': { type: 'string' },
      },
    });
    const command = positionals[0];
    if (command === 'backup' && positionals.length === 1) await backup(values);
    else if (command === 'restore' && positionals.length === 1) await restore(values);
    else throw new UsageError(`invalid command '${positionals.join(' ')}': use backup or restore`);
    return 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof InvalidS3UrlError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      process.stderr.write(`error: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    logger.error({ event: 'backup_failed', error: (error as Error).message });
    return 1;
  }
}
