// Maps the parser's local ids for repeated strings to the ids of the lookup
// tables, inserting values the database has not seen. The mapping survives a
// rolled-back file: values inserted in that transaction are inserted again.

import { DIMENSION_TABLES, type DimensionTable } from '../formats/fields.js';
import type { NewValues } from '../formats/interner.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

interface TableMapping {
  readonly insert: Statement;
  readonly select: Statement;
  readonly insertMany: Statement;
  readonly selectMany: Statement;
  /** Database id by local id. */
  ids: number[];
  /** Decoded value by local id, kept to redo inserts after a rollback. */
  values: string[];
}

/** Below this many new values in a batch, one statement per value is cheaper. */
const BULK_MIN = 8;

export class DimensionMap {
  private readonly tables = new Map<DimensionTable, TableMapping>();
  private addedInTransaction: Array<[DimensionTable, number]> = [];

  constructor(db: Db) {
    for (const table of DIMENSION_TABLES) {
      this.tables.set(table, {
        insert: db
          .prepare(`INSERT INTO ${table} (value) VALUES (?) ON CONFLICT DO NOTHING RETURNING id`)
          .pluck(),
        select: db.prepare(`SELECT id FROM ${table} WHERE value = ?`).pluck(),
        // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT.
        insertMany: db.prepare(
          `INSERT INTO ${table} (value) SELECT value FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING RETURNING id, value`,
        ),
        selectMany: db.prepare(
          `SELECT id, value FROM ${table} WHERE value IN (SELECT value FROM json_each(?))`,
        ),
        ids: [],
        values: [],
      });
    }
  }

  /** Returns the array of database ids by local id, for the hot insert loop. */
  idsOf(table: DimensionTable): number[] {
    return (this.tables.get(table) as TableMapping).ids;
  }

  /** Resolves values first seen in a batch; call inside the file's transaction. */
  add(newValues: readonly NewValues[]): void {
    for (const { table, firstId, values } of newValues) {
      const mapping = this.tables.get(table) as TableMapping;
      const ids = values.length < BULK_MIN ? null : this.resolveMany(mapping, values);
      for (let i = 0; i < values.length; i++) {
        mapping.values[firstId + i] = values[i];
        mapping.ids[firstId + i] = ids
          ? (ids.get(values[i]) as number)
          : this.resolve(mapping, values[i]);
        this.addedInTransaction.push([table, firstId + i]);
      }
    }
  }

  /** Forgets every local id, after the parser reset its own. */
  reset(): void {
    for (const mapping of this.tables.values()) {
      mapping.ids.length = 0;
      mapping.values.length = 0;
    }
    this.addedInTransaction = [];
  }

  committed(): void {
    this.addedInTransaction = [];
  }

  /** Re-inserts the values that the rollback of a file removed; call right after it. */
  restoreAfterRollback(): void {
    for (const [table, localId] of this.addedInTransaction) {
      const mapping = this.tables.get(table) as TableMapping;
      mapping.ids[localId] = this.resolve(mapping, mapping.values[localId]);
    }
    this.addedInTransaction = [];
  }

  /**
   * Inserts many values with two statements instead of one or two per value; a
   * batch brings hundreds of new client addresses and paths.
   */
  private resolveMany(mapping: TableMapping, values: string[]): Map<string, number> {
    const json = JSON.stringify(values);
    const rows = mapping.insertMany.all(json) as { id: number; value: string }[];
    const ids = new Map(rows.map((row) => [row.value, row.id]));
    if (ids.size < new Set(values).size) {
      for (const row of mapping.selectMany.all(json) as { id: number; value: string }[]) {
        ids.set(row.value, row.id);
      }
    }
    return ids;
  }

  /** Inserts the value unless present; one statement for a new value, two for a known one. */
  private resolve(mapping: TableMapping, value: string): number {
    const inserted = mapping.insert.get(value) as number | undefined;
    return inserted ?? (mapping.select.get(value) as number);
  }
}
