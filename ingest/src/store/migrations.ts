// The database schema as numbered migrations. `PRAGMA user_version` records the
// last one applied; opening a database applies the rest in order, each in its
// own transaction, so an existing database upgrades in place.

import { DIMENSION_TABLES } from '../formats/fields.js';
import { CLIENT_LAST_SEEN } from './client-last-seen.js';
import { CLIENT_RETURNS } from './client-returns.js';

/** Dimension columns of `request_rows`: the fact column, the lookup table, the view column. */
export const ROW_DIMENSIONS = [
  ['location_id', 'edge_locations', 'location'],
  ['request_ip_id', 'client_ips', 'request_ip'],
  ['method_id', 'labels', 'method'],
  ['host_id', 'hosts', 'host'],
  ['uri_id', 'uris', 'uri'],
  ['referrer_id', 'referrers', 'referrer'],
  ['user_agent_id', 'user_agents', 'user_agent'],
  ['query_string_id', 'query_strings', 'query_string'],
  ['result_type_id', 'labels', 'result_type'],
  ['host_header_id', 'hosts', 'host_header'],
  ['request_protocol_id', 'labels', 'request_protocol'],
  ['ssl_protocol_id', 'labels', 'ssl_protocol'],
  ['ssl_cipher_id', 'labels', 'ssl_cipher'],
  ['response_result_type_id', 'labels', 'response_result_type'],
  ['http_version_id', 'labels', 'http_version'],
  ['fle_status_id', 'labels', 'fle_status'],
  ['x_edge_detailed_result_type_id', 'labels', 'x_edge_detailed_result_type'],
  ['sc_content_type_id', 'labels', 'sc_content_type'],
  ['c_country_id', 'labels', 'c_country'],
  ['cache_behavior_path_pattern_id', 'labels', 'cache_behavior_path_pattern'],
  ['distribution_label_id', 'labels', 'distribution_id'],
] as const;

const lookupTables = DIMENSION_TABLES.map(
  (table) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);`,
).join('\n');

const dimensionColumns = ROW_DIMENSIONS.map(
  ([column, table]) => `  ${column} INTEGER REFERENCES ${table}(id),`,
).join('\n');

const viewDimensions = ROW_DIMENSIONS.map(
  ([column], i) => `LEFT JOIN ${ROW_DIMENSIONS[i][1]} d${i} ON d${i}.id = r.${column}`,
).join('\n');

function dimensionValue(name: string): string {
  const index = ROW_DIMENSIONS.findIndex(([, , viewName]) => viewName === name);
  return `d${index}.value AS ${name}`;
}

/** One row per logged request; times in integer milliseconds, strings by lookup id. */
const requestRows = `
CREATE TABLE request_rows (
  ts_ms INTEGER NOT NULL,
  dedupe_key INTEGER NOT NULL,
  file_id INTEGER NOT NULL REFERENCES log_files(id),
  line_no INTEGER NOT NULL,
${dimensionColumns}
  bytes INTEGER,
  status INTEGER,
  request_bytes INTEGER,
  time_taken_ms INTEGER,
  c_port INTEGER,
  time_to_first_byte_ms INTEGER,
  sc_content_len INTEGER,
  sc_range_start INTEGER,
  sc_range_end INTEGER,
  asn INTEGER,
  origin_fbl_ms INTEGER,
  origin_lbl_ms INTEGER,
  request_id TEXT,
  cookie TEXT,
  xforwarded_for TEXT,
  fle_encrypted_fields TEXT,
  extras TEXT,
  PRIMARY KEY (ts_ms, dedupe_key)
) WITHOUT ROWID;`;

/** The Athena column names for CloudFront standard logs, so existing queries work. */
const requestsView = `
CREATE VIEW requests AS
SELECT
  strftime('%Y-%m-%d', r.ts_ms / 1000, 'unixepoch') AS date,
  strftime('%H:%M:%S', r.ts_ms / 1000, 'unixepoch') AS time,
  ${dimensionValue('location')},
  r.bytes AS bytes,
  ${dimensionValue('request_ip')},
  ${dimensionValue('method')},
  ${dimensionValue('host')},
  ${dimensionValue('uri')},
  r.status AS status,
  ${dimensionValue('referrer')},
  ${dimensionValue('user_agent')},
  ${dimensionValue('query_string')},
  r.cookie AS cookie,
  ${dimensionValue('result_type')},
  r.request_id AS request_id,
  ${dimensionValue('host_header')},
  ${dimensionValue('request_protocol')},
  r.request_bytes AS request_bytes,
  r.time_taken_ms / 1000.0 AS time_taken,
  r.xforwarded_for AS xforwarded_for,
  ${dimensionValue('ssl_protocol')},
  ${dimensionValue('ssl_cipher')},
  ${dimensionValue('response_result_type')},
  ${dimensionValue('http_version')},
  ${dimensionValue('fle_status')},
  r.fle_encrypted_fields AS fle_encrypted_fields,
  r.c_port AS c_port,
  r.time_to_first_byte_ms / 1000.0 AS time_to_first_byte,
  ${dimensionValue('x_edge_detailed_result_type')},
  ${dimensionValue('sc_content_type')},
  r.sc_content_len AS sc_content_len,
  r.sc_range_start AS sc_range_start,
  r.sc_range_end AS sc_range_end,
  ${dimensionValue('c_country')},
  r.asn AS asn,
  ${dimensionValue('cache_behavior_path_pattern')},
  ${dimensionValue('distribution_id')},
  r.origin_fbl_ms / 1000.0 AS origin_fbl,
  r.origin_lbl_ms / 1000.0 AS origin_lbl,
  CASE WHEN r.ts_ms % 1000 = 0
    THEN strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch')
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', r.ts_ms / 1000.0, 'unixepoch')
  END AS timestamp,
  f.key AS log_file,
  r.extras AS extras,
  r.ts_ms AS ts_ms
