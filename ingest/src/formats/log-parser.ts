// Parses the lines of one CloudFront log file into batch rows. The first line
// decides the format: `#` directives start a W3C (tab-separated) standard
// log, `{` a v2 JSON-lines log. Within a W3C file each `#Fields:` line sets the
// column order from there on, so files from every era of the format load.

import { BatchBuilder } from './batch.js';
import { Interner } from './interner.js';
import { InvalidValue, RecordWriter, planFields, type FieldPlan } from './record-writer.js';

/** A file that is not a CloudFront standard log; none of its lines are loaded. */
export class UnsupportedFormatError extends Error {}

export type LogFormat = 'w3c' | 'json';

const MAX_RAW_KEPT = 4096;
const REALTIME_START = /^\d{10}\.\d{3}\t/;

export class LogFileParser {
  format: LogFormat | null = null;
  /** Data lines seen: every line that is neither empty nor a `#` directive. */
  lines = 0;
  fields: string[] | null = null;
  readonly unknownFields = new Set<string>();
  private plan: FieldPlan[] = [];
  private readonly jsonPlans = new Map<string, FieldPlan>();
  private readonly record: RecordWriter;

  constructor(
    private readonly batch: BatchBuilder,
    interner: Interner,
    fileKey: string,
  ) {
    this.record = new RecordWriter(batch, interner, fileKey);
  }

  /** Parses one line without its line end; `lineNo` counts from 1. */
  pushLine(line: string, lineNo: number): void {
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length === 0) return;

    if (this.format === null) this.format = detectFormat(line);
    if (this.format === 'json') return this.pushJson(line, lineNo);

    if (line.charCodeAt(0) === 35) return this.pushDirective(line, lineNo);
    this.lines++;
    if (this.fields === null) {
      return this.reject(lineNo, 'record before any #Fields: header line', line);
    }
    this.pushW3c(line, lineNo);
  }

  /** Rejects a line that was too long to keep; `start` is its beginning. */
  pushOverlongLine(start: string, lineNo: number, maxBytes: number): void {
    if (this.format === null) {
      throw new UnsupportedFormatError(
        `not a CloudFront standard log: the first line is longer than ${maxBytes} bytes`,
      );
    }
    this.lines++;
    this.reject(lineNo, `line longer than ${maxBytes} bytes`, start);
  }

  private pushDirective(line: string, lineNo: number): void {
    if (!line.startsWith('#Fields:')) return;
    const fields = line.slice('#Fields:'.length).trim().split(/\s+/);
    checkDistinctFields(fields, lineNo);
    this.fields = fields;
    this.plan = planFields(this.fields);
    for (const field of this.plan) if (!field.spec) this.unknownFields.add(field.name);
  }

  private pushW3c(line: string, lineNo: number): void {
    // Cells are found on raw TAB before any decoding, so an encoded %09 stays inside its cell.
    const expected = this.plan.length;
    let cells = 1;
    for (let tab = line.indexOf('\t'); tab !== -1; tab = line.indexOf('\t', tab + 1)) cells++;
    const trailingEmpty = cells === expected + 1 && line.charCodeAt(line.length - 1) === 9;
    if (cells !== expected && !trailingEmpty) {
      return this.reject(lineNo, `expected ${expected} tab-separated cells, found ${cells}`, line);
    }

    try {
      this.record.begin();
      let start = 0;
      for (let i = 0; i < expected; i++) {
        let end = line.indexOf('\t', start);
        if (end === -1) end = line.length;
        this.record.writeRange(this.plan[i], line, start, end);
        start = end + 1;
      }
      this.record.commit(lineNo, line);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      this.reject(lineNo, error.message, line);
    }
  }

  private pushJson(line: string, lineNo: number): void {
    this.lines++;
    let object: unknown;
    try {
      object = JSON.parse(line);
    } catch {
      return this.reject(lineNo, 'invalid JSON', line);
    }
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      return this.reject(lineNo, 'JSON line is not an object', line);
    }

    try {
      this.record.begin();
      for (const [name, value] of Object.entries(object)) {
        if (value === null || value === undefined) continue;
        if (typeof value === 'object') throw new InvalidValue(`${name} is not a string or number`);
        this.record.write(this.jsonPlan(name), typeof value === 'string' ? value : String(value));
      }
      this.record.commit(lineNo, line);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      this.reject(lineNo, error.message, line);
    }
  }

  private jsonPlan(name: string): FieldPlan {
    let plan = this.jsonPlans.get(name);
    if (plan === undefined) {
      plan = planFields([name])[0];
      this.jsonPlans.set(name, plan);
      if (!plan.spec) this.unknownFields.add(name);
      this.fields = [...this.jsonPlans.keys()];
    }
    return plan;
  }

  private reject(lineNo: number, reason: string, raw: string): void {
    const kept = raw.length > MAX_RAW_KEPT ? raw.slice(0, MAX_RAW_KEPT) : raw;
    this.batch.reject({ lineNo, reason, raw: kept });
  }
}

/** Throws when a header names a field twice, because the second column would replace the first. */
function checkDistinctFields(fields: string[], lineNo: number): void {
  const duplicate = fields.find((field, index) => fields.indexOf(field) !== index);
  if (duplicate === undefined) return;

  throw new UnsupportedFormatError(
    `not a CloudFront standard log: the #Fields header on line ${lineNo} names ${duplicate} ` +
      'twice, which CloudFront never writes. Check that --source holds only CloudFront access logs',
  );
}

function detectFormat(line: string): LogFormat {
  if (line.charCodeAt(0) === 35) return 'w3c';
  if (line.charCodeAt(0) === 123) return 'json';
  if (REALTIME_START.test(line)) {
    throw new UnsupportedFormatError(
      'this is a CloudFront real-time log record (no #Fields header, epoch timestamp first); ' +
        'only standard logs are supported: point --source at the standard logging bucket',
    );
  }
  throw new UnsupportedFormatError(
    'not a CloudFront standard log: the first line is neither a #Version/#Fields header ' +
      'nor a JSON object; check that --source holds only CloudFront access logs',
  );
}
