// The CloudFront log fields this project understands: the W3C field name in a
// `#Fields:` header (and the key in v2 JSON output), the column it is stored in,
// and how its text is typed and decoded. Fields not listed here are kept in the
// `extras` JSON column.

/** The conversion from a field's text to its stored value. */
export type FieldKind =
  | 'date' // YYYY-MM-DD, combined with `time` into the timestamp
  | 'time' // HH:MM:SS
  | 'epoch-seconds' // v2 `timestamp`, seconds since 1970, may have a fraction
  | 'epoch-ms' // v2 `timestamp(ms)`
  | 'integer'
  | 'seconds' // a duration in seconds with a fraction, stored as integer milliseconds
  | 'dimension' // a repeated string, stored once in a lookup table
  | 'text'; // a per-request string kept in the row

/** The lookup tables that hold repeated strings, one id per distinct value. */
export const DIMENSION_TABLES = [
  'edge_locations',
  'client_ips',
  'hosts',
  'uris',
  'referrers',
  'user_agents',
  'query_strings',
  'labels',
] as const;
export type DimensionTable = (typeof DIMENSION_TABLES)[number];

/** The number of percent-decoding passes: none, once, or twice for double-encoded values. */
export type Decoding = 'none' | 'once' | 'twice';

/** The decoding each lookup table's values get; one table always decodes one way. */
export const TABLE_DECODING: Readonly<Record<DimensionTable, Decoding>> = {
  edge_locations: 'none',
  client_ips: 'none',
  hosts: 'none',
  uris: 'once',
  referrers: 'once',
  user_agents: 'twice',
  query_strings: 'once',
  labels: 'once',
};

export interface FieldSpec {
  /** Column name, following AWS's Athena table for CloudFront standard logs. */
  readonly column: string;
  readonly kind: FieldKind;
  readonly table?: DimensionTable;
  readonly decoding: Decoding;
}

function field(column: string, kind: FieldKind, decoding: Decoding = 'none'): FieldSpec {
  return { column, kind, decoding };
}

function dimension(column: string, table: DimensionTable): FieldSpec {
  return { column, kind: 'dimension', table, decoding: TABLE_DECODING[table] };
}

/**
 * Known fields by W3C name. CloudFront writes user agents double-encoded (a
 * space appears as `%2520`), so they are decoded twice. URIs, query strings and
 * referrers are decoded once, which gives back the text the client sent.
 */
export const KNOWN_FIELDS: ReadonlyMap<string, FieldSpec> = new Map([
  ['date', field('date', 'date')],
  ['time', field('time', 'time')],
  ['timestamp', field('timestamp', 'epoch-seconds')],
  ['timestamp(ms)', field('timestamp', 'epoch-ms')],
  ['x-edge-location', dimension('location', 'edge_locations')],
  ['sc-bytes', field('bytes', 'integer')],
  ['c-ip', dimension('request_ip', 'client_ips')],
  ['cs-method', dimension('method', 'labels')],
  ['cs(Host)', dimension('host', 'hosts')],
  ['cs-uri-stem', dimension('uri', 'uris')],
  ['sc-status', field('status', 'integer')],
  ['cs(Referer)', dimension('referrer', 'referrers')],
  ['cs(User-Agent)', dimension('user_agent', 'user_agents')],
  ['cs-uri-query', dimension('query_string', 'query_strings')],
  ['cs(Cookie)', field('cookie', 'text', 'once')],
  ['x-edge-result-type', dimension('result_type', 'labels')],
  ['x-edge-request-id', field('request_id', 'text')],
  ['x-host-header', dimension('host_header', 'hosts')],
  ['cs-protocol', dimension('request_protocol', 'labels')],
  ['cs-bytes', field('request_bytes', 'integer')],
  ['time-taken', field('time_taken', 'seconds')],
  ['x-forwarded-for', field('xforwarded_for', 'text', 'once')],
  ['ssl-protocol', dimension('ssl_protocol', 'labels')],
  ['ssl-cipher', dimension('ssl_cipher', 'labels')],
  ['x-edge-response-result-type', dimension('response_result_type', 'labels')],
  ['cs-protocol-version', dimension('http_version', 'labels')],
  ['fle-status', dimension('fle_status', 'labels')],
  ['fle-encrypted-fields', field('fle_encrypted_fields', 'text')],
  ['c-port', field('c_port', 'integer')],
  ['time-to-first-byte', field('time_to_first_byte', 'seconds')],
  ['x-edge-detailed-result-type', dimension('x_edge_detailed_result_type', 'labels')],
  ['sc-content-type', dimension('sc_content_type', 'labels')],
  ['sc-content-len', field('sc_content_len', 'integer')],
  ['sc-range-start', field('sc_range_start', 'integer')],
  ['sc-range-end', field('sc_range_end', 'integer')],
  ['c-country', dimension('c_country', 'labels')],
  ['asn', field('asn', 'integer')],
  ['cache-behavior-path-pattern', dimension('cache_behavior_path_pattern', 'labels')],
  ['DistributionId', dimension('distribution_id', 'labels')],
  ['origin-fbl', field('origin_fbl', 'seconds')],
  ['origin-lbl', field('origin_lbl', 'seconds')],
]);

/**
 * The columns a parsed batch carries, in a fixed order. Numbers travel in a
 * Float64Array (NaN is NULL), dimension ids in an Int32Array (-1 is NULL), text
 * in a plain array.
 */
export const NUMBER_COLUMNS = [
  'ts_ms',
  'bytes',
  'status',
  'request_bytes',
  'time_taken',
  'c_port',
  'time_to_first_byte',
  'sc_content_len',
  'sc_range_start',
  'sc_range_end',
  'asn',
  'origin_fbl',
  'origin_lbl',
  'dedupe_key',
  'line_no',
] as const;

export const DIMENSION_COLUMNS = [
  'location',
  'request_ip',
  'method',
  'host',
  'uri',
  'referrer',
  'user_agent',
  'query_string',
  'result_type',
  'host_header',
  'request_protocol',
  'ssl_protocol',
  'ssl_cipher',
  'response_result_type',
  'http_version',
  'fle_status',
  'x_edge_detailed_result_type',
  'sc_content_type',
  'c_country',
  'cache_behavior_path_pattern',
  'distribution_id',
] as const;

export const TEXT_COLUMNS = [
  'request_id',
  'cookie',
  'xforwarded_for',
  'fle_encrypted_fields',
  'extras',
] as const;

export type NumberColumn = (typeof NUMBER_COLUMNS)[number];
export type DimensionColumn = (typeof DIMENSION_COLUMNS)[number];
export type TextColumn = (typeof TEXT_COLUMNS)[number];

/** The lookup table of each dimension column. */
export const DIMENSION_TABLE_OF: Readonly<Record<DimensionColumn, DimensionTable>> =
  Object.fromEntries(
    [...KNOWN_FIELDS.values()]
      .filter((spec) => spec.kind === 'dimension')
      .map((spec) => [spec.column, spec.table]),
  ) as Record<DimensionColumn, DimensionTable>;

/** The 33 fields of a standard (legacy) log file since 2019, in file order. */
export const LEGACY_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'c-ip',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'cs-uri-query',
  'cs(Cookie)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'x-forwarded-for',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'fle-status',
  'fle-encrypted-fields',
  'c-port',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
  'sc-range-start',
  'sc-range-end',
] as const;
