// Turns errors of the AWS SDK into messages a user can act on: which bucket, prefix or key, which
// IAM action is missing, which region the bucket is in, which endpoint failed. Nothing here puts a
// credential into a message.

import { S3SourceError } from '../errors.js';

/** The failed request: its operation, bucket, path, endpoint and region. */
export interface S3RequestContext {
  readonly operation: 'list' | 'get';
  readonly bucket: string;
  /** The listed prefix, or the key read. */
  readonly path: string;
  /** The endpoint URL given, or null for AWS's own endpoint for the region. */
  readonly endpoint: string | null;
  readonly region: string | null;
}

/** An object listed a moment ago is gone: deleted or expired by a lifecycle rule. */
export class ObjectGoneError extends Error {}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
  /** The bucket's region from the body of an AuthorizationHeaderMalformed error. */
  Region?: string;
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
]);
const REGION_ERRORS = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Returns the error to raise for a failed S3 request: an S3SourceError when the source cannot go
 * on, an ObjectGoneError for a missing object, or an Error naming the object otherwise.
 */
export function explainS3Error(error: unknown, context: S3RequestContext): Error {
  const sdk = (error ?? {}) as SdkError;
  const name = sdk.name ?? '';
  const status = sdk.$metadata?.httpStatusCode;
  const where = `s3://${context.bucket}/${context.path}`;
  const options = { cause: error };

  if (context.operation === 'get' && (name === 'NoSuchKey' || status === 404)) {
    return new ObjectGoneError(`${where} was deleted after it was listed; skipped`, options);
  }
  if (context.operation === 'get' && (name === 'PreconditionFailed' || status === 412)) {
    return new Error(
      `${where} changed while it was read; it is read again on the next run`,
      options,
    );
  }
  if (name === 'NoSuchBucket') {
    return new S3SourceError(
      `bucket ${context.bucket} not found at ${endpointName(context)}; check the bucket in --source`,
      options,
    );
  }
  if (REGION_ERRORS.has(name) || status === 301) {
    return new S3SourceError(regionMessage(sdk, context), options);
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || status === 403) {
    if (CREDENTIAL_ERRORS.has(name)) return credentialsRejected(name, context, error);
    return new S3SourceError(accessDeniedMessage(context, sdk.message), options);
  }
  if (CREDENTIAL_ERRORS.has(name)) return credentialsRejected(name, context, error);
  if (name === 'CredentialsProviderError') {
    return new S3SourceError(
      'no AWS credentials found in the environment, the shared config and credentials files, ' +
        'SSO, the container or the EC2 instance profile; configure one of them',
      options,
    );
  }
  if (/region is missing|region not accepted/i.test(sdk.message ?? '')) {
    return new S3SourceError(
      "no valid AWS region set; pass --region or set AWS_REGION to the bucket's region, such as eu-west-1",
      options,
    );
  }
  return otherFailure(sdk, context, error);
}

function otherFailure(sdk: SdkError, context: S3RequestContext, error: unknown): Error {
  const where = `s3://${context.bucket}/${context.path}`;
  const action = context.operation === 'list' ? 'listing' : 'reading';
  const attempts = sdk.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const options = { cause: error };

  const code = sdk.code ?? sdk.name ?? '';
  if (NETWORK_CODES.has(code)) {
    const message = `${action} ${where} failed${tries}: ${endpointName(context)} could not be reached (${code})`;
    // A dead endpoint stops the run; one object's dropped connections fail only that object.
    if (context.operation === 'list' || code !== 'ECONNRESET') {
      return new S3SourceError(
        `${message}; check --endpoint-url or AWS_ENDPOINT_URL and the network`,
        options,
      );
    }
    return new Error(message, options);
  }
  const status = sdk.$metadata?.httpStatusCode;
  if (status === undefined && sdk.name === 'SyntaxError') {
    return new S3SourceError(
      `${endpointName(context)} returned a response that is not from an S3 API while ${action} ${where}; check --endpoint-url`,
      options,
    );
  }
  const detail = status
    ? `HTTP ${status} ${sdk.name ?? ''}`.trim()
    : (sdk.message ?? String(error));
  const message = `${action} ${where} failed${tries}: ${detail}`;
  return context.operation === 'list'
    ? new S3SourceError(message, options)
    : new Error(message, options);
}

function accessDeniedMessage(context: S3RequestContext, detail: string | undefined): string {
  const said = detail ? ` (S3 message: ${detail})` : '';
  if (context.operation === 'list') {
    return (
      `access denied listing s3://${context.bucket}/${context.path}: the credentials need ` +
      `s3:ListBucket on arn:aws:s3:::${context.bucket} for this prefix${said}`
    );
  }
  return (
    `access denied reading s3://${context.bucket}/${context.path}: the credentials need ` +
    `s3:GetObject on arn:aws:s3:::${context.bucket}/${context.path}${said}`
  );
}

function regionMessage(sdk: SdkError, context: S3RequestContext): string {
  const actual = sdk.$response?.headers?.['x-amz-bucket-region'] ?? sdk.Region;
  const used = context.region ?? 'the default region';
  if (actual) {
    return `bucket ${context.bucket} is in region ${actual}, not ${used}; pass --region ${actual} or set AWS_REGION=${actual}`;
  }
  return `bucket ${context.bucket} is not in region ${used}; pass --region with the bucket's region`;
}

function credentialsRejected(name: string, context: S3RequestContext, cause: unknown): Error {
  return new S3SourceError(
    `${endpointName(context)} rejected the AWS credentials (${name}) for bucket ${context.bucket}; ` +
      'check the access key, secret and session token the SDK found, and the clock',
    { cause },
  );
}

function endpointName(context: S3RequestContext): string {
  if (context.endpoint) return `endpoint ${context.endpoint}`;
  return `S3 in region ${context.region ?? '(default)'}`;
}
