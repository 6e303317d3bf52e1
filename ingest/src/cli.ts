// The `cdn-analytics` command line: parses flags, opens the database, calls one
// library function per command and turns its errors into a message and an exit
// code (0 done, 1 some file or the database failed, 2 usage error).

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import {
  DatabaseOpenError,
  IngestRunningError,
  S3SourceError,
  SourceError,
  UsageError,
} from './errors.js';
import { ingest } from './ingest.js';
import type { RunTotals } from './store/runs.js';
import {
  createLogger,
  loggingEvents,
  progressEvents,
  wantsProgressBar,
  type Verbosity,
} from './log.js';
import { checkWholeNumberFlags } from './number-flags.js';
import {
  generateSample,
  MAX_DAYS,
  MAX_FILES_PER_DAY,
  MAX_LINES_PER_FILE,
  MAX_SEED,
} from './sample/generator.js';
import { LocalSource } from './sources/local-source.js';
import { sourceFor } from './sources/index.js';
import {
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  parseLookback,
  type S3SourceOptions,
} from './sources/s3-source.js';
import { openDatabase } from './store/database.js';
import { formatStatus, readStatus } from './store/status.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

interface CommonFlags {
  db: string;
  quiet: boolean;
  verbose: boolean;
}

function commonFlags<T>(argv: Argv<T>) {
  return argv
    .option('db', {
      type: 'string',
      default: 'analytics.db',
      describe: 'SQLite database file (created when missing)',
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'Print errors only' })
    .option('verbose', {
      type: 'boolean',
      default: false,
      describe: 'Log every file and print stack traces',
    });
}

function verbosityOf(flags: CommonFlags): Verbosity {
  if (flags.quiet) return 'quiet';
  if (flags.verbose) return 'verbose';
  return 'normal';
}

interface S3Flags {
  'endpoint-url': string | undefined;
  region: string | undefined;
  lookback: string;
  full: boolean;
  concurrency: number;
}

async function runIngest(flags: CommonFlags & S3Flags & { source: string[] }): Promise<number> {
  const verbosity = verbosityOf(flags);
  const logger = createLogger(verbosity);
  const s3Options: S3SourceOptions = {
    endpointUrl:
      flags['endpoint-url'] ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
    region: flags.region,
    lookbackMs: flags.full ? null : parseLookback(flags.lookback),
    concurrency: flags.concurrency,
    logger,
  };
  const databaseFiles = ['', '-wal', '-shm', '-journal'].map(
    (suffix) => resolve(flags.db) + suffix,
  );
  if (flags.source.length === 0) {
    throw new UsageError('--source has no value; pass a folder or s3://BUCKET/PREFIX');
  }
  const sources = flags.source.map((spec) => sourceFor(spec, s3Options, databaseFiles));
  const db = openDatabase(flags.db);

  const base = loggingEvents(logger);
  let totalFiles: number | null = null;
  if (wantsProgressBar(verbosity) && sources.every((s) => s instanceof LocalSource)) {
    totalFiles = 0;
    for (const source of sources) totalFiles += (await (source as LocalSource).files()).length;
  }
  const bar = wantsProgressBar(verbosity) ? progressEvents(totalFiles, base) : null;

  try {
    const summary = await ingest(db, { sources, events: bar ?? base });
    bar?.stop();
    const { failures, unknownFields, runId, ms, ...totals } = summary;
    if (unknownFields.length > 0) {
      logger.warn({ event: 'unknown_fields', fields: unknownFields, stored_in: 'extras' });
    }
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    if (bar) {
      process.stderr.write(`${describeRun(totals, ms)}\n`);
    } else {
      logger.info({
        event: 'ingest_finished',
        run_id: runId,
        ...snakeCase(totals),
        ms: Math.round(ms),
        peak_rss_mb: peakRssMb,
      });
    }
    for (const failure of failures) {
      process.stderr.write(`error: ${failure.source} ${failure.key}: ${failure.message}\n`);
    }
    return failures.length > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    bar?.stop();
    db.close();
  }
}

/** Describes a run in one line for a person at a terminal; scripts get the JSON event instead. */
function describeRun(totals: RunTotals, ms: number): string {
  const seconds = ms / 1000;
  const rate = Math.round(totals.lines / Math.max(seconds, 0.001));
  return (
    `Loaded ${totals.filesLoaded} files (${totals.filesSkipped} already loaded, ${totals.filesFailed} failed): ` +
    `${totals.rows} rows, ${totals.duplicates} duplicates, ${totals.rejected} rejected lines ` +
    `in ${seconds.toFixed(1)} s (${rate} lines/s)`
  );
}

function snakeCase(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      value,
    ]),
  );
}

