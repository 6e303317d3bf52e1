// Types one record's field values into a batch row: numbers, timestamps,
// lookup ids and text, with '-' as NULL. Shared by the W3C (tab-separated) and
// the JSON-lines parsers, so both formats store the same values.

import {
  BatchBuilder,
  DIMENSION_INDEX,
  DIMENSION_WIDTH,
  NUMBER_INDEX,
  TEXT_INDEX,
} from './batch.js';
import { percentDecode } from './decode.js';
import { KNOWN_FIELDS, type DimensionColumn, type FieldSpec, type NumberColumn } from './fields.js';
import { Interner } from './interner.js';
import { hash53 } from './hash.js';

/** A field value that cannot be typed; the line is rejected with this message. */
export class InvalidValue extends Error {}

/** The write plan of one named field, built once per header and used for every line. */
export interface FieldPlan {
  readonly name: string;
  readonly spec: FieldSpec | undefined;
  readonly slot: number;
}

export function planFields(names: readonly string[]): FieldPlan[] {
  return names.map((name) => {
    const spec = KNOWN_FIELDS.get(name);
    return { name, spec, slot: spec ? slotOf(spec) : -1 };
  });
}

function slotOf(spec: FieldSpec): number {
  switch (spec.kind) {
    case 'dimension':
      return DIMENSION_INDEX[spec.column as DimensionColumn];
    case 'text':
      return TEXT_INDEX[spec.column as keyof typeof TEXT_INDEX];
    case 'date':
    case 'time':
      return -1;
    default:
      return NUMBER_INDEX[spec.column as NumberColumn];
  }
}

const TS = NUMBER_INDEX.ts_ms;
const DEDUPE_KEY = NUMBER_INDEX.dedupe_key;
const LINE_NO = NUMBER_INDEX.line_no;
const REQUEST_ID = TEXT_INDEX.request_id;
const EXTRAS = TEXT_INDEX.extras;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export class RecordWriter {
  private dayStartMs: number | null = null;
  private timeMs: number | null = null;
  private extras: Record<string, string> | null = null;
  private readonly dayStarts = new Map<string, number>();
  private lastDate = '';
  private lastDayStart = 0;
  // Consecutive records mostly repeat a column's value (GET, https, Hit, ...), and
  // comparing with the previous one is cheaper than hashing it into the map.
  private readonly lastRaw: string[] = new Array<string>(DIMENSION_WIDTH).fill('');
  private readonly lastId = new Int32Array(DIMENSION_WIDTH);

  constructor(
    private readonly batch: BatchBuilder,
    private readonly interner: Interner,
    private readonly fileKey: string,
  ) {}

  begin(): void {
    this.batch.begin();
    this.dayStartMs = null;
    this.timeMs = null;
    this.extras = null;
  }

  /** Writes one field's raw text; throws InvalidValue when it cannot be typed. */
  write(plan: FieldPlan, raw: string): void {
    this.writeRange(plan, raw, 0, raw.length);
  }

  /**
   * Writes the field whose raw text is `line` from `start` to `end`. Numbers,
   * times and repeated values are read in place, so most cells never become
   * strings of their own, because that allocation was most of the parser's garbage.
   */
  writeRange(plan: FieldPlan, line: string, start: number, end: number): void {
    const spec = plan.spec;
    const length = end - start;
    const isNull = length === 0 || (length === 1 && line.charCodeAt(start) === 45);
    if (spec === undefined) {
      if (!isNull) (this.extras ??= {})[plan.name] = line.slice(start, end);
      return;
    }
    if (isNull) return;

    switch (spec.kind) {
      case 'dimension':
        this.batch.setDimension(plan.slot, this.dimensionId(plan.slot, spec, line, start, end));
        return;
      case 'integer':
        this.batch.setNumber(plan.slot, parseInteger(line, start, end, plan.name));
        return;
      case 'seconds':
        this.batch.setNumber(plan.slot, parseMilliseconds(line, start, end, plan.name));
        return;
      case 'text': {
        const raw = line.slice(start, end);
        this.batch.setText(plan.slot, spec.decoding === 'once' ? percentDecode(raw) : raw);
        return;
      }
      case 'date':
        this.dayStartMs = this.dayStart(line, start, end);
        return;
      case 'time':
        this.timeMs = parseTimeOfDay(line, start, end);
        return;
      case 'epoch-seconds':
        this.setEpoch(Math.round(parseDecimal(line.slice(start, end), plan.name) * 1000));
        return;
      case 'epoch-ms':
        this.setEpoch(parseInteger(line, start, end, plan.name));
        return;
    }
  }

  private dimensionId(
    slot: number,
    spec: FieldSpec,
    line: string,
    start: number,
    end: number,
  ): number {
    const last = this.lastRaw[slot];
    if (last.length === end - start && line.startsWith(last, start)) return this.lastId[slot];
    const raw = line.slice(start, end);
    const id = this.interner.idOf(spec.table!, raw);
    this.lastRaw[slot] = raw;
    this.lastId[slot] = id;
    return id;
  }

  /**
   * Completes the row: timestamp, dedupe key and extras; throws InvalidValue.
   * Without a request id, the key, line number and the line itself identify a
   * record: the same file read again or copied elsewhere dedupes, while another
   * file that happens to have the same name does not.
   */
  commit(lineNo: number, line: string): void {
    if (
      this.dayStartMs !== null &&
      this.timeMs !== null &&
      Number.isNaN(this.batch.getNumber(TS))
    ) {
      this.batch.setNumber(TS, this.dayStartMs + this.timeMs);
    }
    if (Number.isNaN(this.batch.getNumber(TS))) {
      throw new InvalidValue('no date and time, nor timestamp, in the record');
    }

    const requestId = this.batch.getText(REQUEST_ID);
    const identity = requestId ?? `${this.fileKey}\n${lineNo}\n${line}`;
    this.batch.setNumber(DEDUPE_KEY, hash53(identity));
    this.batch.setNumber(LINE_NO, lineNo);
    if (this.extras) this.batch.setText(EXTRAS, JSON.stringify(this.extras));
    this.batch.commit();
  }

  private setEpoch(ms: number): void {
    // A v2 file may carry both `timestamp` and `timestamp(ms)`; the finer one wins.
    const current = this.batch.getNumber(TS);
    if (Number.isNaN(current) || ms % 1000 !== 0) this.batch.setNumber(TS, ms);
  }

  private dayStart(line: string, start: number, end: number): number {
    if (end - start === this.lastDate.length && line.startsWith(this.lastDate, start)) {
      return this.lastDayStart;
    }
    const date = line.slice(start, end);
    let dayStart = this.dayStarts.get(date);
    if (dayStart === undefined) {
      const match = DATE_PATTERN.exec(date);
      if (!match) throw new InvalidValue(`invalid date '${date}', expected YYYY-MM-DD`);
      dayStart = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
      if (new Date(dayStart).toISOString().slice(0, 10) !== date) {
        throw new InvalidValue(`invalid date '${date}'`);
      }
      this.dayStarts.set(date, dayStart);
    }
    this.lastDate = date;
    this.lastDayStart = dayStart;
    return dayStart;
  }
}

