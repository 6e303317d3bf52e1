// Test helpers: write small log files into a temporary folder and load them
// through the real ingest, in process.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LEGACY_FIELDS } from '../../src/formats/fields.js';
import { ingest, type IngestSummary } from '../../src/ingest.js';
import { LocalSource } from '../../src/sources/local-source.js';
import { openDatabase, type Db } from '../../src/store/database.js';

export const LEGACY_HEADER = `#Version: 1.0\n#Fields: ${LEGACY_FIELDS.join(' ')}\n`;

/** A legacy 33-field record; `overrides` replaces cells by W3C field name. */
export function legacyLine(
  overrides: Partial<Record<(typeof LEGACY_FIELDS)[number], string>> = {},
): string {
  const defaults: Record<string, string> = {
    date: '2026-01-31',
    time: '13:05:09',
    'x-edge-location': 'FRA56-P1',
    'sc-bytes': '2048',
    'c-ip': '192.0.2.10',
    'cs-method': 'GET',
    'cs(Host)': 'd111111abcdef8.cloudfront.net',
    'cs-uri-stem': '/lib/app.js',
    'sc-status': '200',
    'cs(Referer)': '-',
    'cs(User-Agent)': 'curl/8.5.0',
    'cs-uri-query': '-',
    'cs(Cookie)': '-',
    'x-edge-result-type': 'Hit',
    'x-edge-request-id': `req-${Math.random().toString(36).slice(2)}==`,
    'x-host-header': 'cdn.example.com',
    'cs-protocol': 'https',
    'cs-bytes': '310',
    'time-taken': '0.012',
    'x-forwarded-for': '-',
    'ssl-protocol': 'TLSv1.3',
    'ssl-cipher': 'TLS_AES_128_GCM_SHA256',
    'x-edge-response-result-type': 'Hit',
    'cs-protocol-version': 'HTTP/2.0',
    'fle-status': '-',
    'fle-encrypted-fields': '-',
    'c-port': '50312',
    'time-to-first-byte': '0.010',
    'x-edge-detailed-result-type': 'Hit',
    'sc-content-type': 'application/javascript',
    'sc-content-len': '1700',
    'sc-range-start': '-',
    'sc-range-end': '-',
  };
  return LEGACY_FIELDS.map((field) => overrides[field] ?? defaults[field]).join('\t');
}

export interface LoadedLogs {
  readonly db: Db;
  readonly folder: string;
  readonly summary: IngestSummary;
  cleanup(): void;
}

export function tempFolder(prefix = 'cdn-analytics-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files (a `.gz` name is gzipped unless given as a Buffer) under a new folder. */
export function writeLogs(files: Record<string, string | Buffer>, folder = tempFolder()): string {
  for (const [name, content] of Object.entries(files)) {
    const path = join(folder, 'logs', name);
    mkdirSync(dirname(path), { recursive: true });
    const bytes = typeof content === 'string' && name.endsWith('.gz') ? gzipSync(content) : content;
    writeFileSync(path, bytes);
  }
  return folder;
}

/** Writes the files and loads them into a new database with the real ingest. */
export async function loadLogs(files: Record<string, string | Buffer>): Promise<LoadedLogs> {
  const folder = writeLogs(files);
  const db = openDatabase(join(folder, 'test.db'));
  const summary = await ingest(db, {
    sources: [new LocalSource(join(folder, 'logs'))],
    useWorker: false,
  });
  return {
    db,
    folder,
    summary,
    cleanup: () => {
      db.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
