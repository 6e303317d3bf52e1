// CloudFront log objects in an S3 bucket under a prefix, `s3://BUCKET/PREFIX`. Lists incrementally
// (see s3-listing.ts), downloads the next objects concurrently while the current one loads, and
// yields them in key order. Credentials and region come from the AWS SDK's default chain.

import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { S3SourceError, UsageError } from '../errors.js';
import { readAhead, type Loading } from './read-ahead.js';
import { readObjectBody } from './s3-body.js';
import { explainS3Error, ObjectGoneError, type S3RequestContext } from './s3-errors.js';
import { listLogObjects, type ListedObject, type ListingStats } from './s3-listing.js';
import type { LogObject, LogSource, SourceState } from './source.js';

export interface S3SourceOptions {
  /**
   * Endpoint of an S3-compatible store, such as `http://127.0.0.1:9000`; requests then use
   * path-style addressing.
   * @default AWS's endpoint for the region
   */
  readonly endpointUrl?: string;
  /** @default the SDK's chain: AWS_REGION, then the profile's region */
  readonly region?: string;
  /**
   * How far before each stream's newest loaded key a run lists again, in milliseconds; null lists
   * every key (`--full`).
   * @default 48 hours
   */
  readonly lookbackMs?: number | null;
  /** @default 8 */
  readonly concurrency?: number;
  /** Receives warnings (objects gone, resumed downloads) and per-listing counts. */
  readonly logger?: Logger;
}

export const DEFAULT_LOOKBACK_MS = 48 * 3_600_000;
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 64;
/** Objects larger than this stream when the parser reaches them instead of being read ahead. */
export const MAX_READ_AHEAD_OBJECT = 16 * 1024 * 1024;
/** Bytes read ahead of the parser at most, besides one object. */
export const READ_AHEAD_BYTES = 64 * 1024 * 1024;
/** Listed objects waiting for the parser at most, loaded or skipped. */
const READ_AHEAD_QUEUE = 1000;
/** Request attempts of the SDK's standard retry strategy, the first included. */
const SDK_MAX_ATTEMPTS = 6;

interface Download extends Loading {
  readonly listed: ListedObject;
  /** The read-ahead body, or null when the object streams on open() or needs no read. */
  body: Promise<Buffer[]> | null;
}

export class S3Source implements LogSource {
  readonly name: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly lookbackMs: number | null;
  private readonly concurrency: number;

