// Error classes, one per kind of failure. Each message names the bad value and
// what to do; the CLI prints it without a stack and picks the exit code.

/** A flag or argument the user can fix on the command line (exit code 2). */
export class UsageError extends Error {}

/** The database cannot be opened, created or upgraded. */
export class DatabaseOpenError extends Error {}

/** Another ingest is still running on the same database. */
export class IngestRunningError extends Error {}

/** A source (folder or bucket) cannot be read at all. */
export class SourceError extends Error {}

/**
 * S3 refused a request or could not be reached after retries, so the S3 source cannot go on:
 * access denied, credentials rejected, wrong region, bucket not found, bad endpoint.
 */
export class S3SourceError extends Error {}
