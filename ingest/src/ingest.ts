// The ingest step: lists every source, skips objects already loaded, and loads
// the rest file by file, each in its own transaction. A file that fails is
// recorded and the run goes on; a database failure stops the run.

import { createParser, type Parser } from './pipeline/parser.js';
import type { LogObject, LogSource } from './sources/source.js';
import type { Db } from './store/database.js';
import {
  emptyTotals,
  finishRun,
  markInterruptedRuns,
  recordFailure,
  sourceState,
  startRun,
  type RunTotals,
} from './store/runs.js';
import { LogWriter } from './store/writer.js';

export interface IngestEvents {
  /** A file is about to load. */
  fileStarted?(object: LogObject): void;
  /** Lines parsed so far in the current file grew by `lines`. */
  linesParsed?(lines: number): void;
  fileLoaded?(
    object: LogObject,
    counts: { rows: number; duplicates: number; rejected: number },
  ): void;
  fileSkipped?(object: LogObject): void;
  fileFailed?(object: LogObject, message: string): void;
  /** Something worth a warning that did not fail the file. */
  warning?(object: LogObject, message: string): void;
}

export interface IngestOptions {
  readonly sources: readonly LogSource[];
  readonly events?: IngestEvents;
  /** Parse on a worker thread when the built worker is present. @default true */
  readonly useWorker?: boolean;
}

export interface FileFailure {
  readonly source: string;
  readonly key: string;
  readonly message: string;
}

export interface IngestSummary extends RunTotals {
  readonly runId: number;
  readonly ms: number;
  readonly failures: FileFailure[];
  readonly unknownFields: string[];
}

export async function ingest(db: Db, options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  markInterruptedRuns(db);
  const runId = startRun(
    db,
    options.sources.map((source) => source.name),
  );
  const run = new IngestRun(
    db,
    runId,
    options.events ?? {},
    createParser(options.useWorker ?? true),
  );

  let fatal: Error | null = null;
  try {
    for (const source of options.sources) await run.loadSource(source);
  } catch (error) {
    fatal = error as Error;
  } finally {
    await run.parser.close();
  }

  const ms = performance.now() - started;
  finishRun(db, runId, run.totals, ms, fatal ? fatal.message : null);
  if (fatal) throw fatal;
  return {
    ...run.totals,
    runId,
    ms,
    failures: run.failures,
    unknownFields: [...run.unknownFields],
  };
}

class IngestRun {
  readonly totals = emptyTotals();
  readonly failures: FileFailure[] = [];
  readonly unknownFields = new Set<string>();
  private readonly writer: LogWriter;

  constructor(
    private readonly db: Db,
    private readonly runId: number,
    private readonly events: IngestEvents,
    readonly parser: Parser,
  ) {
    this.writer = new LogWriter(db);
  }

  async loadSource(source: LogSource): Promise<void> {
    const state = sourceState(this.db, source.name);
    for await (const object of source.list(state)) {
      this.totals.filesSeen++;
      if (state.isLoaded(object.key, object.size, object.etag)) {
        this.totals.filesSkipped++;
        this.events.fileSkipped?.(object);
        continue;
      }
      await this.loadFile(object);
    }
  }

  private async loadFile(object: LogObject): Promise<void> {
    this.events.fileStarted?.(object);
    this.writer.beginFile(object, this.runId);
    try {
      const summary = await this.parser.parse(object.key, object.open(), (batch) => {
        this.writer.writeBatch(batch);
        this.events.linesParsed?.(batch.rows + batch.rejected.length);
      });

      if (summary.bytesIn === 0) {
        // Not recorded as loaded: an empty file may still be being written.
        this.writer.rollbackFile();
        this.events.warning?.(
          object,
          'empty file, nothing to load; it is read again on the next run',
        );
        this.events.fileSkipped?.(object);
        return;
      }
      for (const field of summary.unknownFields) this.unknownFields.add(field);
      const counts = this.writer.commitFile(object, summary, this.runId);
      if (summary.lines === 0) this.events.warning?.(object, 'header lines only, no log records');
      this.count(summary.lines, counts);
      this.events.fileLoaded?.(object, counts);
    } catch (error) {
      this.writer.rollbackFile();
      if (isDatabaseError(error)) throw error;
      this.fail(object, (error as Error).message);
    }
  }

  private count(
    lines: number,
    counts: { rows: number; duplicates: number; rejected: number },
  ): void {
    this.totals.filesLoaded++;
    this.totals.lines += lines;
    this.totals.rows += counts.rows;
    this.totals.duplicates += counts.duplicates;
    this.totals.rejected += counts.rejected;
  }

  private fail(object: LogObject, message: string): void {
    this.totals.filesFailed++;
    this.failures.push({ source: object.source, key: object.key, message });
    recordFailure(this.db, this.runId, object.source, object.key, message);
    this.events.fileFailed?.(object, message);
  }
}

function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}
