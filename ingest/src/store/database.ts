// Opens the analytics database: checks that the path is a writable SQLite file,
// sets WAL mode so Datasette can read while an ingest writes, and applies the
// pending migrations.

import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseOpenError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const full = resolve(path);
  checkPath(full, options.readonly ?? false);

  let db: Db;
  try {
    db = new Database(full, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    db.pragma('busy_timeout = 10000');
    // better-sqlite3 enforces foreign keys by default; checking ~20 lookups per
    // inserted row would cost more than the insert. The writer keeps them valid.
    db.pragma('foreign_keys = OFF');
    assertOwnDatabase(db, full);
    if (!options.readonly) configure(db);
    migrate(db, options.readonly ?? false);
  } catch (error) {
    throw explainOpenError(full, error);
  }
  return db;
}

/** Refuses a SQLite file of another program before changing anything in it. */
function assertOwnDatabase(db: Db, full: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .get();
  if (version === 0 && (tables as number) > 0) {
    throw new DatabaseOpenError(
      `${full} is a SQLite database of another program (it has tables but no cdn-analytics ` +
        'schema version); pass --db with a new file name or a database cdn-analytics created',
    );
  }
}

function checkPath(full: string, readonly: boolean): void {
  if (existsSync(full) && statSync(full).isDirectory()) {
    throw new DatabaseOpenError(`${full} is a folder; pass --db with a database file name`);
  }
  if (existsSync(full)) {
    if (!readonly) assertWritable(full, `${full} is read-only`);
    return;
  }
  if (readonly) {
    throw new DatabaseOpenError(`database ${full} not found; run an ingest first or pass --db`);
  }
  if (!existsSync(dirname(full))) {
    throw new DatabaseOpenError(
      `folder ${dirname(full)} for database ${full} not found; create it or pass another --db`,
    );
  }
  assertWritable(dirname(full), `folder ${dirname(full)} is not writable`);
}

function assertWritable(path: string, problem: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new DatabaseOpenError(`${problem}; make it writable for this user or pass another --db`);
  }
}

function configure(db: Db): void {
  // Page size applies only before the first table exists; 8 KiB suits the wide rows.
  db.pragma('page_size = 8192');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -8192');
  // Each checkpoint syncs the files; checkpointing every 64 MiB of WAL instead of
  // the default 8 MiB keeps that cost off most commits.
  db.pragma('wal_autocheckpoint = 8192');
  db.pragma('temp_store = MEMORY');
}

function migrate(db: Db, readonly: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new DatabaseOpenError(
      `schema version ${current} is newer than this cdn-analytics (${MIGRATIONS.length}); upgrade cdn-analytics`,
    );
  }
  if (current === MIGRATIONS.length) return;
  if (readonly) {
    throw new DatabaseOpenError(
      `schema version ${current} is out of date; run an ingest to upgrade it`,
    );
  }

  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}

function explainOpenError(full: string, error: unknown): Error {
  if (error instanceof DatabaseOpenError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new DatabaseOpenError(
      `${full} is not a SQLite database; pass --db with a new file name or a database cdn-analytics created`,
    );
  }
  if (code === 'SQLITE_BUSY') {
    return new DatabaseOpenError(
      `${full} stayed locked by another process for 10 s; retry once it has finished writing`,
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
    return new DatabaseOpenError(
      `cannot write ${full} (${code}); make the file and its folder writable or pass another --db`,
    );
  }
  return error as Error;
}
