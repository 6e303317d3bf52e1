// Bookkeeping of ingest runs and per-file state: which objects are loaded,
// which failed and why, and the totals of each run.

import { hostname } from 'node:os';
import type { SourceState } from '../sources/source.js';
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

/** Marks runs of this host whose process is gone as interrupted (killed or crashed). */
export function markInterruptedRuns(db: Db): number {
  const running = db
    .prepare(`SELECT id, pid FROM ingest_runs WHERE status = 'running' AND hostname = ?`)
    .all(hostname()) as { id: number; pid: number }[];
  const gone = running.filter((run) => !isAlive(run.pid));
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

export function startRun(db: Db, sources: string[]): number {
  return Number(
    db
      .prepare(
        `INSERT INTO ingest_runs (started_at, status, sources, pid, hostname) VALUES (?, 'running', ?, ?, ?)`,
      )
      .run(new Date().toISOString(), JSON.stringify(sources), process.pid, hostname())
      .lastInsertRowid,
  );
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

/** The loaded state of one source, read from log_files. */
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
