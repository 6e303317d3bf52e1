// Writes parsed batches into request_rows. A file's rows, its rollups, its
// rejected lines and its log_files row commit in one transaction, which is what
// makes a load exactly once: a killed run leaves either all of a file or none.
// Consecutive files share a transaction for up to a second, each file in its
// own savepoint, so a failed file rolls back alone.

import type Database from 'better-sqlite3';
import {
  DIMENSION_INDEX,
  DIMENSION_WIDTH,
  NUMBER_INDEX,
  NUMBER_WIDTH,
  TEXT_WIDTH,
  type ParsedBatch,
} from '../formats/batch.js';
import {
  DIMENSION_COLUMNS,
  DIMENSION_TABLE_OF,
  NUMBER_COLUMNS,
  TEXT_COLUMNS,
} from '../formats/fields.js';
import type { Db } from './database.js';
import { DimensionMap } from './dimensions.js';
import { ROW_DIMENSIONS } from './migrations.js';
import { DailyRollups, applyPendingClientDays, type RollupRow } from './rollups.js';

/** Identity of a log object: where it came from and its version. */
export interface LogObjectInfo {
  readonly source: string;
  readonly key: string;
  readonly size: number | null;
  readonly etag: string | null;
}

/** Counts of what one file added, for log_files and the run totals. */
export interface FileCounts {
  rows: number;
  duplicates: number;
  rejected: number;
  minTs: number;
  maxTs: number;
}

export interface FileDetails {
  readonly format: string | null;
  readonly fields: string[] | null;
  readonly lines: number;
}

// Number columns in insert order after ts_ms, dedupe_key, file_id and line_no.
const VALUE_NUMBERS = NUMBER_COLUMNS.filter(
  (c) => c !== 'ts_ms' && c !== 'dedupe_key' && c !== 'line_no',
);
const NUMBER_COLUMN_NAMES: Record<string, string> = {
  time_taken: 'time_taken_ms',
  time_to_first_byte: 'time_to_first_byte_ms',
  origin_fbl: 'origin_fbl_ms',
  origin_lbl: 'origin_lbl_ms',
};
const VALUE_NUMBER_INDEXES = VALUE_NUMBERS.map((c) => NUMBER_INDEX[c]);
const DIMENSION_SLOTS = DIMENSION_COLUMNS.map((_, i) => i);
const TEXT_SLOTS = TEXT_COLUMNS.map((_, i) => i);

/** A group transaction commits after this many rows or milliseconds, whichever comes first. */
const GROUP_MAX_ROWS = 250_000;
const GROUP_MAX_MS = 1000;

const CACHE_HIT_TYPES = new Set(['Hit', 'RefreshHit', 'OriginShieldHit']);

const I = DIMENSION_INDEX;
const TS = NUMBER_INDEX.ts_ms;
const DEDUPE_KEY = NUMBER_INDEX.dedupe_key;
const LINE_NO = NUMBER_INDEX.line_no;
const BYTES = NUMBER_INDEX.bytes;
const STATUS = NUMBER_INDEX.status;

/** An insert statement for one set of non-NULL columns, with its parameter sources. */
interface InsertLayout {
  readonly statement: Database.Statement;
  readonly dimensionSlots: number[];
  readonly numberSlots: number[];
  readonly textSlots: number[];
  readonly params: unknown[];
}

/** Returns the lookup id of a row's dimension slot, or 0 when the value is absent. */
function databaseId(dimensions: Int32Array, d: number, ids: number[][], slot: number): number {
  const local = dimensions[d + slot];
  return local < 0 ? 0 : ids[slot][local];
}

function anyRow(rows: number, has: (row: number) => boolean): boolean {
  for (let row = 0; row < rows; row++) if (has(row)) return true;
  return false;
}

export class LogWriter {
  private readonly dimensions: DimensionMap;
  private readonly rollups = new DailyRollups();
  // Prepared once, because a statement prepared per file keeps native memory that
  // V8's collector does not see, so over thousands of files it piles up.
  private readonly sql: ReturnType<typeof prepareFileStatements>;
  private readonly layouts = new Map<string, InsertLayout>();
  /** Whether each labels id is a cache hit result type, by id. */
  private readonly cacheHitLabels: boolean[] = [];
  private fileId = 0;
  private counts: FileCounts = emptyCounts();
  private fileOpen = false;
  /** Rows stored by earlier reads of the current file. */
  private previousRows = 0;
  private groupStartedAt = 0;
  private groupRows = 0;

  constructor(private readonly db: Db) {
    if (DIMENSION_COLUMNS.some((c, i) => ROW_DIMENSIONS[i][2] !== c)) {
      throw new Error('DIMENSION_COLUMNS and ROW_DIMENSIONS list the columns in different orders');
    }
    this.dimensions = new DimensionMap(db);
    this.sql = prepareFileStatements(db);
  }

