// Reads one S3 object's bytes. The SDK retries a failed request, but not a body stream that breaks
// after the response started (a dropped connection, a truncated body). This module resumes such a
// read with a Range request from the last byte received. The request carries If-Match with the
// listed ETag, so bytes of two versions of an object never mix.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { explainS3Error, type S3RequestContext } from './s3-errors.js';

/** Tries of a body read, the first included, before the object fails. */
export const BODY_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 5_000;

export interface ObjectRead {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** The ETag from the listing, without quotes; null reads whatever version is current. */
  readonly etag: string | null;
  readonly context: S3RequestContext;
  readonly signal?: AbortSignal;
  /** Called before each resumed read, with the attempt number and the error that ended the last. */
  readonly onRetry?: (attempt: number, error: Error) => void;
}

/** Streams an object's stored bytes, resuming after a broken body stream. */
export async function* readObjectBody(read: ObjectRead): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await read.client.send(
        new GetObjectCommand({
          Bucket: read.bucket,
          Key: read.key,
          IfMatch: read.etag ? `"${read.etag}"` : undefined,
          Range: offset > 0 ? `bytes=${offset}-` : undefined,
        }),
        { abortSignal: read.signal },
      );
    } catch (error) {
      // The SDK already retried throttling, 5xx and connection errors of the request itself.
      throw explainS3Error(error, read.context);
    }

    if (offset > 0 && !response.ContentRange) {
      throw new Error(
        `reading s3://${read.bucket}/${read.key}: the server ignored the Range header`,
      );
    }
    const expectedEnd = offset + (response.ContentLength ?? Number.NaN);
    try {
      for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        offset += buffer.length;
        yield buffer;
      }
      if (Number.isNaN(expectedEnd) || offset === expectedEnd) return;
      throw new Error(`body ended at byte ${offset} of ${expectedEnd}`);
    } catch (error) {
      if (read.signal?.aborted || attempt >= BODY_ATTEMPTS) {
        throw new Error(
          `reading s3://${read.bucket}/${read.key} failed after ${attempt} attempts: ${(error as Error).message}`,
          { cause: error },
        );
      }
      read.onRetry?.(attempt + 1, error as Error);
      await sleep(backoffMs(attempt));
    }
  }
}

/** Full-jitter exponential backoff, as the AWS SDKs use between retries. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
}
