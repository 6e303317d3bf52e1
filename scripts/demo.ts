// `npm run demo [-- [--port N] [--dir FOLDER]]` runs this after scripts/setup.sh
// and the build. It writes sample CloudFront logs from 1 January of the current
// year to today and ingests them into FOLDER/analytics.db (build/demo by
// default). Then it serves that database with Datasette on 127.0.0.1 and writes
// Datasette's output to FOLDER/datasette.log. The login password, API token and
// cookie secret are random for each run and printed once Datasette is up,
// because the demo exists to be tried by hand. The demo deletes FOLDER at each
// run, so it first checks that the port is free and that FOLDER is its own.

import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  assertPortFree,
  isRunning,
  lastLines,
  spawnDatasette,
  waitForHealth,
} from './demo-datasette.js';
import { resetDemoFolder } from './demo-folder.js';

const CLI = 'build/ingest/cli.js';
const DEFAULT_DIR = 'build/demo';
const TOKEN_NAME = 'demo';
const HOST = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 20;

interface DemoPaths {
  readonly logs: string;
  readonly db: string;
  readonly datasetteLog: string;
}

function demoPaths(dir: string): DemoPaths {
  return {
    logs: join(dir, 'logs'),
    db: join(dir, 'analytics.db'),
    datasetteLog: join(dir, 'datasette.log'),
  };
}

/** Prints a line on stderr before a step that takes a while. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Days from 1 January of the current year (UTC) to today, both included. */
function daysThisYear(today = new Date()): { start: string; end: string; days: number } {
  const year = today.getUTCFullYear();
  const todayUtc = Date.UTC(year, today.getUTCMonth(), today.getUTCDate());
  const days = (todayUtc - Date.UTC(year, 0, 1)) / 86_400_000 + 1;
  return { start: `${year}-01-01`, end: new Date(todayUtc).toISOString().slice(0, 10), days };
}

/** Writes the sample logs and returns how many files the generator wrote. */
function writeSample(paths: DemoPaths): number {
  const { start, end, days } = daysThisYear();
  progress(`Generating sample logs from ${start} to ${end} in ${paths.logs}`);

  // 4 files a day of 80 lines on weekdays: about 150,000 requests for a full
  // year, which the ingester loads in a few seconds.
  const args = ['sample', '--out', paths.logs, '--start', start, '--days', String(days)];
  args.push('--files-per-day', '4', '--lines-per-file', '80');
  const summary = execFileSync('node', [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  return (JSON.parse(summary) as { files: number }).files;
}

function ingestSample(paths: DemoPaths, files: number): void {
  progress(`Ingesting ${files} log files into ${paths.db}`);
  const args = ['ingest', '--source', paths.logs, '--db', paths.db, '--quiet'];
  execFileSync('node', [CLI, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function hashPassword(password: string): string {
  return execFileSync('.venv/bin/datasette', ['hash-password', '--no-confirm'], {
    input: password,
    encoding: 'utf8',
  }).trim();
}

function banner(url: string, paths: DemoPaths, password: string, token: string): string {
  return [
    '',
    `Datasette is serving the demo database at ${url}/`,
    `  log in at ${url}/-/login as admin with password ${password}`,
    `  usage dashboard (after logging in): ${url}/dashboard`,
    `  SQL in the browser (after logging in): ${url}/analytics`,
    `  API token: ${token}`,
    `  try: curl -H "Authorization: Bearer ${token}" "${url}/analytics/totals.json?_shape=array"`,
    `  database file: ${resolve(paths.db)}`,
    `  Datasette's log, one line per request: ${resolve(paths.datasetteLog)}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/**
 * Ties the demo's life to Datasette's. A signal stops both, and when Datasette
 * exits on its own with an error, the demo prints the end of its log and exits 1.
 */
function superviseServer(server: ChildProcess, logFile: string): { ready(): void } {
  let ready = false;
  let stopping = false;

  // Ctrl+C reaches Datasette from the terminal already; a second SIGINT makes it
  // print a traceback. Forward SIGINT only if Datasette is still up a second later.
  process.on('SIGINT', () => {
    stopping = true;
    setTimeout(() => server.exitCode === null && server.kill('SIGINT'), 1000).unref();
  });
  process.on('SIGTERM', () => {
    stopping = true;
    server.kill('SIGTERM');
  });

  server.on('exit', (code, signal) => {
    if (stopping || (ready && code === 0)) process.exit(code ?? 0);

    const status = code === null ? `signal ${signal}` : `exit code ${code}`;
    const event = ready ? `stopped with ${status}` : `exited with ${status} before it responded`;
    process.stderr.write(
      `error: Datasette ${event}. The last lines of ${logFile}:\n` +
        `${lastLines(logFile, LOG_TAIL_LINES)}\n`,
    );
    process.exit(1);
  });
  return { ready: () => (ready = true) };
}

/** Parses `--port`; the port check and Datasette need a TCP port from 1 to 65535. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new Error(`invalid --port ${value}; use a TCP port from 1 to 65535`);
  }
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8001' },
      dir: { type: 'string', default: DEFAULT_DIR },
    },
  });
  const port = parsePort(values.port);
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} not found; run \`npm run demo\`, which builds it first`);
  }
  await assertPortFree(HOST, port);
  resetDemoFolder(values.dir, DEFAULT_DIR);
  const paths = demoPaths(values.dir);

  const files = writeSample(paths);
  ingestSample(paths, files);

  const url = `http://${HOST}:${port}`;
  const password = randomBytes(12).toString('base64url');
  const token = `${TOKEN_NAME}-${randomBytes(32).toString('hex')}`;
  progress(`Starting Datasette at ${url}/`);
  const server = spawnDatasette({
    db: paths.db,
    host: HOST,
    port: String(port),
    logFile: paths.datasetteLog,
    env: {
      CDN_ANALYTICS_API_TOKENS: token,
      CDN_ANALYTICS_PASSWORD_HASH: hashPassword(password),
      DATASETTE_SECRET: randomBytes(32).toString('hex'),
    },
  });
  const supervisor = superviseServer(server, paths.datasetteLog);

  try {
    await waitForHealth({
      url,
      token,
      actorId: `token:${TOKEN_NAME}`,
      server,
      timeoutMs: HEALTH_TIMEOUT_MS,
    });
  } catch (error) {
    // The exit watcher of superviseServer reports a Datasette that exited.
    if (!isRunning(server)) return;
    server.kill('SIGTERM');
    throw new Error(
      `${(error as Error).message}. The last lines of ${paths.datasetteLog}:\n` +
        lastLines(paths.datasetteLog, LOG_TAIL_LINES),
      { cause: error },
    );
  }
  if (!isRunning(server)) return;
  supervisor.ready();
  process.stdout.write(banner(url, paths, password, token));
}

/** Returns true for a step stopped by Ctrl+C, which the terminal sends to the whole group. */
function isInterrupted(error: unknown): boolean {
  const { signal, status } = error as { signal?: string | null; status?: number | null };
  return signal === 'SIGINT' || status === 130;
}

main().catch((error: Error) => {
  if (isInterrupted(error)) process.exit(130);
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