function digit(text: string, index: number): number {
  const d = text.charCodeAt(index) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/** Parses HH:MM:SS at `line[start, end)` into milliseconds since midnight. */
function parseTimeOfDay(line: string, start: number, end: number): number {
  const hours = digit(line, start) * 10 + digit(line, start + 1);
  const minutes = digit(line, start + 3) * 10 + digit(line, start + 4);
  const seconds = digit(line, start + 6) * 10 + digit(line, start + 7);
  const valid =
    end - start === 8 &&
    line.charCodeAt(start + 2) === 58 &&
    line.charCodeAt(start + 5) === 58 &&
    hours < 24 &&
    minutes < 60 &&
    seconds < 61;
  if (!valid) {
    throw new InvalidValue(`invalid time '${line.slice(start, end)}', expected HH:MM:SS`);
  }
  return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/**
 * Parses a non-negative decimal integer at `text[start, end)` without
 * allocating; no integer field of CloudFront's logs can be negative.
 */
export function parseInteger(text: string, start: number, end: number, field: string): number {
  if (start >= end || end - start > 15) throw invalidNumber(text.slice(start, end), field);
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw invalidNumber(text.slice(start, end), field);
    value = value * 10 + d;
  }
  return value;
}

function parseDecimal(raw: string, field: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw invalidNumber(raw, field);
  return value;
}

/**
 * Parses seconds such as `0.123` into integer milliseconds. The common form,
 * digits with at most three decimals, is read in place; others go through Number.
 */
function parseMilliseconds(text: string, start: number, end: number, field: string): number {
  let whole = 0;
  let i = start;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
  }
  if (i === end && i > start) return whole * 1000;
  if (text.charCodeAt(i) === 46 && i > start && end - i - 1 <= 3 && end - i - 1 > 0) {
    let fraction = 0;
    for (let j = i + 1; j < end; j++) {
      const d = text.charCodeAt(j) - 48;
      if (d < 0 || d > 9) return Math.round(parseDecimal(text.slice(start, end), field) * 1000);
      fraction = fraction * 10 + d;
    }
    const decimals = end - i - 1;
    return whole * 1000 + fraction * 10 ** (3 - decimals);
  }
  return Math.round(parseDecimal(text.slice(start, end), field) * 1000);
}

function invalidNumber(raw: string, field: string): InvalidValue {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}...` : raw;
  return new InvalidValue(`invalid number in ${field}: '${shown}'`);
}
