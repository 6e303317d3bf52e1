// The parser thread: receives a file's bytes in chunks, gunzips and parses them
// and posts batches back, so decompression and parsing run on a second core
// while the main thread inserts.

import { parentPort } from 'node:worker_threads';
import { Interner } from '../formats/interner.js';
import { UnsupportedFormatError } from '../formats/log-parser.js';
import { AsyncQueue } from './async-queue.js';
import { BATCH_WINDOW, type FromParser, type ToParser } from './messages.js';
import { parseFile } from './parse-file.js';

const port = parentPort!;
const interner = new Interner();
const files = new Map<number, AsyncQueue<Buffer>>();
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

async function parse(fileSeq: number, key: string, queue: AsyncQueue<Buffer>): Promise<void> {
  const chunks = (async function* () {
    for await (const chunk of queue) {
      post({ type: 'chunk-ack', fileSeq });
      yield chunk;
    }
  })();

  try {
    const summary = await parseFile(chunks, key, interner, async (batch) => {
      await waitForCredit();
      unacknowledged++;
      post({ type: 'batch', fileSeq, batch }, [
        batch.numbers.buffer as ArrayBuffer,
        batch.dimensions.buffer as ArrayBuffer,
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
    queue.drain();
  } finally {
    files.delete(fileSeq);
  }
}

port.on('message', (message: ToParser) => {
  switch (message.type) {
    case 'open': {
      const queue = new AsyncQueue<Buffer>();
      files.set(message.fileSeq, queue);
      void parse(message.fileSeq, message.key, queue);
      return;
    }
    case 'chunk':
      files
        .get(message.fileSeq)
        ?.push(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
      return;
    case 'end':
      files.get(message.fileSeq)?.end();
      return;
    case 'abort':
      files.get(message.fileSeq)?.fail(new Error(message.message));
      return;
    case 'batch-ack':
      unacknowledged--;
      creditWaiter?.();
      creditWaiter = null;
      return;
  }
});
