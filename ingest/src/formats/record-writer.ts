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
  private date: string | null = null;
  private time: string | null = null;
  private extras: Record<string, string> | null = null;
  private readonly dayStarts = new Map<string, number>();
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
    this.date = null;
    this.time = null;
    this.extras = null;
  }

  /** Writes one field's raw text; throws InvalidValue when it cannot be typed. */
  write(plan: FieldPlan, raw: string): void {
    const spec = plan.spec;
    if (spec === undefined) {
      if (raw !== '-' && raw !== '') (this.extras ??= {})[plan.name] = raw;
      return;
    }
    if (raw === '-' || raw === '') return;

    switch (spec.kind) {
      case 'dimension':
        this.batch.setDimension(plan.slot, this.dimensionId(plan.slot, spec, raw));
        return;
      case 'integer':
        this.batch.setNumber(plan.slot, parseInteger(raw, plan.name));
        return;
      case 'seconds':
        this.batch.setNumber(plan.slot, parseMilliseconds(raw, plan.name));
        return;
      case 'text':
        this.batch.setText(plan.slot, spec.decoding === 'once' ? percentDecode(raw) : raw);
        return;
      case 'date':
        this.date = raw;
        return;
      case 'time':
        this.time = raw;
        return;
      case 'epoch-seconds':
        this.setEpoch(Math.round(parseDecimal(raw, plan.name) * 1000));
        return;
      case 'epoch-ms':
        this.setEpoch(parseInteger(raw, plan.name));
        return;
    }
  }

  private dimensionId(slot: number, spec: FieldSpec, raw: string): number {
    if (raw === this.lastRaw[slot]) return this.lastId[slot];
    const id = this.interner.idOf(spec.table!, raw);
    this.lastRaw[slot] = raw;
    this.lastId[slot] = id;
    return id;
  }

  /** Completes the row: timestamp, dedupe key and extras; throws InvalidValue. */
  commit(lineNo: number): void {
    if (this.date !== null && this.time !== null && Number.isNaN(this.batch.getNumber(TS))) {
      this.batch.setNumber(TS, this.dayStart(this.date) + parseTimeOfDay(this.time));
    }
    if (Number.isNaN(this.batch.getNumber(TS))) {
      throw new InvalidValue('no date and time, nor timestamp, in the record');
    }

    const requestId = this.batch.getText(REQUEST_ID);
    const identity = requestId ?? `${this.fileKey}\n${lineNo}`;
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

  private dayStart(date: string): number {
    let start = this.dayStarts.get(date);
    if (start === undefined) {
      const match = DATE_PATTERN.exec(date);
      if (!match) throw new InvalidValue(`invalid date '${date}', expected YYYY-MM-DD`);
      start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
      if (new Date(start).toISOString().slice(0, 10) !== date) {
        throw new InvalidValue(`invalid date '${date}'`);
      }
      this.dayStarts.set(date, start);
    }
    return start;
  }
}

function digit(value: string, index: number): number {
  const d = value.charCodeAt(index) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/** Parses HH:MM:SS into milliseconds since midnight. */
function parseTimeOfDay(time: string): number {
  const hours = digit(time, 0) * 10 + digit(time, 1);
  const minutes = digit(time, 3) * 10 + digit(time, 4);
  const seconds = digit(time, 6) * 10 + digit(time, 7);
  const valid =
    time.length === 8 &&
    time.charCodeAt(2) === 58 &&
    time.charCodeAt(5) === 58 &&
    hours < 24 &&
    minutes < 60 &&
    seconds < 61;
  if (!valid) throw new InvalidValue(`invalid time '${time}', expected HH:MM:SS`);
  return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** Parses a non-negative decimal integer without allocating. */
export function parseInteger(raw: string, field: string): number {
  let value = 0;
  const length = raw.length;
  if (length === 0 || length > 15) throw invalidNumber(raw, field);
  for (let i = 0; i < length; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      if (i === 0 && raw.charCodeAt(0) === 45 && length > 1)
        return -parseInteger(raw.slice(1), field);
      throw invalidNumber(raw, field);
    }
    value = value * 10 + d;
  }
  return value;
}

function parseDecimal(raw: string, field: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value)) throw invalidNumber(raw, field);
  return value;
}

/** Parses seconds such as `0.123` into integer milliseconds. */
function parseMilliseconds(raw: string, field: string): number {
  return Math.round(parseDecimal(raw, field) * 1000);
}

function invalidNumber(raw: string, field: string): InvalidValue {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}...` : raw;
  return new InvalidValue(`invalid number in ${field}: '${shown}'`);
}
