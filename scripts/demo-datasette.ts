// Runs Datasette for `npm run demo` through datasette/serve.sh, with its output
// in a log file instead of the terminal. uvicorn logs every HTTP request, which
// would scroll the demo's password and token off the screen.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface DemoDatasetteOptions {
  /** SQLite file to serve. */
  readonly db: string;
  readonly host: string;
  readonly port: string;
  /** File that receives Datasette's stdout and stderr, replaced at each start. */
  readonly logFile: string;
  /** Credentials and the cookie secret, added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** Starts datasette/serve.sh with its stdout and stderr written to `logFile`. */
export function spawnDatasette(options: DemoDatasetteOptions): ChildProcess {
  const log = openSync(options.logFile, 'w');
  try {
    const args = ['--db', options.db, '--host', options.host, '--port', options.port];
    return spawn('bash', ['datasette/serve.sh', ...args], {
      stdio: ['ignore', log, log],
      // Unbuffered, so the log is complete when a failed start prints its tail.
      env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    closeSync(log);
  }
}

export class PortInUseError extends Error {}

/**
 * Throws PortInUseError when another program listens on `host`:`port`. The demo
 * checks before it deletes its folder, because a second demo on the same port
 * would otherwise delete the running demo's database and then fail to bind.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((listening, failed) => {
      probe.once('error', failed);
      probe.listen({ host, port, exclusive: true }, listening);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE') throw error;
    throw new PortInUseError(
      `port ${port} on ${host} is in use, perhaps by another demo; ` +
        'stop that program or pass another --port N',
      { cause: error },
    );
  }
  await new Promise((closed) => probe.close(closed));
}

export interface HealthCheckOptions {
  /** Base URL of the Datasette that `server` runs. */
  readonly url: string;
  /** API token that only this Datasette accepts. */
  readonly token: string;
  /** Actor id that this Datasette gives `token`, such as "token:demo". */
  readonly actorId: string;
  readonly server: ChildProcess;
  readonly timeoutMs: number;
}

/**
 * Polls `url`/-/actor.json with `token` until it returns `actorId`, and throws
 * when `server` exits or `timeoutMs` milliseconds pass first. Another server on
 * the same port, such as an earlier demo, does not accept this run's random
 * token, so a 200 from it does not count.
 */
export async function waitForHealth(options: HealthCheckOptions): Promise<void> {
  const { url, server } = options;
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && isRunning(server)) {
    if (await isOwnServer(options)) return;
    await new Promise((wake) => setTimeout(wake, 200));
  }

  if (!isRunning(server)) throw new Error(`Datasette exited before it responded at ${url}/`);
  throw new Error(`Datasette did not respond at ${url}/ within ${options.timeoutMs} ms`);
}

/** True while `server` has neither exited nor been killed by a signal. */
export function isRunning(server: ChildProcess): boolean {
  return server.exitCode === null && server.signalCode === null;
}

async function isOwnServer({ url, token, actorId }: HealthCheckOptions): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/actor.json`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { actor?: { id?: unknown } | null };
    return body.actor?.id === actorId;
  } catch {
    // Not listening yet, or another program returned something other than JSON.
    return false;
  }
}

/** Returns the last `count` lines of a text file, or a note when it cannot be read. */
export function lastLines(file: string, count: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `(${file} could not be read: ${(error as Error).message})`;
  }
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
