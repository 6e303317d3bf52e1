// The store's guarantees: exactly-once loads, duplicates across files,
// rollups that match the rows, failed files that leave nothing behind, and
// the schema's version bookkeeping.

import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ingest } from '../src/ingest.js';
import { LocalSource } from '../src/sources/local-source.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { CLIENT_LAST_SEEN } from '../src/store/client-last-seen.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { LEGACY_HEADER, legacyLine, tempFolder, writeLogs } from './helpers/logs.js';

let folder: string;
let db: Db;

beforeEach(() => {
  folder = tempFolder();
  db = openDatabase(join(folder, 'test.db'));
});

afterEach(() => {
  db.close();
  rmSync(folder, { recursive: true, force: true });
});

function run() {
  return ingest(db, { sources: [new LocalSource(join(folder, 'logs'))], useWorker: false });
}

function count(sql: string): number | string {
  return db.prepare(sql).pluck().get() as number | string;
}

function lines(n: number, prefix: string, extra: Parameters<typeof legacyLine>[0] = {}): string {
  const body = Array.from({ length: n }, (_, i) =>
    legacyLine({
      'x-edge-request-id': `${prefix}${i}==`,
      time: `13:${String(i % 60).padStart(2, '0')}:00`,
      ...extra,
    }),
  );
  return LEGACY_HEADER + body.join('\n') + '\n';
}

test('skips a log file it has already loaded', async () => {
  writeLogs({ 'a.gz': lines(5, 'a'), 'b.gz': lines(3, 'b') }, folder);
  const first = await run();
  const second = await run();
  expect(first.rows).toBe(8);
  expect(second.filesSkipped).toBe(2);
  expect(second.rows).toBe(0);
  expect(count('SELECT count(*) FROM request_rows')).toBe(8);
});

test('stores a request delivered twice under another key once', async () => {
  const text = lines(4, 'same');
  writeLogs({ 'E1.2026-01-31-13.aaaa.gz': text, 'E1.2026-01-31-13.bbbb.gz': text }, folder);
  const summary = await run();
  expect(summary.rows).toBe(4);
  expect(summary.duplicates).toBe(4);
  expect(count('SELECT count(*) FROM requests')).toBe(4);
  expect(count('SELECT sum(requests) FROM daily_uri_stats')).toBe(4);
  expect(count("SELECT duplicates FROM log_files WHERE key = 'E1.2026-01-31-13.bbbb.gz'")).toBe(4);
});

test('reloads a file whose size changed without double counting', async () => {
  writeLogs({ 'a.gz': lines(3, 'grow') }, folder);
  await run();
  writeLogs({ 'a.gz': lines(5, 'grow') }, folder);
  const second = await run();
  expect(second.filesLoaded).toBe(1);
  expect(second.rows).toBe(2);
  expect(second.duplicates).toBe(0);
  expect(count('SELECT count(*) FROM request_rows')).toBe(5);
  expect(count("SELECT lines || '/' || rows || '/' || duplicates FROM log_files")).toBe('5/5/0');
});

test('loads files without request ids once per key', async () => {
  const text =
    '#Version: 1.0\n#Fields: date time cs-uri-stem sc-status\n' +
    '2026-01-31\t13:00:00\t/a\t200\n2026-01-31\t13:00:00\t/a\t200\n';
  writeLogs({ 'old-1.gz': text, 'old-2.gz': text }, folder);
  const first = await run();
  expect(first.rows).toBe(4);
  writeLogs({ 'old-1.gz': text + '2026-01-31\t13:00:01\t/b\t200\n' }, folder);
  const second = await run();
  expect(second.rows).toBe(1);
  expect(count('SELECT count(*) FROM request_rows')).toBe(5);
});

test('keeps daily rollups equal to the stored rows', async () => {
  const mixed = [
    legacyLine({ 'x-edge-request-id': 'r1==', 'cs-uri-stem': '/a.js', 'sc-bytes': '100' }),
    legacyLine({
      'x-edge-request-id': 'r2==',
      'cs-uri-stem': '/a.js',
      'sc-bytes': '50',
      'x-edge-result-type': 'Miss',
    }),
    legacyLine({
      'x-edge-request-id': 'r3==',
      'cs-uri-stem': '/b.css',
      'sc-status': '404',
      date: '2026-02-01',
    }),
  ];
  writeLogs({ 'a.gz': LEGACY_HEADER + mixed.join('\n') + '\n' }, folder);
  await run();
  const byUri = db
    .prepare(
      `SELECT s.day, u.value AS uri, s.requests, s.bytes, s.cache_hits, s.errors
       FROM daily_uri_stats s JOIN uris u ON u.id = s.uri_id ORDER BY s.day, uri`,
    )
    .all();
  expect(byUri).toEqual([
    { day: '2026-01-31', uri: '/a.js', requests: 2, bytes: 150, cache_hits: 1, errors: 0 },
    { day: '2026-02-01', uri: '/b.css', requests: 1, bytes: 2048, cache_hits: 1, errors: 1 },
  ]);
  const statuses = db
    .prepare('SELECT day, status, requests FROM daily_status_stats ORDER BY day')
    .all();
  expect(statuses).toEqual([
    { day: '2026-01-31', status: 200, requests: 2 },
    { day: '2026-02-01', status: 404, requests: 1 },
  ]);
  expect(count('SELECT count(DISTINCT request_ip_id) FROM daily_client_stats')).toBe(1);
});

