// Turns a --source value into a source: a local folder, or an `s3://BUCKET/PREFIX` URL.

import { UsageError } from '../errors.js';
import { LocalSource } from './local-source.js';
import { S3Source, type S3SourceOptions } from './s3-source.js';
import type { LogSource } from './source.js';

/** `skip` lists absolute paths a folder source ignores, such as the database's own files. */
export function sourceFor(
  spec: string,
  s3Options: S3SourceOptions = {},
  skip: readonly string[] = [],
): LogSource {
  if (spec.trim() === '')
    throw new UsageError('--source is empty; pass a folder or s3://BUCKET/PREFIX');
  if (/^s3:\/\//i.test(spec)) return new S3Source(spec, s3Options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new UsageError(
      `--source ${spec}: unsupported URL scheme; pass a local folder or s3://BUCKET/PREFIX`,
    );
  }
  return new LocalSource(spec, skip);
}
