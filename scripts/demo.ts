// `npm run demo [-- --port N]`: installs what is missing, builds, writes sample
// CloudFront logs from 1 January of the current year to today, ingests them
// into build/demo/analytics.db and serves it with Datasette on 127.0.0.1.
// The login password, API token and cookie secret are random for each run and
// printed once Datasette is up, because the demo exists to be tried by hand.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const DEMO_DIR = 'build/demo';
const DB = join(DEMO_DIR, 'analytics.db');
const LOGS = join(DEMO_DIR, 'logs');
const HOST = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 30_000;

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Days from 1 January of the current year (UTC) to today, both included. */
function daysThisYear(today = new Date()): { start: string; days: number } {
  const year = today.getUTCFullYear();
  const todayUtc = Date.UTC(year, today.getUTCMonth(), today.getUTCDate());
  return { start: `${year}-01-01`, days: (todayUtc - Date.UTC(year, 0, 1)) / 86_400_000 + 1 };
}

function writeAndIngestSample(): void {
  const { start, days } = daysThisYear();
  rmSync(DEMO_DIR, { recursive: true, force: true });
  mkdirSync(DEMO_DIR, { recursive: true });

  // 4 files a day of 80 lines on weekdays: about 150,000 requests for a full
  // year, which the ingester loads in a few seconds.
  const sample = ['sample', '--out', LOGS, '--start', start, '--days', String(days)];
  run('node', ['build/ingest/cli.js', ...sample, '--files-per-day', '4', '--lines-per-file', '80']);
  run('node', ['build/ingest/cli.js', 'ingest', '--source', LOGS, '--db', DB, '--quiet']);
}

function hashPassword(password: string): string {
  return execFileSync('.venv/bin/datasette', ['hash-password', '--no-confirm'], {
    input: password,
    encoding: 'utf8',
  }).trim();
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`Datasette did not respond at ${url}/healthz within ${HEALTH_TIMEOUT_MS} ms`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8001' } } });
  const port = values.port;

  run('bash', ['scripts/setup.sh']);
  run('npm', ['run', '-s', 'build']);
  writeAndIngestSample();

  const password = randomBytes(12).toString('base64url');
  const token = `demo-${randomBytes(32).toString('hex')}`;
  const server = spawn('bash', ['datasette/serve.sh', '--db', DB, '--host', HOST, '--port', port], {
    stdio: 'inherit',
    env: {
      ...process.env,
      CDN_ANALYTICS_API_TOKENS: token,
      CDN_ANALYTICS_PASSWORD_HASH: hashPassword(password),
      DATASETTE_SECRET: randomBytes(32).toString('hex'),
    },
  });
  // Ctrl+C reaches Datasette from the terminal already; a second SIGINT makes it
  // print a traceback. Forward SIGINT only if Datasette is still up a second later.
  process.on('SIGINT', () => {
    setTimeout(() => server.exitCode === null && server.kill('SIGINT'), 1000).unref();
  });
  process.on('SIGTERM', () => server.kill('SIGTERM'));
  server.on('exit', (code) => process.exit(code ?? 0));

  const url = `http://${HOST}:${port}`;
  await waitForHealth(url);
  process.stdout.write(
    [
      '',
      `Datasette is serving the demo database at ${url}/`,
      `  log in at ${url}/-/login as admin with password ${password}`,
      `  API token: ${token}`,
      `  try: curl -H "Authorization: Bearer ${token}" "${url}/analytics/totals.json?_shape=array"`,
      `  usage dashboard (after logging in): ${url}/dashboard`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
