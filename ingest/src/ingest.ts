// The ingest step: lists every source, skips objects already loaded, and loads
// the rest file by file, each in its own transaction. A file that fails is
// recorded and the run goes on; a database failure stops the run.

import type { FileSummary } from './pipeline/parse-file.js';
import { startCheckpointer } from './store/checkpointer.js';
import { createParser, type FileSink, type Parser } from './pipeline/parser.js';
import type { LogObject, LogSource } from './sources/source.js';
import type { Db } from './store/database.js';
import {
  emptyTotals,
  finishRun,
  heartbeat,
  HEARTBEAT_MS,
  recordFailure,
  sourceState,
  startRun,
  type RunTotals,
} from './store/runs.js';
import { LogWriter } from './store/writer.js';

/** Files queued in the parser at once: the one being written and the next. */
const FILES_IN_FLIGHT = 2;

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
  const checkpointer = startCheckpointer(db);
  const beat = setInterval(() => heartbeat(db, runId), HEARTBEAT_MS);
  beat.unref();

  let fatal: Error | null = null;
  try {
    for (const source of options.sources) await run.loadSource(source);
    run.commit();
  } catch (error) {
    fatal = error as Error;
    run.abort();
  } finally {
    clearInterval(beat);
    await run.parser.close();
    await checkpointer.stop();
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
    const inFlight = new Set<Promise<void>>();
    for await (const object of source.list(state)) {
      this.totals.filesSeen++;
      if (state.isLoaded(object.key, object.size, object.etag)) {
        this.totals.filesSkipped++;
        this.events.fileSkipped?.(object);
        continue;
      }

      // Queue the next files while the current one is written, so the parser never idles.
      const load = this.parser.parse(object.key, object.open(), this.sinkFor(object));
      inFlight.add(load);
      load.then(
        () => inFlight.delete(load),
        () => inFlight.delete(load),
      );
      while (inFlight.size >= FILES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** Commits the files loaded since the last group commit. */
  commit(): void {
    this.writer.commit();
  }

  /** Abandons the uncommitted files after a fatal error. */
  abort(): void {
    this.writer.abort();
  }

  /** Writes one file's batches in its own transaction, opened at its first result. */
  private sinkFor(object: LogObject): FileSink {
    let begun = false;
    const begin = () => {
      if (begun) return;
      begun = true;
      this.events.fileStarted?.(object);
      this.writer.beginFile(object, this.runId);
    };

    return {
      batch: (batch) => {
        begin();
        this.writer.writeBatch(batch);
        this.events.linesParsed?.(batch.rows + batch.rejected.length);
      },
      done: (summary) => {
        begin();
        this.finishFile(object, summary);
      },
      failed: (error) => {
        if (begun) this.writer.rollbackFile();
        this.fail(object, error.message);
      },
    };
  }

  private finishFile(object: LogObject, summary: FileSummary): void {
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
