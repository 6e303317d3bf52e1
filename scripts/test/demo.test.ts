// Tests scripts/demo.ts end to end, as `npm run demo` runs it after the set-up
// and the build. The demo writes its sample logs, database and Datasette log to
// a temporary folder and serves on a free port. It runs in its own process
// group, and SIGINT to that group stops it, as Ctrl+C in a terminal does.
// The folder checks of scripts/demo-folder.ts run here directly, because the
// demo's default folder is in the checkout.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../ingest/test/helpers/moto.js';
import { DEMO_MARKER, isReplaceable } from '../demo-folder.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const BANNER_END = 'Press Ctrl+C to stop.';

interface RunningDemo {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  stdout(): string;
  stderr(): string;
}

const folders: string[] = [];
const demos: RunningDemo[] = [];

afterAll(async () => {
  for (const running of demos) {
    if (groupIsAlive(running.child)) {
      process.kill(-(running.child.pid as number), 'SIGKILL');
      await running.exited;
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Starts the demo with its files in `folder`/demo and returns at once. */
function startDemo(folder: string, port: number): RunningDemo {
  const args = ['scripts/demo.ts', '--dir', join(folder, 'demo'), '--port', String(port)];
  const child = spawn(TSX, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const running = {
    child,
    exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>,
    stdout: () => stdout,
    stderr: () => stderr,
  };
  demos.push(running);
  return running;
}

function newFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'demo-'));
  folders.push(folder);
  return folder;
}

async function waitForBanner(running: RunningDemo, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!running.stdout().includes(BANNER_END)) {
    if (running.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `the demo printed no banner; stdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`,
      );
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

/** True while any process of the child's process group is running. */
function groupIsAlive(child: ChildProcess): boolean {
  try {
    process.kill(-(child.pid as number), 0);
    return true;
  } catch {
    return false;
  }
}

/** Listens on `port` and responds 200 "ok" to every request, as another server would. */
async function occupyPort(port = 0): Promise<Server> {
  const server = createHttpServer((_request, response) => response.end('ok'));
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function waitForStderr(running: RunningDemo, text: string): Promise<void> {
  while (!running.stderr().includes(text)) {
    if (running.child.exitCode !== null) throw new Error(`the demo exited:\n${running.stderr()}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

// The tests of this block share one demo, and the last one stops it.
describe('running demo', () => {
  const folder = newFolder();
  let port: number;
  let demo: RunningDemo;

  beforeAll(async () => {
    // A folder from an earlier run, which the demo replaces.
    mkdirSync(join(folder, 'demo'));
    writeFileSync(join(folder, 'demo', DEMO_MARKER), '');
    writeFileSync(join(folder, 'demo/stale.txt'), 'from an earlier run');
    port = await freePort();
    demo = startDemo(folder, port);
    await waitForBanner(demo);
  });

  test('demo banner names its files', () => {
    const db = join(folder, 'demo/analytics.db');
    const log = join(folder, 'demo/datasette.log');

    expect(demo.stdout()).toContain(`database file: ${db}`);
    expect(demo.stdout()).toContain(`Datasette's log, one line per request: ${log}`);
    expect(demo.stdout()).toContain(
      `SQL in the browser (after logging in): http://127.0.0.1:${port}/analytics`,
    );
    expect(existsSync(db)).toBe(true);
  });

  test('demo replaces its own folder', () => {
    expect(existsSync(join(folder, 'demo', DEMO_MARKER))).toBe(true);
    expect(existsSync(join(folder, 'demo/stale.txt'))).toBe(false);
  });

  test('demo prints a line before each step', () => {
    const lines = demo.stderr().trimEnd().split('\n');

    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Generating sample logs from \d{4}-01-01 to \d{4}-\d\d-\d\d in /);
    expect(lines[1]).toMatch(/^Ingesting [1-9]\d* log files into .*analytics\.db$/);
    expect(lines[2]).toBe(`Starting Datasette at http://127.0.0.1:${port}/`);
  });

  test('demo keeps request lines out of the terminal', async () => {
    const token = /API token: (\S+)/.exec(demo.stdout())?.[1];
    const terminalBefore = demo.stdout() + demo.stderr();

    const response = await fetch(`http://127.0.0.1:${port}/analytics/totals.json?_shape=array`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const [totals] = (await response.json()) as { requests: number }[];
    await new Promise((wake) => setTimeout(wake, 500));

    expect(response.status).toBe(200);
    expect(totals.requests).toBeGreaterThan(0);
    expect(demo.stdout() + demo.stderr()).toBe(terminalBefore);
    expect(readFileSync(join(folder, 'demo/datasette.log'), 'utf8')).toContain(
      '"GET /analytics/totals.json?_shape=array HTTP/1.1" 200',
    );
  });

  test('demo stops everything on SIGINT', async () => {
    process.kill(-(demo.child.pid as number), 'SIGINT');
    const [code] = await demo.exited;
    await new Promise((wake) => setTimeout(wake, 1500));

    expect(code).toBe(0);
    expect(groupIsAlive(demo.child)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

test('demo stops quietly on SIGINT while ingesting', async () => {
  const demo = startDemo(newFolder(), await freePort());
  await waitForStderr(demo, 'Ingesting');

  process.kill(-(demo.child.pid as number), 'SIGINT');
  const [code, signal] = await demo.exited;
  await new Promise((wake) => setTimeout(wake, 1500));

  expect(demo.stderr()).not.toContain('error:');
  expect([code, signal]).not.toEqual([0, null]);
  expect(demo.stdout()).not.toContain(BANNER_END);
  expect(groupIsAlive(demo.child)).toBe(false);
});

test('demo ignores a server it did not start', async () => {
  const folder = newFolder();
  const port = await freePort();
  const demo = startDemo(folder, port);
  // The port is free at the demo's check and taken before Datasette starts.
  await waitForStderr(demo, 'Generating sample logs');
  const occupied = await occupyPort(port);
  try {
    const [code] = await demo.exited;

    expect(code).toBe(1);
    expect(demo.stdout()).not.toContain(BANNER_END);
    expect(demo.stderr()).toContain(`The last lines of ${join(folder, 'demo/datasette.log')}:`);
    expect(demo.stderr()).toContain('address already in use');
  } finally {
    occupied.close();
  }
});

test('demo rejects a port in use', async () => {
  const folder = newFolder();
  const db = join(folder, 'demo/analytics.db');
  mkdirSync(join(folder, 'demo'));
  writeFileSync(join(folder, 'demo', DEMO_MARKER), '');
  writeFileSync(db, 'database of the running demo');
  const occupied = await occupyPort();
  const port = (occupied.address() as { port: number }).port;
  try {
    const demo = startDemo(folder, port);
    const [code] = await demo.exited;

    expect(code).toBe(1);
    expect(demo.stdout()).toBe('');
    expect(demo.stderr()).toBe(
      `error: port ${port} on 127.0.0.1 is in use, perhaps by another demo; ` +
        'stop that program or pass another --port N\n',
    );
    expect(readFileSync(db, 'utf8')).toBe('database of the running demo');
  } finally {
    occupied.close();
  }
});

test('demo keeps a folder it did not make', async () => {
  const folder = newFolder();
  const dir = join(folder, 'demo');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'unrelated');

  const demo = startDemo(folder, await freePort());
  const [code] = await demo.exited;

  expect(code).toBe(1);
  expect(demo.stdout()).toBe('');
  expect(demo.stderr()).toBe(
    `error: --dir ${dir} exists and was not made by the demo, which deletes its folder ` +
      'on each run; pass another --dir or delete that folder first\n',
  );
  expect(readdirSync(dir)).toEqual(['notes.txt']);
  expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('unrelated');
});

describe('isReplaceable', () => {
  const folder = newFolder();

  /** Makes `folder`/`name` with the given files and returns its path. */
  function makeFolder(name: string, files: string[]): string {
    const dir = join(folder, name);
    mkdirSync(dir);
    for (const file of files) writeFileSync(join(dir, file), '');
    return dir;
  }

  test('accepts a missing folder', () => {
    expect(isReplaceable(join(folder, 'missing'), 'build/demo')).toBe(true);
  });

  test('accepts an empty folder', () => {
    expect(isReplaceable(makeFolder('empty', []), 'build/demo')).toBe(true);
  });

  test('accepts a marked folder', () => {
    const dir = makeFolder('marked', [DEMO_MARKER, 'notes.txt']);

    expect(isReplaceable(dir, 'build/demo')).toBe(true);
  });

  test('rejects an unmarked folder', () => {
    const dir = makeFolder('unmarked', ['notes.txt']);

    expect(isReplaceable(dir, 'build/demo')).toBe(false);
  });

  test('rejects a file', () => {
    const dir = makeFolder('parent', ['file']);

    expect(isReplaceable(join(dir, 'file'), join(dir, 'file'))).toBe(false);
  });

  test('accepts default folder of older demo', () => {
    const files = ['analytics.db', 'analytics.db-wal', 'analytics.db-shm', 'datasette.log'];
    const dir = makeFolder('old-default', files);
    mkdirSync(join(dir, 'logs'));

    expect(isReplaceable(dir, dir)).toBe(true);
  });

  test('rejects database outside default folder', () => {
    const dir = makeFolder('database', ['analytics.db', 'datasette.log']);

    expect(isReplaceable(dir, join(folder, 'other'))).toBe(false);
  });

  test('rejects default folder with other files', () => {
    const dir = makeFolder('default-extra', ['analytics.db', 'notes.txt']);

    expect(isReplaceable(dir, dir)).toBe(false);
  });

  test('rejects the checkout', () => {
    expect(isReplaceable(ROOT, 'build/demo')).toBe(false);
  });
});
