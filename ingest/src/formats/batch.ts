// A batch of parsed log records in columns: typed arrays for numbers and lookup
// ids, a plain array for per-request text. Batches cross from the parser thread
// to the writer cheaply because the typed arrays are transferred, not copied.

import {
  DIMENSION_COLUMNS,
  NUMBER_COLUMNS,
  TEXT_COLUMNS,
  type DimensionColumn,
  type NumberColumn,
  type TextColumn,
} from './fields.js';
import type { NewValues } from './interner.js';

export const NUMBER_WIDTH = NUMBER_COLUMNS.length;
export const DIMENSION_WIDTH = DIMENSION_COLUMNS.length;
export const TEXT_WIDTH = TEXT_COLUMNS.length;

export const NUMBER_INDEX = Object.fromEntries(NUMBER_COLUMNS.map((c, i) => [c, i])) as Record<
  NumberColumn,
  number
>;
export const DIMENSION_INDEX = Object.fromEntries(
  DIMENSION_COLUMNS.map((c, i) => [c, i]),
) as Record<DimensionColumn, number>;
export const TEXT_INDEX = Object.fromEntries(TEXT_COLUMNS.map((c, i) => [c, i])) as Record<
  TextColumn,
  number
>;

/** A line that could not be parsed, kept with the reason. */
export interface RejectedLine {
  readonly lineNo: number;
  readonly reason: string;
  readonly raw: string;
}

/**
 * The parser's output for the writer: NaN is a NULL number, -1 a NULL lookup id.
 * Text values are packed into one string with their lengths (-1 for NULL), which
 * crosses threads far faster than an array of thousands of small strings.
 */
export interface ParsedBatch {
  readonly rows: number;
  readonly numbers: Float64Array;
  readonly dimensions: Int32Array;
  readonly textData: string;
  readonly textLengths: Int32Array;
  readonly newValues: NewValues[];
  readonly rejected: RejectedLine[];
  /** True when the parser forgot its local ids before this batch. */
  readonly dictionaryReset: boolean;
}

/** Fills one batch row by row; `begin` opens a row, `commit` keeps it. */
export class BatchBuilder {
  numbers: Float64Array;
  dimensions: Int32Array;
  texts: (string | null)[];
  rows = 0;
  rejected: RejectedLine[] = [];

  constructor(readonly capacity: number) {
    this.numbers = new Float64Array(capacity * NUMBER_WIDTH);
    this.dimensions = new Int32Array(capacity * DIMENSION_WIDTH);
    this.texts = new Array<string | null>(capacity * TEXT_WIDTH);
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  get empty(): boolean {
    return this.rows === 0 && this.rejected.length === 0;
  }

  /** Clears the slots of the next row to NULL. */
  begin(): void {
    this.numbers.fill(NaN, this.rows * NUMBER_WIDTH, (this.rows + 1) * NUMBER_WIDTH);
    this.dimensions.fill(-1, this.rows * DIMENSION_WIDTH, (this.rows + 1) * DIMENSION_WIDTH);
    this.texts.fill(null, this.rows * TEXT_WIDTH, (this.rows + 1) * TEXT_WIDTH);
  }

  setNumber(index: number, value: number): void {
    this.numbers[this.rows * NUMBER_WIDTH + index] = value;
  }

  getNumber(index: number): number {
    return this.numbers[this.rows * NUMBER_WIDTH + index];
  }

  setDimension(index: number, id: number): void {
    this.dimensions[this.rows * DIMENSION_WIDTH + index] = id;
  }

  setText(index: number, value: string): void {
    this.texts[this.rows * TEXT_WIDTH + index] = value;
  }

  getText(index: number): string | null {
    return this.texts[this.rows * TEXT_WIDTH + index];
  }

  commit(): void {
    this.rows++;
  }

  reject(line: RejectedLine): void {
    this.rejected.push(line);
  }

  /** Hands over the filled part and starts over with fresh arrays. */
  take(newValues: NewValues[], dictionaryReset: boolean): ParsedBatch {
    const cells = this.rows * TEXT_WIDTH;
    const textLengths = new Int32Array(cells);
    const parts: string[] = [];
    for (let i = 0; i < cells; i++) {
      const value = this.texts[i];
      textLengths[i] = value === null ? -1 : value.length;
      if (value !== null) parts.push(value);
    }
    const batch: ParsedBatch = {
      rows: this.rows,
      numbers: this.numbers.slice(0, this.rows * NUMBER_WIDTH),
      dimensions: this.dimensions.slice(0, this.rows * DIMENSION_WIDTH),
      textData: parts.join(''),
      textLengths,
      newValues,
      rejected: this.rejected,
      dictionaryReset,
    };
    this.rows = 0;
    this.rejected = [];
    return batch;
  }
}
