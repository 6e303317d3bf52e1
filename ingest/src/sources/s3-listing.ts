// Lists a bucket prefix page by page (ListObjectsV2), holding one page in memory. In incremental
// mode the listing jumps over each stream's keys older than its look-back window. On reaching such
// a key it starts again with StartAfter set just before the window. So a run lists little more
// than what is new, however many years of keys and distributions share the prefix.

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { lookbackStartAfter, parseLogKey } from './cloudfront-keys.js';
import { explainS3Error, type S3RequestContext } from './s3-errors.js';
import type { SourceState } from './source.js';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** The ETag without its quotes, or null when S3 sent none. */
  readonly etag: string | null;
}

export interface ListingOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  /** Window before each stream's newest loaded key that is listed again; null lists every key. */
  readonly lookbackMs: number | null;
  readonly state: SourceState;
  readonly context: S3RequestContext;
  /** Called when the listing jumps over a stream's old keys, with the StartAfter key used. */
  readonly onJump?: (stream: string, startAfter: string) => void;
}

/** Counts of one listing, for the log. */
export interface ListingStats {
  requests: number;
  retriedRequests: number;
  listed: number;
  jumps: number;
}

/** Lists the objects under the prefix in key order, skipping old keys as described above. */
export async function* listLogObjects(
  options: ListingOptions,
  stats: ListingStats = { requests: 0, retriedRequests: 0, listed: 0, jumps: 0 },
): AsyncGenerator<ListedObject> {
  const windowOf = streamWindows(options);
  let startAfter: string | undefined;
  let token: string | undefined;

  for (;;) {
    const page = await listPage(options, startAfter, token, stats);
    let jumpTo: StreamWindow | null = null;

    for (const item of page.Contents ?? []) {
      const key = item.Key as string;
      const window = windowOf(key);
      if (window !== null && key <= window.startAfter) {
        jumpTo = window;
        break;
      }
      stats.listed++;
      yield { key, size: item.Size ?? 0, etag: unquote(item.ETag) };
    }

    if (jumpTo !== null) {
      // The rest of this page and the pages after it up to the window are old keys.
      stats.jumps++;
      options.onJump?.(jumpTo.stream, jumpTo.startAfter);
      startAfter = jumpTo.startAfter;
      token = undefined;
      continue;
    }
    if (!page.IsTruncated) return;
    token = page.NextContinuationToken;
  }
}

async function listPage(
  options: ListingOptions,
  startAfter: string | undefined,
  token: string | undefined,
  stats: ListingStats,
) {
  stats.requests++;
  try {
    const page = await options.client.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        Prefix: options.prefix === '' ? undefined : options.prefix,
        // S3 ignores StartAfter when a continuation token is given.
        StartAfter: token ? undefined : startAfter,
        ContinuationToken: token,
      }),
    );
    if ((page.$metadata.attempts ?? 1) > 1) stats.retriedRequests++;
    return page;
  } catch (error) {
    throw explainS3Error(error, options.context);
  }
}

interface StreamWindow {
  readonly stream: string;
  /** The StartAfter key that lists the stream from the start of its look-back window. */
  readonly startAfter: string;
}

/**
 * Returns a function giving the look-back window of a key's stream, or null when the key is
 * listed anyway: full listing, a key not named like a CloudFront log, or a stream with nothing
 * loaded yet. Each stream's window is read from the database once per listing.
 *
 * Limitation: keys not named like CloudFront logs are listed on every run, and a log whose hour
 * is older than its stream's window is not listed again until a run with --full.
 */
function streamWindows(options: ListingOptions): (key: string) => StreamWindow | null {
  const lookbackMs = options.lookbackMs;
  if (lookbackMs === null) return () => null;

  const byStream = new Map<string, StreamWindow | null>();
  return (key) => {
    const parts = parseLogKey(key);
    if (!parts) return null;

    let window = byStream.get(parts.stream);
    if (window === undefined) {
      const newest = options.state.newestKeyWithPrefix(parts.stream);
      const startAfter = newest === null ? null : lookbackStartAfter(newest, lookbackMs);
      window = startAfter === null ? null : { stream: parts.stream, startAfter };
      byStream.set(parts.stream, window);
    }
    return window;
  };
}

function unquote(etag: string | undefined): string | null {
  if (!etag) return null;
  return etag.replace(/^"|"$/g, '');
}
