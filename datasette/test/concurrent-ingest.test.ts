// Datasette reads while the ingester writes: clients call the API for the
// whole length of an ingest, every call succeeds, and the new rows show up
// without a restart.

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bearerToken,
  newApiToken,
  startDatasette,
  type RunningDatasette,
} from './helpers/datasette-server.js';
import { ingest, sampleDatabase, writeSampleLogs } from './helpers/sample-db.js';

const CLIENTS = 4;
const token = newApiToken('hammer');

let folder: string;
let db: string;
let server: RunningDatasette;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-concurrent-'));
  db = await sampleDatabase({ folder, start: '2026-03-01', days: 2, linesPerFile: 20 });
  server = await startDatasette({ db, apiTokens: [token] });
});

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

interface Failure {
  readonly path: string;
  readonly error: string;
}

const PATHS = [
  '/analytics/totals.json?start=2026-01-01&end=2026-12-31&_shape=array',
  '/analytics/hits_per_day.json?path=/&start=2026-03-01&end=2026-03-31',
  '/analytics/freshness.json',
  '/analytics/requests.json?_size=20',
  '/analytics.json?sql=select+count(*)+as+n+from+request_rows',
];

/** Calls the API in a loop until `done()` is true; returns failures and totals seen. */
async function hammer(
  done: () => boolean,
): Promise<{ calls: number; failures: Failure[]; totals: number[] }> {
  const failures: Failure[] = [];
  const totals: number[] = [];
  let calls = 0;

  for (let i = 0; !done(); i++) {
    const path = PATHS[i % PATHS.length];
    calls++;
    try {
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${bearerToken(token)}` },
      });
      const body = (await response.json()) as { ok?: boolean; error?: string };
      if (response.status !== 200 || body.ok === false) {
        failures.push({ path, error: `${response.status} ${body.error ?? ''}` });
      } else if (path.startsWith('/analytics/totals.json')) {
        totals.push((body as unknown as { requests: number }[])[0].requests);
      }
    } catch (error) {
      failures.push({ path, error: String(error) });
    }
  }
  return { calls, failures, totals };
}

function countRows(): number {
  const direct = new Database(db, { readonly: true });
  try {
    return (direct.prepare('SELECT count(*) AS n FROM request_rows').get() as { n: number }).n;
  } finally {
    direct.close();
  }
}

test('API keeps answering during an ingest and shows the new rows', async () => {
  const before = countRows();
  const logs = writeSampleLogs({
    folder,
    logs: 'more-logs',
    start: '2026-03-03',
    days: 14,
    linesPerFile: 150,
    seed: 2,
  });

  let ingestDone = false;
  const running = ingest(logs, db).finally(() => (ingestDone = true));
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, () => hammer(() => ingestDone)),
  );
  await running;
  const after = countRows();

  const failures = results.flatMap((result) => result.failures);
  const calls = results.reduce((sum, result) => sum + result.calls, 0);
  const totalsSeen = results.flatMap((result) => result.totals);
  expect(failures).toEqual([]);
  expect(calls).toBeGreaterThan(20);
  expect(server.output()).not.toMatch(/database is locked/i);

  expect(after).toBeGreaterThan(before);
  expect(totalsSeen.some((total) => total > before && total < after)).toBe(true);
  const response = await fetch(`${server.url}${PATHS[0]}`, {
    headers: { authorization: `Bearer ${bearerToken(token)}` },
  });
  const [totals] = (await response.json()) as { requests: number }[];
  expect(totals.requests).toBe(after);
});
