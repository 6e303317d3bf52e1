// Runs the parser for the writer: on a worker thread when the built worker file
// is present (the CLI), or on the calling thread (in-process tests, fallback).
// Either way the caller gets each batch in order and awaits a file summary.

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

export interface Parser {
  /** Parses one object; `onBatch` runs synchronously for each batch, in order. */
  parse(
    key: string,
    chunks: AsyncIterable<Buffer>,
    onBatch: (batch: ParsedBatch) => void,
  ): Promise<FileSummary>;
  close(): Promise<void>;
}

export class InlineParser implements Parser {
  private readonly interner = new Interner();

  async parse(
    key: string,
    chunks: AsyncIterable<Buffer>,
    onBatch: (batch: ParsedBatch) => void,
  ): Promise<FileSummary> {
    try {
      return await parseFile(chunks, key, this.interner, onBatch);
    } catch (error) {
      throw asParseError(error);
    }
  }

  async close(): Promise<void> {}
}

interface FileState {
  readonly fileSeq: number;
  readonly onBatch: (batch: ParsedBatch) => void;
  readonly resolve: (summary: FileSummary) => void;
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
    this.worker = new Worker(workerFile);
    this.worker.on('message', (message: FromParser) => this.receive(message));
    this.worker.on('error', (error) => {
      for (const state of this.files.values()) this.settle(state, asParseError(error));
    });
  }

  parse(
    key: string,
    chunks: AsyncIterable<Buffer>,
    onBatch: (batch: ParsedBatch) => void,
  ): Promise<FileSummary> {
    const fileSeq = ++this.fileSeq;
    return new Promise<FileSummary>((resolve, reject) => {
      const state: FileState = {
        fileSeq,
        onBatch,
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
      if (state && !state.settled) this.deliver(state, message.batch);
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
        this.settle(state, message.summary);
        return;
      case 'failed':
        this.settle(state, new FileParseError(message.message, message.unsupported));
        return;
    }
  }

  private deliver(state: FileState, batch: ParsedBatch): void {
    try {
      state.onBatch(batch);
    } catch (error) {
      this.send({ type: 'abort', fileSeq: state.fileSeq, message: 'writer failed' });
      this.settle(state, error as Error);
    }
  }

  private settle(state: FileState, outcome: FileSummary | Error): void {
    if (!state.settled) {
      state.settled = true;
      if (outcome instanceof Error) state.reject(outcome);
      else state.resolve(outcome);
    }
    state.wakePump?.();
    state.wakePump = null;
    this.files.delete(state.fileSeq);
  }
}

function asParseError(error: unknown): Error {
  if (error instanceof FileParseError) return error;
  if (error instanceof UnsupportedFormatError) return new FileParseError(error.message, true);
  if (error instanceof Error && isStreamError(error))
    return new FileParseError(error.message, false);
  return error as Error;
}

function isStreamError(error: Error & { code?: string }): boolean {
  return typeof error.code === 'string' && /^(Z_|ERR_)/.test(error.code);
}

/** The worker built beside this module, if there is one. */
export function builtWorkerFile(): string | null {
  const file = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(file) ? file : null;
}

export function createParser(useWorker = true): Parser {
  const workerFile = useWorker ? builtWorkerFile() : null;
  return workerFile ? new WorkerParser(workerFile) : new InlineParser();
}
