// What has been loaded, read back for `cdn-analytics status`: per source the
// files, rows and newest request time, and the latest runs.

import type { Db } from './database.js';

export interface SourceStatus {
  readonly source: string;
  readonly files: number;
  readonly rows: number;
  readonly rejected: number;
  readonly newest_key: string | null;
  readonly newest_request: string | null;
  readonly last_loaded_at: string | null;
}

export interface RunStatus {
  readonly id: number;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly status: string;
  readonly files_loaded: number;
  readonly files_skipped: number;
  readonly files_failed: number;
  readonly rows: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly message: string | null;
}

export interface Status {
  readonly sources: SourceStatus[];
  readonly runs: RunStatus[];
  readonly total_rows: number;
}

export function readStatus(db: Db, lastRuns = 5): Status {
  const sources = db
    .prepare(
      `SELECT source, count(*) AS files, sum(rows) AS rows, sum(rejected) AS rejected,
         max(key) AS newest_key, max(last_request) AS newest_request, max(loaded_at) AS last_loaded_at
       FROM log_files GROUP BY source ORDER BY source`,
    )
    .all() as SourceStatus[];
  const runs = db
    .prepare(
      `SELECT id, started_at, finished_at, status, files_loaded, files_skipped, files_failed,
         rows, duplicates, rejected, message
       FROM ingest_runs ORDER BY id DESC LIMIT ?`,
    )
    .all(lastRuns) as RunStatus[];
  const totalRows = db
    .prepare('SELECT coalesce(sum(rows), 0) FROM log_files')
    .pluck()
    .get() as number;
  return { sources, runs, total_rows: totalRows };
}

export function formatStatus(status: Status): string {
  const lines: string[] = [];
  lines.push(`Rows stored: ${status.total_rows}`);
  lines.push('');
  lines.push('Sources:');
  if (status.sources.length === 0) lines.push('  (nothing loaded yet)');
  for (const s of status.sources) {
    lines.push(`  ${s.source}`);
    lines.push(`    files ${s.files}, rows ${s.rows}, rejected lines ${s.rejected}`);
    lines.push(`    newest request ${s.newest_request ?? '-'}, newest key ${s.newest_key ?? '-'}`);
  }
  lines.push('');
  lines.push('Latest runs:');
  if (status.runs.length === 0) lines.push('  (no runs yet)');
  for (const r of status.runs) {
    lines.push(
      `  #${r.id} ${r.started_at} ${r.status}: loaded ${r.files_loaded}, skipped ${r.files_skipped}, ` +
        `failed ${r.files_failed}, rows ${r.rows}, duplicates ${r.duplicates}, rejected ${r.rejected}` +
        (r.message ? ` (${r.message})` : ''),
    );
  }
  return lines.join('\n');
}
