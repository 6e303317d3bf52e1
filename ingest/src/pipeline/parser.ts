// Runs the parser for the writer: on a worker thread when the built worker file
// is present (the CLI), or on the calling thread (in-process tests, fallback).
// Files are parsed strictly in the order they were queued, and each file's
// sink callbacks run synchronously and in order, so a sink can commit a file
// before the first batch of the next one arrives.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedBatch } from '../formats/batch.js';
import { Interner } from '../formats/interner.js';
import { UnsupportedFormatError } from '../formats/log-parser.js';
import { CHUNK_WINDOW, type FromParser, type ToParser } from './messages.js';
import { parseFile, type FileSummary } from './parse-file.js';

/** A file's bytes could not be parsed: truncated gzip, unsupported format, read error. */
export class FileParseError extends Error {
  constructor(
    message: string,
    readonly unsupported: boolean,
  ) {
    super(message);
  }
}

/** Receives one file's results. An exception thrown here abandons the file and rejects `parse`. */
export interface FileSink {
  batch(batch: ParsedBatch): void;
  done(summary: FileSummary): void;
  failed(error: FileParseError): void;
}

export interface Parser {
  /**
   * Queues one object. The promise settles once `done` or `failed` has run, and
   * rejects only when a sink callback threw.
   */
  parse(key: string, chunks: AsyncIterable<Buffer>, sink: FileSink): Promise<void>;
  close(): Promise<void>;
}

/** Carries an exception of the sink through the parser unchanged. */
class SinkFailure extends Error {
  constructor(readonly cause: unknown) {
    super('the sink failed');
  }
}

export class InlineParser implements Parser {
  private readonly interner = new Interner();
  private previous: Promise<unknown> = Promise.resolve();

  parse(key: string, chunks: AsyncIterable<Buffer>, sink: FileSink): Promise<void> {
    const run = this.previous.then(() => this.parseNow(key, chunks, sink));
    this.previous = run.catch(() => undefined);
    return run;
  }

  private async parseNow(
    key: string,
    chunks: AsyncIterable<Buffer>,
    sink: FileSink,
  ): Promise<void> {
    let summary: FileSummary;
    const deliver = (batch: ParsedBatch) => {
      try {
        sink.batch(batch);
      } catch (error) {
        throw new SinkFailure(error);
      }
    };
    try {
      summary = await parseFile(chunks, key, this.interner, deliver);
    } catch (error) {
      if (error instanceof SinkFailure) throw error.cause;
      sink.failed(asParseError(error));
      return;
    }
    sink.done(summary);
  }

  async close(): Promise<void> {}
}

const WORKER_HEAP_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

interface FileState {
  readonly fileSeq: number;
  readonly sink: FileSink;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  chunksInFlight: number;
  wakePump: (() => void) | null;
  settled: boolean;
}

export class WorkerParser implements Parser {
  private readonly worker: Worker;
  private readonly files = new Map<number, FileState>();
  private fileSeq = 0;

  constructor(workerFile: string) {
    // V8 lets an idle-collected heap grow far past what the parser keeps alive; these
    // limits hold the worker near its working set (measured: peak RSS 260 to 200 MB
    // on one million lines) without a measurable slowdown.
    this.worker = new Worker(workerFile, { resourceLimits: WORKER_HEAP_LIMITS });
    this.worker.on('message', (message: FromParser) => this.receive(message));
    this.worker.on('error', (error) => {
      for (const state of this.files.values()) this.settle(state, error);
    });
  }

  parse(key: string, chunks: AsyncIterable<Buffer>, sink: FileSink): Promise<void> {
    const fileSeq = ++this.fileSeq;
    return new Promise<void>((resolve, reject) => {
      const state: FileState = {
        fileSeq,
        sink,
        resolve,
        reject,
        chunksInFlight: 0,
        wakePump: null,
        settled: false,
      };
      this.files.set(fileSeq, state);
      this.send({ type: 'open', fileSeq, key });
      void this.pump(state, chunks);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private send(message: ToParser, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** Sends a file's chunks, keeping at most CHUNK_WINDOW unacknowledged. */
  private async pump(state: FileState, chunks: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const chunk of chunks) {
        while (state.chunksInFlight >= CHUNK_WINDOW && !state.settled) {
          await new Promise<void>((resolve) => (state.wakePump = resolve));
        }
        if (state.settled) return;
        state.chunksInFlight++;
        const copy = new Uint8Array(chunk);
        this.send({ type: 'chunk', fileSeq: state.fileSeq, data: copy }, [copy.buffer]);
      }
      this.send({ type: 'end', fileSeq: state.fileSeq });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.send({ type: 'abort', fileSeq: state.fileSeq, message });
    }
  }

  private receive(message: FromParser): void {
    const state = this.files.get(message.fileSeq);
    if (message.type === 'batch') {
      // Acknowledge even for a file already given up, so the parser never stalls.
      if (state) this.call(state, () => state.sink.batch(message.batch));
      this.send({ type: 'batch-ack', fileSeq: message.fileSeq });
      return;
    }
    if (!state) return;

    switch (message.type) {
      case 'chunk-ack':
        state.chunksInFlight--;
        state.wakePump?.();
        state.wakePump = null;
        return;
      case 'done':
        if (this.call(state, () => state.sink.done(message.summary))) this.settle(state, null);
        return;
      case 'failed': {
        const error = new FileParseError(message.message, message.unsupported);
        if (this.call(state, () => state.sink.failed(error))) this.settle(state, null);
        return;
      }
    }
  }

  /** Runs a sink callback; when it throws, the file is abandoned and its promise rejects. */
  private call(state: FileState, callback: () => void): boolean {
    try {
      callback();
      return true;
    } catch (error) {
      this.send({ type: 'abort', fileSeq: state.fileSeq, message: 'the writer failed' });
      this.settle(state, error as Error);
      return false;
    }
  }

  private settle(state: FileState, error: Error | null): void {
    if (!state.settled) {
      state.settled = true;
      if (error) state.reject(error);
      else state.resolve();
    }
    state.wakePump?.();
    state.wakePump = null;
    this.files.delete(state.fileSeq);
  }
}

/**
 * Any failure inside the parser is about the file's bytes (read, gunzip, format);
 * the caller separates the sink's own failures before this is called. Errors may come
 * from another realm (worker, test VM), so no `instanceof Error` check.
 */
function asParseError(error: unknown): FileParseError {
  if (error instanceof FileParseError) return error;
  if (error instanceof UnsupportedFormatError) return new FileParseError(error.message, true);
  const message = (error as { message?: unknown })?.message;
  return new FileParseError(typeof message === 'string' ? message : String(error), false);
}

/** Returns the worker file built beside this module, or null when there is none. */
export function builtWorkerFile(): string | null {
  const file = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(file) ? file : null;
}

export function createParser(useWorker = true): Parser {
  const workerFile = useWorker ? builtWorkerFile() : null;
  return workerFile ? new WorkerParser(workerFile) : new InlineParser();
}
