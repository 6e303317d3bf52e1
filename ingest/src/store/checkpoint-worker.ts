// A thread that checkpoints the WAL while the writer goes on writing. A PASSIVE
// checkpoint never blocks the writer, so copying pages into the database file
// and syncing it no longer stalls inserts on the main thread.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path);
db.pragma('busy_timeout = 1000');
let stopped = false;

function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // A busy database only delays this checkpoint; the next tick or the writer's own close does it.
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
  }
}

const timer = setInterval(() => {
  if (!stopped) checkpoint();
}, intervalMs);

parentPort!.on('message', () => {
  stopped = true;
  clearInterval(timer);
  db.close();
  parentPort!.postMessage('stopped');
});
