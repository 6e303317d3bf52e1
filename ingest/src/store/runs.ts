// Bookkeeping of ingest runs and per-file state: which objects are loaded,
// which failed and why, and the totals of each run.

import { hostname } from 'node:os';
import type { SourceState } from '../sources/source.js';
import { IngestRunningError } from '../errors.js';
import type { Db } from './database.js';

export interface RunTotals {
  filesSeen: number;
  filesLoaded: number;
  filesSkipped: number;
  filesFailed: number;
  lines: number;
  rows: number;
  duplicates: number;
  rejected: number;
}

export function emptyTotals(): RunTotals {
  return {
    filesSeen: 0,
    filesLoaded: 0,
    filesSkipped: 0,
    filesFailed: 0,
    lines: 0,
    rows: 0,
    duplicates: 0,
    rejected: 0,
  };
}

/** A running ingest refreshes its heartbeat this often. */
export const HEARTBEAT_MS = 60_000;
/** A running run whose heartbeat is older than this is taken as killed, on any host. */
const STALE_MS = 10 * 60_000;

/**
 * Marks runs whose process is gone as interrupted: on this host when the pid no
 * longer exists, on any host (another pod, say) when the heartbeat is stale.
 */
export function markInterruptedRuns(db: Db): number {
  const running = db
    .prepare(
      `SELECT id, pid, hostname, coalesce(heartbeat_at, started_at) AS heartbeat
       FROM ingest_runs WHERE status = 'running'`,
    )
    .all() as { id: number; pid: number; hostname: string; heartbeat: string }[];
  const staleBefore = Date.now() - STALE_MS;
  const gone = running.filter((run) =>
    run.hostname === hostname() ? !isAlive(run.pid) : Date.parse(run.heartbeat) < staleBefore,
  );
  const mark = db.prepare(
    `UPDATE ingest_runs SET status = 'interrupted', message = 'the process stopped before the run finished' WHERE id = ?`,
  );
  for (const run of gone) mark.run(run.id);
  return gone.length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return pid !== process.pid;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Records a new run, unless another run on this database is still going:
 * two ingests at once would each load files the other is loading.
 */
export function startRun(db: Db, sources: string[]): number {
  return db
    .transaction(() => {
      markInterruptedRuns(db);
      const other = db
        .prepare(`SELECT id, pid, hostname, started_at FROM ingest_runs WHERE status = 'running'`)
        .get() as { id: number; pid: number; hostname: string; started_at: string } | undefined;
      if (other) {
        throw new IngestRunningError(
          `another ingest is running on ${db.name} (run ${other.id}, pid ${other.pid} on ` +
            `${other.hostname}, started ${other.started_at}); wait for it to finish. A run ` +
            `killed on another host counts as interrupted ${STALE_MS / 60_000} minutes after its last heartbeat`,
        );
      }
      return Number(
        db
          .prepare(
            `INSERT INTO ingest_runs (started_at, heartbeat_at, status, sources, pid, hostname)
             VALUES (?, ?, 'running', ?, ?, ?)`,
          )
          .run(now(), now(), JSON.stringify(sources), process.pid, hostname()).lastInsertRowid,
      );
    })
    .immediate();
}

export function heartbeat(db: Db, runId: number): void {
  db.prepare('UPDATE ingest_runs SET heartbeat_at = ? WHERE id = ?').run(now(), runId);
}

function now(): string {
  return new Date().toISOString();
}

export function finishRun(
  db: Db,
  runId: number,
  totals: RunTotals,
  ms: number,
  message: string | null,
): void {
  const status = message !== null || totals.filesFailed > 0 ? 'failed' : 'ok';
  db.prepare(
    `UPDATE ingest_runs SET finished_at = ?, status = ?, files_seen = ?, files_loaded = ?,
       files_skipped = ?, files_failed = ?, lines = ?, rows = ?, duplicates = ?, rejected = ?,
       ms = ?, message = ?
     WHERE id = ?`,
  ).run(
    new Date().toISOString(),
    status,
    totals.filesSeen,
    totals.filesLoaded,
    totals.filesSkipped,
    totals.filesFailed,
    totals.lines,
    totals.rows,
    totals.duplicates,
    totals.rejected,
    Math.round(ms),
    message,
    runId,
  );
}

export function recordFailure(
  db: Db,
  runId: number,
  source: string,
  key: string,
  message: string,
): void {
  db.prepare(
    'INSERT INTO file_failures (run_id, source, key, message, failed_at) VALUES (?, ?, ?, ?, ?)',
  ).run(runId, source, key, message, new Date().toISOString());
}

/** Reads the loaded state of one source from log_files. */
export function sourceState(db: Db, source: string): SourceState {
  const loaded = db.prepare('SELECT size, etag FROM log_files WHERE source = ? AND key = ?');
  const newestInRange = db
    .prepare('SELECT max(key) FROM log_files WHERE source = ? AND key >= ? AND key < ?')
    .pluck();
  const newestFrom = db
    .prepare('SELECT max(key) FROM log_files WHERE source = ? AND key >= ?')
    .pluck();
  return {
    newestKey: () =>
      (db.prepare('SELECT max(key) FROM log_files WHERE source = ?').pluck().get(source) as
        string | null) ?? null,
    newestKeyWithPrefix: (prefix) => {
      const end = prefixEnd(prefix);
      const newest =
        end === null ? newestFrom.get(source, prefix) : newestInRange.get(source, prefix, end);
      return (newest as string | null) ?? null;
    },
    isLoaded: (key, size, etag) => {
      const row = loaded.get(source, key) as
        { size: number | null; etag: string | null } | undefined;
      if (!row) return false;
      if (etag !== null && row.etag !== null) return etag === row.etag;
      return size === row.size;
    },
  };
}

/**
 * Returns the least string greater than every string that starts with `prefix`, or null when
 * there is none. SQLite compares text as UTF-8 bytes, which is code point order.
 */
function prefixEnd(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}