  /**
   * Starts a file (a savepoint inside the current group transaction) and
   * reserves its log_files row. Small files share one transaction, because a
   * commit per 20-row object would write the same index pages thousands of times.
   */
  beginFile(object: LogObjectInfo, runId: number): void {
    if (!this.db.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.groupStartedAt = performance.now();
      this.groupRows = 0;
    }
    this.db.exec('SAVEPOINT log_file');
    this.fileOpen = true;
    this.counts = emptyCounts();
    this.rollups.clear();

    const existing = this.sql.findFile.get(object.source, object.key) as
      { id: number; rows: number } | undefined;
    if (existing !== undefined) {
      // A file read again (it grew or changed): its rejected lines are stored anew.
      this.fileId = existing.id;
      this.previousRows = existing.rows;
      this.sql.deleteRejected.run(existing.id);
      return;
    }
    this.previousRows = 0;
    this.fileId = Number(
      this.sql.insertFile.run(
        object.source,
        object.key,
        object.size,
        object.etag,
        new Date().toISOString(),
        runId,
      ).lastInsertRowid,
    );
  }

  writeBatch(batch: ParsedBatch): void {
    if (batch.dictionaryReset) this.dimensions.reset();
    this.dimensions.add(batch.newValues);
    this.writeRejected(batch);

    const ids = DIMENSION_COLUMNS.map((c) => this.dimensions.idsOf(DIMENSION_TABLE_OF[c]));
    const layout = this.layoutFor(batch);
    const { statement, dimensionSlots, numberSlots, textSlots, params } = layout;
    const { numbers, dimensions, textData, textLengths } = batch;
    const counts = this.counts;
    let textOffset = 0;
    params[2] = this.fileId;

    for (let row = 0; row < batch.rows; row++) {
      const n = row * NUMBER_WIDTH;
      const d = row * DIMENSION_WIDTH;
      const t = row * TEXT_WIDTH;
      const ts = numbers[n + TS];
      params[0] = ts;
      params[1] = numbers[n + DEDUPE_KEY];
      params[3] = numbers[n + LINE_NO];
      let p = 4;
      for (const slot of dimensionSlots) {
        const local = dimensions[d + slot];
        params[p++] = local < 0 ? null : ids[slot][local];
      }
      for (const slot of numberSlots) {
        const value = numbers[n + slot];
        params[p++] = value === value ? value : null;
      }
      for (const slot of textSlots) {
        const length = textLengths[t + slot];
        if (length < 0) {
          params[p++] = null;
        } else {
          params[p++] = textData.substring(textOffset, textOffset + length);
          textOffset += length;
        }
      }

      // Spreading is measurably faster than passing the array in better-sqlite3 12.
      if (statement.run(...params).changes === 0) {
        counts.duplicates++;
        continue;
      }
      counts.rows++;
      if (ts < counts.minTs) counts.minTs = ts;
      if (ts > counts.maxTs) counts.maxTs = ts;
      this.rollups.add(
        this.rollupRow(ts, dimensions, d, ids, numbers[n + BYTES], numbers[n + STATUS]),
      );
    }
  }

