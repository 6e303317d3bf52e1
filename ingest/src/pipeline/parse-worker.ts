// The parser thread: receives files' bytes in chunks, gunzips and parses them
// one file after another in the order they were opened, and posts batches
// back, so decompression and parsing run on a second core while the main
// thread inserts. The next file's chunks queue up while the current one parses.

import { parentPort } from 'node:worker_threads';
import { Interner } from '../formats/interner.js';
import { UnsupportedFormatError } from '../formats/log-parser.js';
import { AsyncQueue } from './async-queue.js';
import { BATCH_WINDOW, type FromParser, type ToParser } from './messages.js';
import { parseFile } from './parse-file.js';

interface QueuedFile {
  readonly fileSeq: number;
  readonly key: string;
  readonly chunks: AsyncQueue<Buffer>;
}

const port = parentPort!;
const interner = new Interner();
const chunkQueues = new Map<number, AsyncQueue<Buffer>>();
const files = new AsyncQueue<QueuedFile>();
let unacknowledged = 0;
let creditWaiter: (() => void) | null = null;

function post(message: FromParser, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function waitForCredit(): Promise<void> {
  while (unacknowledged >= BATCH_WINDOW) {
    await new Promise<void>((resolve) => (creditWaiter = resolve));
  }
}

async function parseOne({ fileSeq, key, chunks }: QueuedFile): Promise<void> {
  const acknowledged = (async function* () {
    for await (const chunk of chunks) {
      post({ type: 'chunk-ack', fileSeq });
      yield chunk;
    }
  })();

  try {
    const summary = await parseFile(acknowledged, key, interner, async (batch) => {
      await waitForCredit();
      unacknowledged++;
      post({ type: 'batch', fileSeq, batch }, [
        batch.numbers.buffer as ArrayBuffer,
        batch.dimensions.buffer as ArrayBuffer,
        batch.textLengths.buffer as ArrayBuffer,
      ]);
    });
    post({ type: 'done', fileSeq, summary });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    post({
      type: 'failed',
      fileSeq,
      message,
      unsupported: error instanceof UnsupportedFormatError,
    });
    chunks.drain();
  } finally {
    chunkQueues.delete(fileSeq);
  }
}

async function parseInOrder(): Promise<void> {
  for await (const file of files) await parseOne(file);
}

port.on('message', (message: ToParser) => {
  switch (message.type) {
    case 'open': {
      const chunks = new AsyncQueue<Buffer>();
      chunkQueues.set(message.fileSeq, chunks);
      files.push({ fileSeq: message.fileSeq, key: message.key, chunks });
      return;
    }
    case 'chunk': {
      const data = message.data;
      chunkQueues
        .get(message.fileSeq)
        ?.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    case 'end':
      chunkQueues.get(message.fileSeq)?.end();
      return;
    case 'abort':
      chunkQueues.get(message.fileSeq)?.fail(new Error(message.message));
      return;
    case 'batch-ack':
      unacknowledged--;
      creditWaiter?.();
      creditWaiter = null;
      return;
  }
});

void parseInOrder();
