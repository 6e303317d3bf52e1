// Turns the bytes of one log object into parsed batches: gunzips when the bytes
// start with the gzip magic number (multi-member files included), splits lines
// on raw buffers without readline, and feeds them to the format parser.

import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { BatchBuilder, type ParsedBatch } from '../formats/batch.js';
import { Interner } from '../formats/interner.js';
import { LogFileParser, type LogFormat } from '../formats/log-parser.js';

/** Per-file totals reported once the last batch of a file is out. */
export interface FileSummary {
  readonly format: LogFormat | null;
  readonly fields: string[] | null;
  readonly lines: number;
  readonly unknownFields: string[];
  readonly bytesIn: number;
}

export const BATCH_ROWS = 2048;
/** The interner is reset past this many distinct values, which bounds its memory. */
export const MAX_INTERNED = 100_000;

const NEWLINE = 10;
/** CloudFront caps URLs at 8 KiB and headers at 20 KiB, so a longer line is not a record. */
export const MAX_LINE_BYTES = 1024 * 1024;
const OVERLONG_KEPT_BYTES = 4096;

/** Parses one object's bytes, calling `onBatch` (awaited, for back-pressure) per batch. */
export async function parseFile(
  chunks: AsyncIterable<Buffer>,
  fileKey: string,
  interner: Interner,
  onBatch: (batch: ParsedBatch) => Promise<void> | void,
): Promise<FileSummary> {
  const builder = new BatchBuilder(BATCH_ROWS);
  let dictionaryReset = false;
  if (interner.size > MAX_INTERNED) {
    interner.reset();
    dictionaryReset = true;
  }

  const parser = new LogFileParser(builder, interner, fileKey);
  let lineNo = 0;
  let carry: Buffer | null = null;
  const counted = countBytes(chunks);

  const flush = async (): Promise<void> => {
    if (builder.empty) return;
    await onBatch(builder.take(interner.takePending(), dictionaryReset));
    dictionaryReset = false;
  };

  // A line past MAX_LINE_BYTES is rejected with its start kept, and its rest skipped,
  // so a file without line breaks cannot exhaust memory.
  let overlong: Buffer | null = null;

  for await (const decompressedChunk of decompressed(counted.chunks)) {
    let chunk: Buffer = decompressedChunk;
    if (overlong) {
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) continue;
      parser.pushOverlongLine(overlong.toString('utf8'), ++lineNo, MAX_LINE_BYTES);
      overlong = null;
      chunk = chunk.subarray(end + 1);
    }

    const buffer: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const lastNewline = buffer.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      carry = buffer;
      if (carry.length > MAX_LINE_BYTES) {
        overlong = carry.subarray(0, OVERLONG_KEPT_BYTES);
        carry = null;
      }
      continue;
    }
    carry = lastNewline + 1 < buffer.length ? buffer.subarray(lastNewline + 1) : null;

    const lines = buffer.toString('utf8', 0, lastNewline).split('\n');
    for (const line of lines) {
      parser.pushLine(line, ++lineNo);
      if (builder.full) await flush();
    }
  }
  if (overlong) parser.pushOverlongLine(overlong.toString('utf8'), lineNo + 1, MAX_LINE_BYTES);
  else if (carry) parser.pushLine(carry.toString('utf8'), lineNo + 1);
  await flush();

  return {
    format: parser.format,
    fields: parser.fields,
    lines: parser.lines,
    unknownFields: [...parser.unknownFields],
    bytesIn: counted.total(),
  };
}

/** Passes chunks through, gunzipping when the first two bytes are 1f 8b. */
async function* decompressed(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;

  const rest = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  })();

  const isGzip = first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  if (!isGzip) {
    yield* rest;
    return;
  }
  // Larger output chunks mean fewer line-splitting passes and carry copies, but each
  // stream keeps one, and a run may open thousands of small files.
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  const source = Readable.from(rest);
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw explainGzipError(error);
  }
}

function countBytes(chunks: AsyncIterable<Buffer>) {
  let total = 0;
  async function* counting(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      total += chunk.length;
      yield chunk;
    }
  }
  return { chunks: counting(), total: () => total };
}

/** Says what a zlib error means for a log file and what to do about it. */
function explainGzipError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return error;
  if (code === 'Z_BUF_ERROR') {
    return new Error(
      `truncated gzip data (${message}); the file is incomplete: copy or download it again`,
    );
  }
  return new Error(
    `invalid gzip data (${message}); the file is corrupt: copy or download it again`,
  );
}
