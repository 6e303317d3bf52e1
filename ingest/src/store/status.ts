// The loaded state, read back for `cdn-analytics status`: per source the
// files, bytes, rows, newest request time and last run, and the latest runs.

import type { Db } from './database.js';

export interface SourceStatus {
  readonly source: string;
  readonly files: number;
  readonly rows: number;
  readonly rejected: number;
  readonly newest_key: string | null;
  readonly newest_request: string | null;
  readonly last_loaded_at: string | null;
  /** Stored size of the loaded objects, as listed. */
  readonly bytes: number;
  /** The latest run that read this source, or null when none did. */
  readonly last_run: SourceRun | null;
}

/** A run as seen from one source: when, how it ended, and the source's files that failed in it. */
export interface SourceRun {
  readonly id: number;
  readonly started_at: string;
  readonly status: string;
  readonly files_failed: number;
  readonly message: string | null;
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
  const sources = readSources(db);
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

/** Every source that has loaded files or was read by a run, with its totals and last run. */
function readSources(db: Db): SourceStatus[] {
  const totals = db.prepare(
    `SELECT count(*) AS files, coalesce(sum(rows), 0) AS rows, coalesce(sum(rejected), 0) AS rejected,
       max(key) AS newest_key, max(last_request) AS newest_request, max(loaded_at) AS last_loaded_at,
       coalesce(sum(size), 0) AS bytes
     FROM log_files WHERE source = ?`,
  );
  const lastRun = db.prepare(
    `SELECT r.id, r.started_at, r.status, r.message,
       (SELECT count(*) FROM file_failures f WHERE f.run_id = r.id AND f.source = s.value) AS files_failed
     FROM ingest_runs r, json_each(r.sources) s
     WHERE s.value = ? ORDER BY r.id DESC LIMIT 1`,
  );
  const names = db
    .prepare(
      `SELECT source FROM log_files GROUP BY source
       UNION SELECT s.value FROM ingest_runs r, json_each(r.sources) s
       ORDER BY 1`,
    )
    .pluck()
    .all() as string[];

  return names.map((source) => ({
    source,
    ...(totals.get(source) as Omit<SourceStatus, 'source' | 'last_run'>),
    last_run: (lastRun.get(source) as SourceRun | undefined) ?? null,
  }));
}

export function formatStatus(status: Status): string {
  const lines: string[] = [];
  lines.push(`Rows stored: ${status.total_rows}`);
  lines.push('');
  lines.push('Sources:');
  if (status.sources.length === 0) lines.push('  (nothing loaded yet)');
  for (const s of status.sources) {
    lines.push(`  ${s.source}`);
    lines.push(
      `    files ${s.files} (${formatBytes(s.bytes)}), rows ${s.rows}, rejected lines ${s.rejected}`,
    );
    lines.push(`    newest request ${s.newest_request ?? '-'}, newest key ${s.newest_key ?? '-'}`);
    if (s.last_run) lines.push(`    last run ${formatSourceRun(s.last_run)}`);
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

function formatSourceRun(run: SourceRun): string {
  const failed = run.files_failed > 0 ? `, ${run.files_failed} files failed` : '';
  const message = run.message ? ` (${run.message})` : '';
  return `#${run.id} ${run.started_at} ${run.status}${failed}${message}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
