// Error classes, one per kind of failure. Each message names the bad value and
// what to do; the CLI prints it without a stack and picks the exit code.

/** A flag or argument the user can fix on the command line (exit code 2). */
export class UsageError extends Error {}

/** The database cannot be opened, created or upgraded. */
export class DatabaseOpenError extends Error {}

/** A source (folder or bucket) cannot be read at all. */
export class SourceError extends Error {}
