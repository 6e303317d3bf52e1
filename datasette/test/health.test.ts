// The health endpoint that Kubernetes probes call without credentials.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { newApiToken, startDatasette, type RunningDatasette } from './helpers/datasette-server.js';

let folder: string;
let server: RunningDatasette;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'healthz-'));
  const db = join(folder, 'analytics.db');
  execFileSync('node', [
    'build/ingest/cli.js',
    'sample',
    '--out',
    join(folder, 'logs'),
    '--days',
    '1',
  ]);
  execFileSync(
    'node',
    ['build/ingest/cli.js', 'ingest', '--source', join(folder, 'logs'), '--db', db],
    {
      stdio: 'ignore',
    },
  );
  server = await startDatasette({ db, apiTokens: [newApiToken('probe')] });
});

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

test('healthz returns ok without credentials', async () => {
  const response = await fetch(`${server.url}/healthz`);

  expect(response.status).toBe(200);
  expect(await response.text()).toBe('ok');
});

test('healthz is not cached', async () => {
  const response = await fetch(`${server.url}/healthz`);

  expect(response.headers.get('cache-control')).toBe('no-store');
});
