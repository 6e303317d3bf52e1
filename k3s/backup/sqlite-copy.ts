// Consistent copies of the live database with SQLite's online backup API, and
// putting a copy back in place. S3 transfers live in s3-transfer.ts.

import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';

/** A copy or a restore that failed, with the file and the reason. */
export class CopyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CopyError';
  }
}

/**
 * Writes a consistent copy of `databasePath` to `copyPath` while other
 * connections keep writing: the backup API restarts the copy when another
 * connection commits mid-way. The copy uses the rollback journal, so it is one
 * self-contained file. Returns the number of pages copied.
 */
export async function copyDatabase(databasePath: string, copyPath: string): Promise<number> {
  if (!existsSync(databasePath)) {
    throw new CopyError(`database ${databasePath} not found: run an ingest first`);
  }
  const source = new Database(databasePath, { fileMustExist: true, timeout: 60_000 });
  try {
    const progress = await source.backup(copyPath);
    verifyDatabase(copyPath);
    return progress.totalPages;
  } finally {
    source.close();
  }
}

/** Throws unless `path` passes `PRAGMA integrity_check`; switches it to DELETE journaling. */
export function verifyDatabase(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') {
      throw new CopyError(`database copy ${path} failed its integrity check: ${String(result)}`);
    }
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/**
 * Replaces `databasePath` with the verified copy at `copyPath`. The old file,
 * if any, is kept as `<databasePath>.before-restore`. No other process may have
 * the database open, because its WAL and shared-memory files are deleted.
 */
export function replaceDatabase(copyPath: string, databasePath: string): string | null {
  const previous = `${databasePath}.before-restore`;
  let previousPath: string | null = null;
  if (existsSync(databasePath)) {
    rmSync(previous, { force: true });
    renameSync(databasePath, previous);
    previousPath = previous;
  }
  for (const suffix of ['-wal', '-shm']) {
    rmSync(`${databasePath}${suffix}`, { force: true });
  }
  renameSync(copyPath, databasePath);
  return previousPath;
}
