// Gives each distinct string of a lookup table a small local id while parsing,
// so that a batch carries integers and each distinct value is decoded and sent
// to the writer only once.

import { percentDecode, percentDecodeTwice } from './decode.js';
import { DIMENSION_TABLES, TABLE_DECODING, type DimensionTable } from './fields.js';

/** Values first seen since the last batch: local ids `firstId`, `firstId + 1`, ... */
export interface NewValues {
  readonly table: DimensionTable;
  readonly firstId: number;
  readonly values: string[];
}

const DECODERS = { none: (value: string) => value, once: percentDecode, twice: percentDecodeTwice };

/**
 * Copies a string out of the chunk it was split from. A substring in V8 keeps its
 * whole parent alive, so a map key made from a 256 KiB chunk would hold the chunk.
 */
function detached(value: string): string {
  return (' ' + value).slice(1);
}

class TableInterner {
  private readonly ids = new Map<string, number>();
  private pending: string[] = [];
  private pendingFirstId = 0;
  private readonly decode: (value: string) => string;

  constructor(readonly table: DimensionTable) {
    this.decode = DECODERS[TABLE_DECODING[table]];
  }

  get size(): number {
    return this.ids.size;
  }

  /** Returns the local id of a raw (still encoded) value. */
  idOf(raw: string): number {
    let id = this.ids.get(raw);
    if (id === undefined) {
      id = this.ids.size;
      const key = detached(raw);
      this.ids.set(key, id);
      this.pending.push(this.decode(key));
    }
    return id;
  }

  takePending(): NewValues | undefined {
    if (this.pending.length === 0) return undefined;
    const taken = { table: this.table, firstId: this.pendingFirstId, values: this.pending };
    this.pendingFirstId += this.pending.length;
    this.pending = [];
    return taken;
  }
}

export class Interner {
  private tables = new Map<DimensionTable, TableInterner>();

  constructor() {
    this.reset();
  }

  idOf(table: DimensionTable, raw: string): number {
    return (this.tables.get(table) as TableInterner).idOf(raw);
  }

  /** Total distinct values held, to bound memory over a long run. */
  get size(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.size;
    return total;
  }

  takePending(): NewValues[] {
    const taken: NewValues[] = [];
    for (const table of this.tables.values()) {
      const values = table.takePending();
      if (values) taken.push(values);
    }
    return taken;
  }

  /** Forgets every id; the writer must forget its mapping of local ids too. */
  reset(): void {
    this.tables = new Map(DIMENSION_TABLES.map((table) => [table, new TableInterner(table)]));
  }
}