  constructor(
    url: string,
    private readonly options: S3SourceOptions = {},
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(url));
    this.name = `s3://${this.bucket}/${this.prefix}`;
    this.lookbackMs = options.lookbackMs === undefined ? DEFAULT_LOOKBACK_MS : options.lookbackMs;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (
      !Number.isInteger(this.concurrency) ||
      this.concurrency < 1 ||
      this.concurrency > MAX_CONCURRENCY
    ) {
      throw new UsageError(
        `--concurrency ${this.concurrency}: use a whole number from 1 to ${MAX_CONCURRENCY}`,
      );
    }
    if (options.endpointUrl !== undefined) checkEndpoint(options.endpointUrl);
  }

  async *list(state: SourceState): AsyncGenerator<LogObject> {
    const client = this.createClient();
    const stats: ListingStats = { requests: 0, retriedRequests: 0, listed: 0, jumps: 0 };
    try {
      const context = await this.contextFor(client, 'list', this.prefix);
      const listing = listLogObjects(
        {
          client,
          bucket: this.bucket,
          prefix: this.prefix,
          lookbackMs: this.lookbackMs,
          state,
          context,
        },
        stats,
      );
      const downloads = readAhead(
        listing,
        (listed) => this.startDownload(client, context, listed, state),
        {
          items: this.concurrency,
          bytes: READ_AHEAD_BYTES,
          queued: READ_AHEAD_QUEUE,
        },
      );

      for await (const download of downloads) {
        if (download.body && !(await this.checkDownload(download))) continue;
        yield this.logObject(client, context, download);
      }
      this.options.logger?.info({ event: 's3_listed', source: this.name, ...snakeCase(stats) });
    } finally {
      client.destroy();
    }
  }

  private createClient(): S3Client {
    // The SDK warns on Node 20 that its releases after January 2027 need Node 22. The lockfile pins
    // the SDK, and the multi-line warning would break the one-JSON-object-a-line log on stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const endpoint = this.options.endpointUrl;
    return new S3Client({
      region: this.options.region,
      endpoint,
      forcePathStyle: endpoint !== undefined,
      // Tell the user about a wrong region instead of following S3's redirect silently.
      followRegionRedirects: false,
      retryMode: 'standard',
      maxAttempts: SDK_MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 },
    });
  }

  private async contextFor(
    client: S3Client,
    operation: 'list' | 'get',
    path: string,
  ): Promise<S3RequestContext> {
    const base = {
      operation,
      bucket: this.bucket,
      path,
      endpoint: this.options.endpointUrl ?? null,
    };
    try {
      return { ...base, region: await client.config.region() };
    } catch (error) {
      throw explainS3Error(error, { ...base, region: null });
    }
  }

  /** Starts reading ahead an object that is not loaded yet and small enough to buffer. */
  private startDownload(
    client: S3Client,
    listContext: S3RequestContext,
    listed: ListedObject,
    state: SourceState,
  ): Download {
    const readsAhead =
      listed.size <= MAX_READ_AHEAD_OBJECT && !state.isLoaded(listed.key, listed.size, listed.etag);
    if (!readsAhead) return { listed, weight: 0, body: null, cancel: () => {} };

    const abort = new AbortController();
    const context: S3RequestContext = { ...listContext, operation: 'get', path: listed.key };
    const body = collect(this.read(client, context, listed, abort.signal));
    body.catch(() => {}); // Raised when the caller takes the object, not as an unhandled rejection.
    return { listed, weight: Math.max(1, listed.size), body, cancel: () => abort.abort() };
  }

  /**
   * Waits for a read-ahead body. Returns false for an object deleted since the listing (logged and
   * skipped); raises an S3SourceError, which stops the run; leaves other errors to open().
   */
  private async checkDownload(download: Download): Promise<boolean> {
    try {
      await download.body;
      return true;
    } catch (error) {
      if (error instanceof ObjectGoneError) {
        this.options.logger?.warn({
          event: 's3_object_gone',
          source: this.name,
          key: download.listed.key,
          message: error.message,
        });
        return false;
      }
      if (error instanceof S3SourceError) throw error;
      return true;
    }
  }

  private logObject(
    client: S3Client,
    listContext: S3RequestContext,
    download: Download,
  ): LogObject {
    const { key, size, etag } = download.listed;
    const context: S3RequestContext = { ...listContext, operation: 'get', path: key };
    return {
      source: this.name,
      key,
      size,
      etag,
      open: () => {
        if (download.body === null) return this.read(client, context, download.listed);
        const body = download.body;
        download.body = null; // Frees the buffers once the parser has them.
        return replay(body);
      },
    };
  }

  private read(
    client: S3Client,
    context: S3RequestContext,
    listed: ListedObject,
    signal?: AbortSignal,
  ): AsyncGenerator<Buffer> {
    return readObjectBody({
      client,
      bucket: this.bucket,
      key: listed.key,
      etag: listed.etag,
      context,
      signal,
      onRetry: (attempt, error) =>
        this.options.logger?.warn({
          event: 's3_read_retry',
          source: this.name,
          key: listed.key,
          attempt,
          error: error.message,
        }),
    });
  }
}

/** Splits `s3://BUCKET/PREFIX`; the prefix is taken as written, `/` included or not. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url);
  if (!match) {
    throw new UsageError(`--source ${url}: invalid S3 URL; use s3://BUCKET or s3://BUCKET/PREFIX`);
  }
  const [, bucket, prefix = ''] = match;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(
      `--source ${url}: invalid bucket name '${bucket}'; S3 bucket names are 3 to 63 lowercase letters, digits, dots and hyphens`,
    );
  }
  return { bucket, prefix };
}

/** Parses a look-back such as `48h`, `90m`, `2d` or `0` into milliseconds. */
export function parseLookback(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(m|h|d)?$/.exec(text.trim());
  if (!match || (match[2] === undefined && Number(match[1]) !== 0)) {
    throw new UsageError(
      `--lookback ${text}: invalid duration; use minutes, hours or days such as 90m, 48h or 2d`,
    );
  }
  const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
  const unitMs = units[match[2] ?? 'h'];
  return Math.round(Number(match[1]) * unitMs);
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint-url ${endpoint}: invalid URL; use http(s)://HOST[:PORT]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--endpoint-url ${endpoint}: use an http:// or https:// URL`);
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const buffers: Buffer[] = [];
  for await (const chunk of chunks) buffers.push(chunk);
  return buffers;
}

async function* replay(body: Promise<Buffer[]>): AsyncGenerator<Buffer> {
  yield* await body;
}

function snakeCase(values: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      value,
    ]),
  );
}
