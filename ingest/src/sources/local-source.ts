// Log files in a local folder, found recursively and read in the order of
// their hour. The source name is the folder's absolute path and the key the
// path below it. A folder that moves is therefore read again, and its requests
// count as duplicates and are stored once.

import { createReadStream, statSync, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { SourceError } from '../errors.js';
import { parseLogKey } from './cloudfront-keys.js';
import type { LogObject, LogSource, SourceState } from './source.js';

const READ_CHUNK = 256 * 1024;
const MIN_READ_CHUNK = 16 * 1024;

export class LocalSource implements LogSource {
  readonly name: string;
  readonly root: string;

  /** `skip` lists absolute paths to leave out, such as a database kept in the same folder. */
  constructor(
    folder: string,
    private readonly skip: readonly string[] = [],
  ) {
    this.root = resolve(folder);
    this.name = `file:${this.root}`;
    checkFolder(this.root, folder);
  }

  async *list(_state: SourceState): AsyncGenerator<LogObject> {
    for (const path of await this.files()) {
      const key = relative(this.root, path).split(sep).join('/');
      const size = statSync(path).size;
      // A read buffer no larger than the file: thousands of small logs would
      // otherwise each hold a 256 KiB buffer until the collector runs.
      const highWaterMark = Math.max(MIN_READ_CHUNK, Math.min(READ_CHUNK, size));
      yield {
        source: this.name,
        key,
        size,
        etag: null,
        open: () => createReadStream(path, { highWaterMark }),
      };
    }
  }

  /**
   * Lists every regular file below the root except hidden ones. CloudFront logs come in
   * the order of their hour, across distributions, so rows arrive roughly in time
   * order: lexical order would load one distribution's year and then insert the
   * next one's rows between them, splitting pages all over the table.
   */
  async files(): Promise<string[]> {
    const found: string[] = [];
    // Symbolic links are followed; each real folder is read once, so a link loop ends.
    const seenFolders = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      const real = await realpath(folder);
      if (seenFolders.has(real)) return;
      seenFolders.add(real);

      const entries: Dirent[] = await readdir(folder, { withFileTypes: true });
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const path = join(folder, entry.name);
        const kind = entry.isSymbolicLink() ? await linkTarget(path) : entry;
        if (kind?.isDirectory()) await walk(path);
        else if (kind?.isFile() && !this.skip.includes(path)) found.push(path);
      }
    };
    await walk(this.root);
    return found.sort(byLogHour);
  }
}

function checkFolder(root: string, given: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(root).isDirectory();
  } catch {
    throw new SourceError(
      `--source ${given}: folder ${root} not found; pass the folder that holds the CloudFront log files`,
    );
  }
  if (!isFolder) {
    throw new SourceError(
      `--source ${given}: ${root} is not a folder; pass the folder that holds the log files`,
    );
  }
}

function byLogHour(a: string, b: string): number {
  const hourA = parseLogKey(basename(a))?.hour ?? '';
  const hourB = parseLogKey(basename(b))?.hour ?? '';
  if (hourA !== hourB) return hourA < hourB ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Returns what a symbolic link points to, or null for a broken link. */
async function linkTarget(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}
