// The messages between the writer (main thread) and the parser worker. Chunks
// and batches are acknowledged, so neither side queues more than a few of them.

import type { ParsedBatch } from '../formats/batch.js';
import type { FileSummary } from './parse-file.js';

export type ToParser =
  | { type: 'open'; fileSeq: number; key: string }
  | { type: 'chunk'; fileSeq: number; data: Uint8Array }
  | { type: 'end'; fileSeq: number }
  | { type: 'abort'; fileSeq: number; message: string }
  | { type: 'batch-ack'; fileSeq: number };

export type FromParser =
  | { type: 'chunk-ack'; fileSeq: number }
  | { type: 'batch'; fileSeq: number; batch: ParsedBatch }
  | { type: 'done'; fileSeq: number; summary: FileSummary }
  | { type: 'failed'; fileSeq: number; message: string; unsupported: boolean };

/** Chunks the writer may send before the parser acknowledges one. */
export const CHUNK_WINDOW = 8;
/** Batches the parser may send before the writer acknowledges one. */
export const BATCH_WINDOW = 3;
