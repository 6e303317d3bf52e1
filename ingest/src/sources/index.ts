// Turns a --source value into a source: a local folder, or (with the S3
// source) an `s3://bucket/prefix` URL.

import { UsageError } from '../errors.js';
import { LocalSource } from './local-source.js';
import type { LogSource } from './source.js';

export function sourceFor(spec: string): LogSource {
  if (spec.trim() === '')
    throw new UsageError('--source is empty; pass a folder or s3://BUCKET/PREFIX');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new UsageError(`--source ${spec}: unsupported URL scheme; pass a local folder`);
  }
  return new LocalSource(spec);
}