function runStatus(flags: CommonFlags & { json: boolean }): number {
  const db = openDatabase(flags.db, { readonly: true });
  try {
    const status = readStatus(db);
    process.stdout.write(
      flags.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`,
    );
    return EXIT_OK;
  } finally {
    db.close();
  }
}

function runSample(flags: {
  out: string;
  days: number;
  start: string | undefined;
  'files-per-day': number;
  'lines-per-file': number;
  seed: number;
}): number {
  if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) {
    throw new UsageError(`--out ${flags.out}: is a file; pass a folder to write the logs into`);
  }
  const start = flags.start ?? defaultStart(flags.days);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start))) {
    throw new UsageError(`--start ${start}: invalid date; use YYYY-MM-DD`);
  }
  const summary = generateSample({
    out: flags.out,
    start,
    days: flags.days,
    filesPerDay: flags['files-per-day'],
    linesPerFile: flags['lines-per-file'],
    seed: flags.seed,
  });
  process.stdout.write(`${JSON.stringify({ out: flags.out, ...summary })}\n`);
  return EXIT_OK;
}

/** Returns the first day that makes the sample end today, so "this year" views have data. */
function defaultStart(days: number): string {
  const today = Date.UTC(
    new Date().getUTCFullYear(),
    new Date().getUTCMonth(),
    new Date().getUTCDate(),
  );
  return new Date(today - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

export function buildParser(args: string[]) {
  return yargs(args)
    .scriptName('cdn-analytics')
    .usage('$0 <command> [options]')
    .command(
      'ingest',
      'Load CloudFront access logs from folders or S3 into the SQLite database, each file exactly once',
      (y) =>
        commonFlags(y)
          .option('source', {
            type: 'string',
            array: true,
            demandOption: 'pass --source with a folder or s3://BUCKET/PREFIX of CloudFront logs',
            describe:
              'Folder of log files (*.gz or plain), searched recursively, or s3://BUCKET/PREFIX; repeatable',
          })
          .option('endpoint-url', {
            type: 'string',
            describe:
              'S3 endpoint of an S3-compatible store, path-style (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)',
          })
          .option('region', {
            type: 'string',
            describe: "The bucket's AWS region (default: AWS_REGION or the profile's region)",
          })
          .option('lookback', {
            type: 'string',
            default: '48h',
            describe:
              'S3: list again the keys this long before the newest loaded key of each distribution, for late logs (m, h or d)',
          })
          .option('full', {
            type: 'boolean',
            default: false,
            describe: 'S3: list every key under the prefix, ignoring --lookback',
          })
          .option('concurrency', {
            type: 'number',
            default: DEFAULT_CONCURRENCY,
            describe: 'S3: objects downloaded at once ahead of the parser',
          })
          .check(checkWholeNumberFlags(args, { concurrency: { min: 1, max: MAX_CONCURRENCY } })),
    )
    .command('status', 'Print what has been loaded per source and the latest runs', (y) =>
      commonFlags(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
    )
    .command('sample', 'Write a deterministic synthetic set of CloudFront log files', (y) =>
      y
        .option('out', {
          type: 'string',
          demandOption: 'pass --out with the folder to write',
          describe: 'Folder to write the .gz files into',
        })
        .option('days', {
          type: 'number',
          default: 30,
          describe: `Number of days of logs, at most ${MAX_DAYS}`,
        })
        .option('start', {
          type: 'string',
          describe: 'First day, YYYY-MM-DD (default: so the last day is today, UTC)',
        })
        .option('files-per-day', {
          type: 'number',
          default: 24,
          describe: `Log files per day, at most ${MAX_FILES_PER_DAY}`,
        })
        .option('lines-per-file', {
          type: 'number',
          default: 200,
          describe: `Records per file on a weekday, at most ${MAX_LINES_PER_FILE}`,
        })
        .option('seed', {
          type: 'number',
          default: 1,
          describe: 'Random seed; the same seed gives the same files',
        })
        .check(
          checkWholeNumberFlags(args, {
            days: { min: 1, max: MAX_DAYS },
            'files-per-day': { min: 1, max: MAX_FILES_PER_DAY },
            'lines-per-file': { min: 1, max: MAX_LINES_PER_FILE },
            seed: { min: 0, max: MAX_SEED },
          }),
        ),
    )
    .demandCommand(1, 'pass a command: ingest, status or sample')
    .strict()
    .help()
    .version(false)
    .wrap(100)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
}

export async function main(args: string[]): Promise<number> {
  let verbose = args.includes('--verbose');
  try {
    const argv = await buildParser(args).parseAsync();
    verbose = Boolean(argv.verbose);
    const command = String(argv._[0]);
    const flags = argv as never;
    if (command === 'ingest') return await runIngest(flags);
    if (command === 'status') return runStatus(flags);
    if (command === 'sample') return runSample(flags);
    throw new UsageError(`unknown command '${command}'; use ingest, status or sample`);
  } catch (error) {
    return report(error, verbose);
  }
}

function report(error: unknown, verbose: boolean): number {
  const usage = error instanceof UsageError || error instanceof SourceError;
  const known =
    usage ||
    error instanceof DatabaseOpenError ||
    error instanceof S3SourceError ||
    error instanceof IngestRunningError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (usage) process.stderr.write('Run with --help for usage.\n');
  if (verbose || !known) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return usage ? EXIT_USAGE : EXIT_FAILED;
}
