// Runs Datasette for `npm run demo` through datasette/serve.sh, with its output
// in a log file instead of the terminal. uvicorn logs every HTTP request, which
// would scroll the demo's password and token off the screen.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

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

/**
 * Polls `url`/healthz until it returns 200, and throws when `timeoutMs`
 * milliseconds pass first. The caller watches the server's exit event, because
 * a poll can be pending when the server exits.
 */
export async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet, or another program listens on the port.
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`Datasette did not respond at ${url}/healthz within ${timeoutMs} ms`);
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