  /**
   * The insert statement for the columns this batch has values in. Binding fewer
   * parameters matters: a 33-field legacy file leaves a third of the columns NULL.
   */
  private layoutFor(batch: ParsedBatch): InsertLayout {
    const { rows, dimensions, numbers, textLengths } = batch;
    const dimensionSlots = DIMENSION_SLOTS.filter((slot) =>
      anyRow(rows, (row) => dimensions[row * DIMENSION_WIDTH + slot] >= 0),
    );
    const numberSlots = VALUE_NUMBER_INDEXES.filter((slot) =>
      anyRow(rows, (row) => !Number.isNaN(numbers[row * NUMBER_WIDTH + slot])),
    );
    const textSlots = TEXT_SLOTS.filter((slot) =>
      anyRow(rows, (row) => textLengths[row * TEXT_WIDTH + slot] >= 0),
    );
    const key = `${dimensionSlots}|${numberSlots}|${textSlots}`;

    let layout = this.layouts.get(key);
    if (!layout) {
      const columns = [
        'ts_ms',
        'dedupe_key',
        'file_id',
        'line_no',
        ...dimensionSlots.map((slot) => ROW_DIMENSIONS[slot][0]),
        ...numberSlots.map(
          (slot) => NUMBER_COLUMN_NAMES[NUMBER_COLUMNS[slot]] ?? NUMBER_COLUMNS[slot],
        ),
        ...textSlots.map((slot) => TEXT_COLUMNS[slot]),
      ];
      const statement = this.db.prepare(
        `INSERT OR IGNORE INTO request_rows (${columns.join(', ')})
         VALUES (${columns.map(() => '?').join(', ')})`,
      );
      layout = {
        statement,
        dimensionSlots,
        numberSlots,
        textSlots,
        params: new Array(columns.length),
      };
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private readonly rollupScratch: RollupRow = {
    tsMs: 0,
    hostId: 0,
    uriId: 0,
    status: 0,
    resultTypeId: 0,
    locationId: 0,
    referrerId: 0,
    clientId: 0,
    bytes: 0,
    cacheHit: false,
  };

  private rollupRow(
    ts: number,
    dimensions: Int32Array,
    d: number,
    ids: number[][],
    bytes: number,
    status: number,
  ): RollupRow {
    const row = this.rollupScratch;
    row.tsMs = ts;
    row.hostId =
      databaseId(dimensions, d, ids, I.host_header) || databaseId(dimensions, d, ids, I.host);
    row.uriId = databaseId(dimensions, d, ids, I.uri);
    row.status = status === status ? status : -1;
    row.resultTypeId = databaseId(dimensions, d, ids, I.result_type);
    row.locationId = databaseId(dimensions, d, ids, I.location);
    row.referrerId = databaseId(dimensions, d, ids, I.referrer);
    row.clientId = databaseId(dimensions, d, ids, I.request_ip);
    row.bytes = bytes === bytes ? bytes : 0;
    row.cacheHit = this.isCacheHit(row.resultTypeId);
    return row;
  }

  private isCacheHit(labelId: number): boolean {
    let hit = this.cacheHitLabels[labelId];
    if (hit === undefined) {
      const value = this.sql.labelValue.get(labelId);
      hit = CACHE_HIT_TYPES.has(value as string);
      this.cacheHitLabels[labelId] = hit;
    }
    return hit;
  }

  private writeRejected(batch: ParsedBatch): void {
    for (const line of batch.rejected) {
      this.sql.insertRejected.run(this.fileId, line.lineNo, line.reason, line.raw);
      this.counts.rejected++;
    }
  }

  /**
   * Completes the file's log_files row and rollups; returns its counts. A file
   * read again finds its own earlier rows as duplicates, which do not count.
   */
  commitFile(object: LogObjectInfo, details: FileDetails, runId: number): FileCounts {
    const counts = this.counts;
    counts.duplicates = Math.max(0, counts.duplicates - this.previousRows);
    this.rollups.flush(this.db);
    this.sql.completeFile.run(
      object.size,
      object.etag,
      details.format,
      details.fields ? details.fields.join(' ') : null,
      details.lines,
      counts.rows,
      counts.duplicates,
      counts.rejected,
      new Date().toISOString(),
      runId,
      this.fileId,
    );
    if (counts.rows > 0) this.updateTimeRange(counts);
    this.db.exec('RELEASE log_file');
    this.fileOpen = false;
    this.dimensions.committed();
    this.groupRows += counts.rows + counts.rejected;
    const groupMs = performance.now() - this.groupStartedAt;
    if (this.groupRows >= GROUP_MAX_ROWS || groupMs >= GROUP_MAX_MS) this.commit();
    return counts;
  }

  private updateTimeRange(counts: FileCounts): void {
    const first = new Date(counts.minTs).toISOString();
    const last = new Date(counts.maxTs).toISOString();
    this.sql.widenTimeRange.run({ first, last, id: this.fileId });
  }

  /** Undoes everything of the current file; the lookup mapping stays usable. */
  rollbackFile(): void {
    if (!this.fileOpen) return;
    this.db.exec('ROLLBACK TO log_file');
    this.db.exec('RELEASE log_file');
    this.fileOpen = false;
    this.rollups.clear();
    this.dimensions.restoreAfterRollback();
  }

  /** Commits the files completed so far; call at the end of a run. */
  commit(): void {
    if (!this.db.inTransaction) return;
    applyPendingClientDays(this.db);
    this.db.exec('COMMIT');
  }

  /** Drops every uncommitted file after a fatal error; the next run loads them. */
  abort(): void {
    this.fileOpen = false;
    this.rollups.clear();
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.dimensions.reset();
  }
}

function emptyCounts(): FileCounts {
  return { rows: 0, duplicates: 0, rejected: 0, minTs: Infinity, maxTs: -Infinity };
}

function prepareFileStatements(db: Db) {
  return {
    findFile: db.prepare('SELECT id, rows FROM log_files WHERE source = ? AND key = ?'),
    deleteRejected: db.prepare('DELETE FROM rejected_lines WHERE file_id = ?'),
    insertFile: db.prepare(
      `INSERT INTO log_files (source, key, size, etag, lines, rows, duplicates, rejected, loaded_at, run_id)
       VALUES (?, ?, ?, ?, 0, 0, 0, 0, ?, ?)`,
    ),
    completeFile: db.prepare(
      `UPDATE log_files SET size = ?, etag = ?, format = ?, fields = ?,
         lines = ?, rows = rows + ?, duplicates = ?, rejected = ?,
         loaded_at = ?, run_id = ?
       WHERE id = ?`,
    ),
    widenTimeRange: db.prepare(
      `UPDATE log_files SET first_request = min(coalesce(first_request, @first), @first),
         last_request = max(coalesce(last_request, @last), @last) WHERE id = @id`,
    ),
    insertRejected: db.prepare(
      'INSERT INTO rejected_lines (file_id, line_no, reason, raw) VALUES (?, ?, ?, ?)',
    ),
    labelValue: db.prepare('SELECT value FROM labels WHERE id = ?').pluck(),
  };
}
