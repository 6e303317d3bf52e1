// Diagnostics on stderr: one JSON object a line (pino) with an `event` name, or
// a progress bar when stderr is a terminal. Results a user asked for go to
// stdout elsewhere. Nothing here ever logs a credential.

import cliProgress from 'cli-progress';
import { pino, type Logger } from 'pino';
import type { IngestEvents } from './ingest.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

export function createLogger(verbosity: Verbosity): Logger {
  const levels = { quiet: 'error', normal: 'info', verbose: 'debug' } as const;
  const level = levels[verbosity];
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** True when a person is watching: stderr is a terminal and output is not silenced. */
export function wantsProgressBar(verbosity: Verbosity): boolean {
  return Boolean(process.stderr.isTTY) && verbosity !== 'quiet' && !process.env.CI;
}

/** Ingest events as structured log lines (warnings, failures, per file at debug). */
export function loggingEvents(logger: Logger): IngestEvents {
  return {
    fileLoaded: (object, counts) =>
      logger.debug({ event: 'file_loaded', source: object.source, key: object.key, ...counts }),
    fileSkipped: (object) =>
      logger.debug({ event: 'file_skipped', source: object.source, key: object.key }),
    fileFailed: (object, message) =>
      logger.error({
        event: 'file_failed',
        source: object.source,
        key: object.key,
        error: message,
      }),
    warning: (object, message) =>
      logger.warn({ event: 'file_warning', source: object.source, key: object.key, message }),
  };
}

/** Draws a terminal progress bar over files, with lines per second and an ETA. */
export function progressEvents(
  totalFiles: number | null,
  inner: IngestEvents,
): IngestEvents & { stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format:
        ' {bar} {value}/{total} files | {lines} lines | {rate} lines/s | ETA {eta_formatted} | {key}',
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let files = 0;
  let lines = 0;
  bar.start(totalFiles ?? 0, 0, { lines: 0, rate: 0, key: '' });

  const payload = (key: string) => ({
    lines,
    rate: Math.round(lines / Math.max(0.001, (performance.now() - started) / 1000)),
    key,
  });
  const advance = (key: string) => {
    files++;
    if (totalFiles === null) bar.setTotal(files);
    bar.update(files, payload(key));
  };

  return {
    fileStarted: (object) => bar.update(files, payload(object.key)),
    linesParsed: (count) => {
      lines += count;
    },
    fileLoaded: (object, counts) => {
      inner.fileLoaded?.(object, counts);
      advance(object.key);
    },
    fileSkipped: (object) => advance(object.key),
    fileFailed: (object, message) => {
      inner.fileFailed?.(object, message);
      advance(object.key);
    },
    warning: (object, message) => inner.warning?.(object, message),
    stop: () => bar.stop(),
  };
}