test('commits nothing of a truncated gzip file and loads the others', async () => {
  const whole = gzipSync(lines(50, 'cut'));
  writeLogs(
    { 'a-truncated.gz': whole.subarray(0, whole.length - 30), 'b.gz': lines(2, 'fine') },
    folder,
  );
  const summary = await run();
  expect(summary.filesFailed).toBe(1);
  expect(summary.failures[0].key).toBe('a-truncated.gz');
  expect(summary.failures[0].message).toMatch(/unexpected end of file/);
  expect(count('SELECT count(*) FROM request_rows')).toBe(2);
  expect(count("SELECT count(*) FROM log_files WHERE key = 'a-truncated.gz'")).toBe(0);
  expect(count("SELECT count(*) FROM file_failures WHERE key = 'a-truncated.gz'")).toBe(1);
  expect(count('SELECT sum(requests) FROM daily_uri_stats')).toBe(2);
});

test('retries a failed file on the next run', async () => {
  const whole = gzipSync(lines(3, 'retry'));
  writeLogs({ 'a.gz': whole.subarray(0, 20) }, folder);
  expect((await run()).filesFailed).toBe(1);
  writeFileSync(join(folder, 'logs', 'a.gz'), whole);
  const second = await run();
  expect(second.filesFailed).toBe(0);
  expect(second.rows).toBe(3);
});

test('records each run with its totals and outcome', async () => {
  writeLogs({ 'a.gz': lines(2, 'run') }, folder);
  const summary = await run();
  const runRow = db.prepare('SELECT * FROM ingest_runs WHERE id = ?').get(summary.runId) as Record<
    string,
    unknown
  >;
  expect(runRow.status).toBe('ok');
  expect(runRow.files_loaded).toBe(1);
  expect(runRow.rows).toBe(2);
  expect(runRow.finished_at).not.toBeNull();
});

test('uses WAL mode and the latest schema version', () => {
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
});

test('refuses a database from a newer version', () => {
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  expect(() => openDatabase(join(folder, 'test.db'))).toThrow(/newer than this cdn-analytics/);
  db = openDatabase(join(folder, 'other.db'));
});

test('rolls back only the failed file of a group transaction', async () => {
  const whole = gzipSync(lines(40, 'mid'));
  writeLogs(
    {
      'a.gz': lines(3, 'first'),
      'b.gz': whole.subarray(0, whole.length - 25),
      'c.gz': lines(4, 'last'),
    },
    folder,
  );
  const summary = await run();
  expect(summary.filesLoaded).toBe(2);
  expect(summary.filesFailed).toBe(1);
  expect(count('SELECT count(*) FROM request_rows')).toBe(7);
  expect(count('SELECT group_concat(key) FROM log_files')).toBe('a.gz,c.gz');
  expect(count('SELECT sum(requests) FROM daily_uri_stats')).toBe(7);
});

test('maps many new and known lookup values in one batch', async () => {
  const paths = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) =>
      legacyLine({ 'x-edge-request-id': `p${from + i}==`, 'cs-uri-stem': `/p/${from + i}` }),
    );
  // `/p/%61` and `/p/a` are different raw values that decode to the same path.
  const collide = [
    legacyLine({ 'x-edge-request-id': 'c1==', 'cs-uri-stem': '/p/%61' }),
    legacyLine({ 'x-edge-request-id': 'c2==', 'cs-uri-stem': '/p/a' }),
  ];
  writeLogs({ 'a.gz': LEGACY_HEADER + paths(0, 10).join('\n') + '\n' }, folder);
  await run();
  writeLogs({ 'b.gz': LEGACY_HEADER + [...paths(5, 30), ...collide].join('\n') + '\n' }, folder);
  await run();
  expect(count('SELECT count(*) FROM uris')).toBe(31);
  expect(count("SELECT count(*) FROM requests WHERE uri = '/p/a'")).toBe(2);
  expect(count("SELECT count(*) FROM requests WHERE uri = '/p/29'")).toBe(1);
  const mismatched = db
    .prepare(
      "SELECT count(*) FROM requests WHERE request_id LIKE 'p%' AND uri <> '/p/' || substr(request_id, 2, length(request_id) - 3)",
    )
    .pluck()
    .get();
  expect(mismatched).toBe(0);
});

