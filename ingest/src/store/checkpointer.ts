// Starts and stops the checkpoint thread for a run. Without the built worker
// file (in-process tests) the connection's own automatic checkpoints stay on.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';

const INTERVAL_MS = 500;
/** The writer's own threshold while the thread runs: only if the thread falls far behind. */
const FALLBACK_PAGES = 65_536;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db): Checkpointer {
  const workerFile = fileURLToPath(new URL('./checkpoint-worker.js', import.meta.url));
  if (db.memory || !existsSync(workerFile)) return { stop: async () => {} };

  const previous = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const worker = new Worker(workerFile, {
    workerData: { path: db.name, intervalMs: INTERVAL_MS },
    // The thread only runs one pragma; a small heap keeps its memory small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  const failed = new Promise<Error>((resolve) => worker.once('error', resolve));

  return {
    stop: async () => {
      worker.postMessage('stop');
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      const outcome = await Promise.race([stopped, failed]);
      await worker.terminate();
      db.pragma(`wal_autocheckpoint = ${previous}`);
      if (outcome instanceof Error) throw outcome;
    },
  };
}
