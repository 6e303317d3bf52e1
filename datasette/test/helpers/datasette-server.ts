// Starts a real Datasette for tests: datasette/serve.sh (the same script as
// `npm run serve` and the container entrypoint) on 127.0.0.1 with a free port,
// waits until /healthz returns 200, and stops it again.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVE_SCRIPT = join(ROOT, 'datasette/serve.sh');
const DATASETTE = join(ROOT, '.venv/bin/datasette');

export interface DatasetteOptions {
  /**
   * SQLite file to serve. Its name without `.db` is the database name in URLs,
   * so name it `analytics.db` to get the production paths (`/analytics/...`).
   */
  readonly db: string;
  /**
   * API tokens, passed as CDN_ANALYTICS_API_TOKENS. Each is `NAME-SECRET` with
   * an optional `@EXPIRY` (see datasette/README.md); use `newApiToken()`.
   * @default [] (no token is accepted)
   */
  readonly apiTokens?: readonly string[];
  /**
   * Password of the `admin` login; hashed with `datasette hash-password` into
   * CDN_ANALYTICS_PASSWORD_HASH before the start.
   * @default undefined (no one can log in)
   */
  readonly password?: string;
  /**
   * More environment variables for the server, for example DATASETTE_SECRET.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How long to wait for /healthz before giving up, in milliseconds.
   * @default 30000
   */
  readonly startTimeoutMs?: number;
}

export interface RunningDatasette {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Database name in URLs: the file name without `.db`. */
  readonly database: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
  stop(): Promise<void>;
}

/** Returns a fresh token `NAME-<64 hex digits>`, with `@expiry` appended when given. */
export function newApiToken(name: string, expiry?: string): string {
  const secret = randomBytes(32).toString('hex');
  return expiry ? `${name}-${secret}@${expiry}` : `${name}-${secret}`;
}

/** Strips an `@expiry` suffix, giving the value a client sends as its bearer token. */
export function bearerToken(apiToken: string): string {
  return apiToken.split('@')[0];
}

/** Hashes a password the way datasette-auth-passwords expects (PBKDF2-SHA256). */
export function hashPassword(password: string): string {
  const result = spawnSync(DATASETTE, ['hash-password', '--no-confirm'], {
    input: password,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `datasette hash-password failed (exit ${result.status}): ${result.stderr}; ` +
        'run `bash scripts/setup.sh` to create .venv',
    );
  }
  return result.stdout.trim();
}

/** Starts Datasette on options.db and resolves once /healthz returns 200. */
export async function startDatasette(options: DatasetteOptions): Promise<RunningDatasette> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CDN_ANALYTICS_API_TOKENS: (options.apiTokens ?? []).join(','),
    CDN_ANALYTICS_PASSWORD_HASH: options.password ? hashPassword(options.password) : '',
    ...options.env,
  };

  const child = spawn(
    'bash',
    [SERVE_SCRIPT, '--db', options.db, '--host', '127.0.0.1', '--port', String(port)],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = `http://127.0.0.1:${port}`;
  const server: RunningDatasette = {
    url,
    port,
    database: basename(options.db).replace(/\.db$/, ''),
    output: () => output,
    stop: () => stopProcess(child),
  };

  try {
    await waitForHealth(url, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\nDatasette output:\n${output}`, {
      cause: error,
    });
  }
  return server;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Datasette exited with ${child.exitCode ?? child.signalCode} before /healthz`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`Datasette did not answer ${url}/healthz within ${timeoutMs} ms`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
