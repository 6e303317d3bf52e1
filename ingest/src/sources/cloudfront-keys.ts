// CloudFront standard log key names, `PREFIX` + `DISTRIBUTION.YYYY-MM-DD-HH.UNIQUE.gz`. Keys of one
// stream (the same prefix and distribution) sort by the UTC hour of their requests, so a listing
// can start part-way through a stream instead of at its first key.

/** A log key split into its stream and the hour of its requests. */
export interface LogKeyParts {
  /** Everything before the hour, such as `logs/E2QWRUHEXAMPLE.`. */
  readonly stream: string;
  /** The hour as written in the key, `YYYY-MM-DD-HH`. */
  readonly hour: string;
  /** Start of that hour, in milliseconds since the epoch. */
  readonly hourMs: number;
}

const HOUR_MS = 3_600_000;
const LOG_KEY = /^((?:.*\/)?[A-Za-z0-9]+\.)((\d{4})-(\d{2})-(\d{2})-(\d{2}))\.[^/]+$/;

/** Splits a CloudFront log key; returns null for a key that does not follow the naming. */
export function parseLogKey(key: string): LogKeyParts | null {
  const match = LOG_KEY.exec(key);
  if (!match) return null;

  const [, stream, hour, year, month, day, hh] = match;
  const hourMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hh));
  if (hourStamp(hourMs) !== hour) return null;
  return { stream, hour, hourMs };
}

/** Formats the hour containing `ms` the way CloudFront writes it in keys, `YYYY-MM-DD-HH`. */
export function hourStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13).replace('T', '-');
}

/**
 * Returns the ListObjectsV2 StartAfter key that lists a stream from `lookbackMs` before the hour
 * of `newestKey`, that hour's boundary included. Returns null when `newestKey` is not a
 * CloudFront log key.
 */
export function lookbackStartAfter(newestKey: string, lookbackMs: number): string | null {
  const parts = parseLogKey(newestKey);
  if (!parts) return null;

  const firstHourMs = Math.floor((parts.hourMs - lookbackMs) / HOUR_MS) * HOUR_MS;
  // `stream + hour` sorts just before every key of that hour, because those keys continue with `.`.
  return parts.stream + hourStamp(firstHourMs);
}
