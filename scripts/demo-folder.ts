// Decides whether `npm run demo` may delete and rewrite its folder. The demo
// writes a marker file into each folder it makes and deletes only a folder that
// is empty or contains that marker, so `--dir` cannot erase unrelated files.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** File whose presence marks a folder as one the demo made. */
export const DEMO_MARKER = '.cdn-analytics-demo';

/** Names that demos older than the marker wrote into their folder. */
const UNMARKED_DEMO_ENTRIES = /^(analytics\.db(-wal|-shm)?|logs|datasette\.log)$/;

export class DemoFolderError extends Error {}

/**
 * Returns true when the demo may delete `dir`, which is when it is missing, empty or marked.
 * The default folder also qualifies when it contains only what an older demo
 * wrote, so that a checkout which ran the demo before the marker existed keeps
 * working. Any other folder with exactly those names may be a real database,
 * so it stays protected.
 */
export function isReplaceable(dir: string, defaultDir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;

  const entries = readdirSync(dir);
  if (entries.length === 0 || entries.includes(DEMO_MARKER)) return true;
  return (
    resolve(dir) === resolve(defaultDir) &&
    entries.every((entry) => UNMARKED_DEMO_ENTRIES.test(entry))
  );
}

/** Deletes `dir` if the demo may replace it, then creates it empty with the marker. */
export function resetDemoFolder(dir: string, defaultDir: string): void {
  if (!isReplaceable(dir, defaultDir)) {
    throw new DemoFolderError(
      `--dir ${dir} exists and was not made by the demo, which deletes its folder ` +
        'on each run; pass another --dir or delete that folder first',
    );
  }

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, DEMO_MARKER),
    'npm run demo made this folder and deletes it at its next run.\n',
  );
}
