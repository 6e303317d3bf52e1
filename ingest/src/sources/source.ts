// The contract of every source of log objects: a listing of objects, each with
// its identity (source, key, size, ETag) and a way to read its bytes.

import type { LogObjectInfo } from '../store/writer.js';

export interface LogObject extends LogObjectInfo {
  /** Streams the object's bytes as stored (gzip or plain). */
  open(): AsyncIterable<Buffer>;
}

/** The loaded state of a source's keys, which a source may use to list less. */
export interface SourceState {
  /** The greatest key already loaded from this source, or null. */
  newestKey(): string | null;
  /** The greatest key already loaded from this source that starts with `prefix`, or null. */
  newestKeyWithPrefix(prefix: string): string | null;
  /** True when this key and version is already loaded, so its bytes need not be read. */
  isLoaded(key: string, size: number | null, etag: string | null): boolean;
}

export interface LogSource {
  /** Stable name stored in log_files.source, such as `s3://bucket/prefix` or `file:/logs`. */
  readonly name: string;
  /** Lists the objects in key order; a source may skip keys that `state` reports loaded. */
  list(state: SourceState): AsyncIterable<LogObject>;
}
