// Daily aggregates for one file, collected in memory while its rows insert and
// added to the daily_* tables in the same transaction, so the rollups always
// count exactly the rows stored.

import {
  APPLY_PENDING_CLIENT_DAYS,
  COLLECT_NEW_CLIENT_DAYS,
  PENDING_CLIENT_DAYS,
} from './client-returns.js';
import type { Db } from './database.js';

type Counts = number[];

/** Aggregates of one (day, host) pair, keyed by the dimension of each table. */
interface DayHostGroup {
  readonly day: number;
  readonly hostId: number;
  readonly uris: Map<number, Counts>;
  readonly statuses: Map<number, Counts>;
  readonly results: Map<number, Counts>;
  readonly locations: Map<number, Counts>;
  readonly referrers: Map<number, Counts>;
  readonly clients: Map<number, Counts>;
}

const DAY_MS = 86_400_000;
/** Applies the client days collected since the last commit. Call it right before COMMIT. */
export function applyPendingClientDays(db: Db): void {
  db.exec(PENDING_CLIENT_DAYS);
  db.exec(APPLY_PENDING_CLIENT_DAYS);
}

const HOST_SPAN = 1_000_000;

function bump(map: Map<number, Counts>, key: number, width: number): Counts {
  let counts = map.get(key);
  if (counts === undefined) {
    counts = new Array<number>(width).fill(0);
    map.set(key, counts);
  }
  return counts;
}

/** The request fields a rollup needs; absent ids are 0. */
export interface RollupRow {
  tsMs: number;
  hostId: number;
  uriId: number;
  status: number;
  resultTypeId: number;
  locationId: number;
  referrerId: number;
  clientId: number;
  bytes: number;
  cacheHit: boolean;
}

export class DailyRollups {
  private groups = new Map<number, DayHostGroup>();
  private last: DayHostGroup | null = null;

  add(row: RollupRow): void {
    const group = this.groupOf(Math.floor(row.tsMs / DAY_MS), row.hostId);
    const bytes = row.bytes;

    const uri = bump(group.uris, row.uriId, 4);
    uri[0]++;
    uri[1] += bytes;
    if (row.cacheHit) uri[2]++;
    if (row.status >= 400) uri[3]++;

    const status = bump(group.statuses, row.status, 2);
    status[0]++;
    status[1] += bytes;
    const result = bump(group.results, row.resultTypeId, 2);
    result[0]++;
    result[1] += bytes;
    const location = bump(group.locations, row.locationId, 2);
    location[0]++;
    location[1] += bytes;
    bump(group.referrers, row.referrerId, 1)[0]++;
    bump(group.clients, row.clientId, 1)[0]++;
  }

  private groupOf(day: number, hostId: number): DayHostGroup {
    const last = this.last;
    if (last !== null && last.day === day && last.hostId === hostId) return last;

    const key = day * HOST_SPAN + hostId;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        day,
        hostId,
        uris: new Map(),
        statuses: new Map(),
        results: new Map(),
        locations: new Map(),
        referrers: new Map(),
        clients: new Map(),
      };
      this.groups.set(key, group);
    }
    this.last = group;
    return group;
  }

  /**
   * Adds the collected counts to the daily tables; call inside the file's
   * transaction. Each table gets one statement over a JSON array of its rows,
   * because a file brings thousands of (day, address) rows and a statement
   * call per row cost more than the upserts themselves.
   */
  flush(db: Db): void {
    const statements = rollupStatements(db);
    const rows: Record<Exclude<keyof typeof statements, 'newClientDays'>, unknown[][]> = {
      uri: [],
      status: [],
      result: [],
      location: [],
      referrer: [],
      client: [],
    };
    for (const group of this.groups.values()) {
      const day = new Date(group.day * DAY_MS).toISOString().slice(0, 10);
      const host = group.hostId;
      for (const [id, c] of group.uris) rows.uri.push([day, host, id, c[0], c[1], c[2], c[3]]);
      for (const [id, c] of group.statuses) rows.status.push([day, host, id, c[0], c[1]]);
      for (const [id, c] of group.results) rows.result.push([day, host, id, c[0], c[1]]);
      for (const [id, c] of group.locations) rows.location.push([day, host, id, c[0], c[1]]);
      for (const [id, c] of group.referrers) rows.referrer.push([day, host, id, c[0]]);
      for (const [id, c] of group.clients) rows.client.push([day, host, id, c[0]]);
    }
    for (const name of Object.keys(rows) as (keyof typeof rows)[]) {
      if (rows[name].length === 0) continue;

      const json = JSON.stringify(rows[name]);
      // The new client days are found before the upsert adds them.
      if (name === 'client') statements.newClientDays.run(json);
      statements[name].run(json);
    }
    this.clear();
  }

  clear(): void {
    this.groups = new Map();
    this.last = null;
  }
}

const cache = new WeakMap<Db, ReturnType<typeof prepareRollups>>();

function rollupStatements(db: Db) {
  let statements = cache.get(db);
  if (!statements) {
    statements = prepareRollups(db);
    cache.set(db, statements);
  }
  return statements;
}

/** Prepares an upsert that reads its rows from a JSON array of arrays in column order. */
function bulkUpsert(db: Db, table: string, keys: string[], counters: string[]) {
  const columns = [...keys, ...counters];
  const values = columns.map((_, i) => `value ->> ${i}`).join(', ');
  const updates = counters.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
  // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT.
  return db.prepare(
    `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values} FROM json_each(?) WHERE true
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates}`,
  );
}

function prepareRollups(db: Db) {
  db.exec(PENDING_CLIENT_DAYS);
  const daily = (table: string, key: string, counters: string[]) =>
    bulkUpsert(db, table, ['day', 'host_id', key], counters);
  return {
    uri: daily('daily_uri_stats', 'uri_id', ['requests', 'bytes', 'cache_hits', 'errors']),
    status: daily('daily_status_stats', 'status', ['requests', 'bytes']),
    result: daily('daily_result_stats', 'result_type_id', ['requests', 'bytes']),
    location: daily('daily_location_stats', 'location_id', ['requests', 'bytes']),
    referrer: daily('daily_referrer_stats', 'referrer_id', ['requests']),
    client: daily('daily_client_stats', 'request_ip_id', ['requests']),
    newClientDays: db.prepare(COLLECT_NEW_CLIENT_DAYS),
  };
}