FROM request_rows r
JOIN log_files f ON f.id = r.file_id
${viewDimensions};`;

/**
 * Daily rollups kept current at ingest, in the same transaction as the rows, so
 * a dashboard reads a few thousand rows instead of scanning every request. The
 * host is the viewer-facing host header (the distribution domain when absent);
 * 0 stands for an absent host, URI or referrer.
 */
const dailyRollups = `
CREATE TABLE daily_uri_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, uri_id INTEGER NOT NULL,
  requests INTEGER NOT NULL, bytes INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL, errors INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, uri_id)
) WITHOUT ROWID;
CREATE INDEX daily_uri_stats_by_uri ON daily_uri_stats (uri_id, day);
CREATE TABLE daily_status_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, status INTEGER NOT NULL,
  requests INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, status)
) WITHOUT ROWID;
CREATE TABLE daily_result_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, result_type_id INTEGER NOT NULL,
  requests INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, result_type_id)
) WITHOUT ROWID;
CREATE TABLE daily_location_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, location_id INTEGER NOT NULL,
  requests INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, location_id)
) WITHOUT ROWID;
CREATE TABLE daily_referrer_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, referrer_id INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, referrer_id)
) WITHOUT ROWID;
CREATE TABLE daily_client_stats (
  day TEXT NOT NULL, host_id INTEGER NOT NULL, request_ip_id INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (day, host_id, request_ip_id)
) WITHOUT ROWID;`;

const bookkeeping = `
CREATE TABLE ingest_runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  sources TEXT NOT NULL,
  files_seen INTEGER NOT NULL DEFAULT 0,
  files_loaded INTEGER NOT NULL DEFAULT 0,
  files_skipped INTEGER NOT NULL DEFAULT 0,
  files_failed INTEGER NOT NULL DEFAULT 0,
  lines INTEGER NOT NULL DEFAULT 0,
  rows INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  ms INTEGER,
  message TEXT,
  pid INTEGER,
  hostname TEXT
);
CREATE TABLE log_files (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  size INTEGER,
  etag TEXT,
  format TEXT,
  fields TEXT,
  lines INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  first_request TEXT,
  last_request TEXT,
  loaded_at TEXT NOT NULL,
  run_id INTEGER REFERENCES ingest_runs(id),
  UNIQUE (source, key)
);
CREATE TABLE file_failures (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES ingest_runs(id),
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  message TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE TABLE rejected_lines (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES log_files(id),
  line_no INTEGER NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL
);
CREATE INDEX rejected_lines_by_file ON rejected_lines (file_id, line_no);`;

/** Migration N (1-based) is MIGRATIONS[N - 1]; never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  [lookupTables, bookkeeping, requestRows, requestsView, dailyRollups].join('\n'),
  CLIENT_LAST_SEEN,
  // A running ingest updates heartbeat_at, so a run killed on another host can be
  // recognised as interrupted once its heartbeat is stale.
  'ALTER TABLE ingest_runs ADD COLUMN heartbeat_at TEXT;',
  CLIENT_RETURNS,
];