/** Recomputes the client-return rows from daily_client_stats as migration 4 builds them. */
function recountClientReturns() {
  return db
    .prepare(
      `WITH days AS (
         SELECT host_id AS scope, request_ip_id, day FROM daily_client_stats
         UNION ALL
         SELECT DISTINCT -1, request_ip_id, day FROM daily_client_stats),
       returns AS (
         SELECT scope, day, coalesce(
           lag(day) OVER (PARTITION BY scope, request_ip_id ORDER BY day), '') AS previous_day
         FROM days)
       SELECT scope, day, previous_day, count(*) AS clients FROM returns
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    )
    .all();
}

test('counts distinct clients for late logs', async () => {
  // A fixed pseudo-random walk: 40 addresses visit 3 hosts over 20 days, and the
  // days are loaded in shuffled order, some in one run, some in the next.
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const day = (d: number) => `2026-01-${String(d + 1).padStart(2, '0')}`;
  const hosts = ['a.example', 'b.example', 'c.example'];
  const byDay = new Map<number, string[]>();
  for (let i = 0; i < 400; i++) {
    const d = next(20);
    const line = legacyLine({
      'x-edge-request-id': `r${i}==`,
      date: day(d),
      'c-ip': `192.0.2.${next(40)}`,
      'x-host-header': hosts[next(3)],
    });
    byDay.set(d, [...(byDay.get(d) ?? []), line]);
  }
  const order = [...byDay.keys()].sort(() => next(3) - 1);
  for (const [i, d] of order.entries()) {
    writeLogs({ [`${day(d)}.gz`]: LEGACY_HEADER + byDay.get(d)!.join('\n') + '\n' }, folder);
    if (i % 3 === 2) await run();
  }
  await run();

  expect(db.prepare('SELECT * FROM daily_client_returns ORDER BY 1, 2, 3').all()).toEqual(
    recountClientReturns(),
  );
  const fast = db.prepare(
    `SELECT coalesce(sum(clients), 0) FROM daily_client_returns
     WHERE scope = ? AND day BETWEEN ? AND ? AND previous_day < ?`,
  );
  const exact = db.prepare(
    `SELECT count(DISTINCT request_ip_id) FROM daily_client_stats
     WHERE (? = -1 OR host_id = ?) AND day BETWEEN ? AND ?`,
  );
  const hostIds = db.prepare('SELECT id FROM hosts').pluck().all() as number[];
  let ranges = 0;
  for (const scope of [-1, ...hostIds]) {
    for (let first = 0; first < 20; first++) {
      for (let last = first; last < 20; last++) {
        const [start, end] = [day(first), day(last)];
        expect([scope, start, end, fast.pluck().get(scope, start, end, start)]).toEqual([
          scope,
          start,
          end,
          exact.pluck().get(scope, scope, start, end),
        ]);
        ranges++;
      }
    }
  }
  expect(ranges).toBe((hostIds.length + 1) * 210);
});

test('keeps client returns equal to a recount', async () => {
  const visit = (id: string, date: string, ip: string, host: string) =>
    legacyLine({ 'x-edge-request-id': id, date, 'c-ip': ip, 'x-host-header': host });
  const first = [
    visit('v1==', '2026-01-01', '192.0.2.1', 'a.example'),
    visit('v2==', '2026-01-03', '192.0.2.1', 'a.example'),
    visit('v3==', '2026-01-02', '192.0.2.2', 'b.example'),
    visit('v4==', '2026-01-03', '192.0.2.2', 'a.example'),
  ];
  writeLogs({ 'a.gz': LEGACY_HEADER + first.join('\n') + '\n' }, folder);
  await run();
  const late = [
    visit('v5==', '2026-01-02', '192.0.2.1', 'a.example'),
    visit('v6==', '2026-01-05', '192.0.2.2', 'b.example'),
    visit('v7==', '2026-01-04', '192.0.2.3', 'b.example'),
    // Seen on 01-03 already through a.example: no new day for every host.
    visit('v8==', '2026-01-03', '192.0.2.1', 'b.example'),
  ];
  writeLogs({ 'b.gz': LEGACY_HEADER + late.join('\n') + '\n' }, folder);
  await run();

  expect(db.prepare('SELECT * FROM daily_client_returns ORDER BY 1, 2, 3').all()).toEqual(
    recountClientReturns(),
  );
  expect(
    count("SELECT sum(clients) FROM daily_client_returns WHERE scope = -1 AND previous_day = ''"),
  ).toBe(3);
});

test('counts no client for requests without an address', async () => {
  const visit = (id: string, ip: string) =>
    legacyLine({ 'x-edge-request-id': id, date: '2026-01-02', 'c-ip': ip });
  const text = [visit('n1==', '-'), visit('n2==', '192.0.2.9'), visit('n3==', '-')];
  writeLogs({ 'a.gz': LEGACY_HEADER + text.join('\n') + '\n' }, folder);

  await run();

  expect(count('SELECT count(DISTINCT request_ip) FROM requests')).toBe(1);
  expect(count('SELECT sum(clients) FROM daily_client_returns WHERE scope = -1')).toBe(1);
});

test('upgrades database with last-seen trigger', async () => {
  writeLogs({ 'a.gz': lines(3, 'old') }, folder);
  await run();
  // The schema of early builds of migration 2: its tables and a trigger on the client rollup.
  db.exec(`DROP TABLE daily_client_returns; DROP INDEX daily_client_stats_by_client;
    ${CLIENT_LAST_SEEN}
    CREATE TRIGGER daily_client_stats_last_seen AFTER INSERT ON daily_client_stats
    BEGIN
      INSERT INTO daily_client_last_seen (day, scope, clients) VALUES (NEW.day, -1, 1)
      ON CONFLICT (scope, day) DO UPDATE SET clients = clients + 1;
    END;
    PRAGMA user_version = 3;`);
  db.close();
  db = openDatabase(join(folder, 'test.db'));
  writeLogs({ 'b.gz': lines(2, 'new', { 'c-ip': '192.0.2.77' }) }, folder);

  const summary = await run();

  expect(summary.rows).toBe(2);
  expect(count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).toBe(0);
  expect(count('SELECT sum(clients) FROM daily_client_returns WHERE scope = -1')).toBe(
    count('SELECT count(DISTINCT request_ip) FROM requests'),
  );
});

test('stores rejected lines once when a file is read again', async () => {
  writeLogs({ 'a.gz': lines(2, 'again') + 'BROKEN LINE\n' }, folder);
  await run();
  writeLogs({ 'a.gz': lines(3, 'again') + 'BROKEN LINE\n' }, folder);
  await run();
  expect(count('SELECT count(*) FROM rejected_lines')).toBe(1);
  expect(count("SELECT lines || '/' || rows || '/' || rejected FROM log_files")).toBe('4/3/1');
});

test('keeps requests without ids from files of the same name in two folders', async () => {
  const header = '#Version: 1.0\n#Fields: date time cs(Host) cs-uri-stem sc-status\n';
  writeLogs(
    { 'a/d/E1.2026-11-07-00.log': header + '2026-11-07\t00:00:09\ta.example\t/a\t200\n' },
    folder,
  );
  writeLogs(
    { 'b/d/E1.2026-11-07-00.log': header + '2026-11-07\t00:00:09\tb.example\t/b\t404\n' },
    folder,
  );
  const summary = await ingest(db, {
    sources: [
      new LocalSource(join(folder, 'logs', 'a')),
      new LocalSource(join(folder, 'logs', 'b')),
    ],
    useWorker: false,
  });
  expect(summary.rows).toBe(2);
  expect(summary.duplicates).toBe(0);
});

test('refuses to start while another run is going', async () => {
  db.prepare(
    `INSERT INTO ingest_runs (started_at, heartbeat_at, status, sources, pid, hostname)
     VALUES (?, ?, 'running', '[]', ?, ?)`,
  ).run(new Date().toISOString(), new Date().toISOString(), process.ppid, hostname());
  writeLogs({ 'a.gz': lines(1, 'lock') }, folder);
  await expect(run()).rejects.toThrow(/another ingest is running on .*wait for it to finish/);
  expect(count('SELECT count(*) FROM request_rows')).toBe(0);
});

test('takes a run with a stale heartbeat on another host as interrupted', async () => {
  const stale = new Date(Date.now() - 11 * 60_000).toISOString();
  db.prepare(
    `INSERT INTO ingest_runs (started_at, heartbeat_at, status, sources, pid, hostname)
     VALUES (?, ?, 'running', '[]', 1, 'ingest-pod-1')`,
  ).run(stale, stale);
  writeLogs({ 'a.gz': lines(1, 'stale') }, folder);
  expect((await run()).rows).toBe(1);
  expect(count("SELECT status FROM ingest_runs WHERE hostname = 'ingest-pod-1'")).toBe(
    'interrupted',
  );
});
