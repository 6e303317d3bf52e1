// Moves a database copy between a local file and S3, gzipped on the way up and
// gunzipped on the way down. Credentials and region come from the AWS SDK's
// default chain (environment, shared config, EC2 instance profile).

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/** A bucket and a key or key prefix. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** An S3 URL flag that does not parse; the CLI treats it as a usage error. */
export class InvalidS3UrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidS3UrlError';
  }
}

/** Splits s3://BUCKET/KEY; throws naming `flag` when the URL is invalid. */
export function parseS3Url(flag: string, url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) {
    throw new InvalidS3UrlError(`${flag} ${url}: invalid S3 URL; use s3://BUCKET/PREFIX`);
  }
  return { bucket: match[1], key: match[2] ?? '' };
}

/** Creates a client; `endpoint` selects an S3-compatible server with path-style URLs. */
export function createS3Client(endpoint?: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: endpoint !== undefined });
}

/** Gzips `file` to `gzipPath` and uploads it to `location`; returns the uploaded bytes. */
export async function uploadGzipped(
  client: S3Client,
  file: string,
  gzipPath: string,
  location: S3Location,
): Promise<number> {
  await pipeline(createReadStream(file), createGzip(), createWriteStream(gzipPath));
  const bytes = statSync(gzipPath).size;
  await client.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: createReadStream(gzipPath),
      ContentLength: bytes,
      ContentType: 'application/gzip',
    }),
  );
  return bytes;
}

/** Downloads `location` and gunzips it into `file`; returns the downloaded bytes. */
export async function downloadGunzipped(
  client: S3Client,
  location: S3Location,
  file: string,
): Promise<number> {
  const response = await client.send(
    new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
  );
  await pipeline(response.Body as Readable, createGunzip(), createWriteStream(file));
  return response.ContentLength ?? 0;
}
