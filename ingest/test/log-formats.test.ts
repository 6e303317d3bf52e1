// The format quirks of CloudFront logs, each loaded through the real parser
// and store and checked in the `requests` view.

import { gzipSync } from 'node:zlib';
import { LEGACY_HEADER, legacyLine, loadLogs, type LoadedLogs } from './helpers/logs.js';

type Row = Record<string, unknown>;

let loaded: LoadedLogs | null = null;
afterEach(() => {
  loaded?.cleanup();
  loaded = null;
});

async function rowsOf(files: Record<string, string | Buffer>): Promise<Row[]> {
  loaded = await loadLogs(files);
  return loaded.db.prepare('SELECT * FROM requests ORDER BY ts_ms, request_id').all() as Row[];
}

function rejectedOf(): Row[] {
  return loaded!.db
    .prepare('SELECT line_no, reason, raw FROM rejected_lines ORDER BY line_no')
    .all() as Row[];
}

describe('standard log fields', () => {
  test('types numbers, times and NULLs', async () => {
    const [row] = await rowsOf({
      'a.gz': LEGACY_HEADER + legacyLine({ 'x-edge-request-id': 'id1==' }) + '\n',
    });
    expect(row.date).toBe('2026-01-31');
    expect(row.time).toBe('13:05:09');
    expect(row.timestamp).toBe('2026-01-31T13:05:09Z');
    expect(row.bytes).toBe(2048);
    expect(row.status).toBe(200);
    expect(row.time_taken).toBeCloseTo(0.012, 6);
    expect(row.time_to_first_byte).toBeCloseTo(0.01, 6);
    expect(row.c_port).toBe(50312);
    expect(row.sc_content_len).toBe(1700);
    expect(row.sc_range_start).toBeNull();
    expect(row.referrer).toBeNull();
    expect(row.cookie).toBeNull();
    expect(row.location).toBe('FRA56-P1');
    expect(row.request_id).toBe('id1==');
    expect(row.log_file).toBe('a.gz');
  });

  test('status 000 is stored as 0', async () => {
    const [row] = await rowsOf({
      'a.gz': LEGACY_HEADER + legacyLine({ 'sc-status': '000' }) + '\n',
    });
    expect(row.status).toBe(0);
  });

  test('keeps IPv6 clients and forwarded-for lists as text', async () => {
    const line = legacyLine({
      'c-ip': '2001:db8::8a2e:370:7334',
      'x-forwarded-for': '203.0.113.9,%20unknown,%202001:db8::1',
    });
    const [row] = await rowsOf({ 'a.gz': LEGACY_HEADER + line + '\n' });
    expect(row.request_ip).toBe('2001:db8::8a2e:370:7334');
    expect(row.xforwarded_for).toBe('203.0.113.9, unknown, 2001:db8::1');
  });

  test('loads records out of time order', async () => {
    const lines = [
      legacyLine({ time: '13:59:00', 'x-edge-request-id': 'late==' }),
      legacyLine({ time: '13:00:00', 'x-edge-request-id': 'early==' }),
    ];
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + lines.join('\n') + '\n' });
    expect(rows.map((r) => r.request_id)).toEqual(['early==', 'late==']);
  });
});

describe('decoding', () => {
  test('decodes double-encoded user agents to plain text', async () => {
    const line = legacyLine({ 'cs(User-Agent)': 'Mozilla/5.0%2520(X11;%2520Linux%2520x86_64)' });
    const [row] = await rowsOf({ 'a.gz': LEGACY_HEADER + line + '\n' });
    expect(row.user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64)');
  });

  test('decodes URI, query and referrer once, to the text the client sent', async () => {
    const line = legacyLine({
      'cs-uri-stem': '/docs/a%2520b/%C3%A9t%C3%A9.html',
      'cs-uri-query': 'q=chart%2520library&x=%E2%9C%93',
      'cs(Referer)': 'https://example.org/search?q=a%2520b',
    });
    const [row] = await rowsOf({ 'a.gz': LEGACY_HEADER + line + '\n' });
    expect(row.uri).toBe('/docs/a%20b/été.html');
    expect(row.query_string).toBe('q=chart%20library&x=✓');
    expect(row.referrer).toBe('https://example.org/search?q=a%20b');
  });

  test('replaces invalid UTF-8 instead of failing', async () => {
    const line = legacyLine({ 'cs-uri-stem': '/bad/%FF%FE/%E2%82', 'cs-uri-query': 'a=%zz&b=%' });
    const [row] = await rowsOf({ 'a.gz': LEGACY_HEADER + line + '\n' });
    expect(row.uri).toBe('/bad/\uFFFD\uFFFD/\uFFFD');
    expect(row.query_string).toBe('a=%zz&b=%');
  });

  test('splits on raw TAB before decoding encoded TAB and LF', async () => {
    const line = legacyLine({
      'cs(User-Agent)': 'agent%09with%0Abreaks',
      'cs-uri-query': 'a=1%092',
    });
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + line + '\n' });
    expect(rows).toHaveLength(1);
    expect(rows[0].user_agent).toBe('agent\twith\nbreaks');
    expect(rows[0].query_string).toBe('a=1\t2');
    expect(rows[0].status).toBe(200);
  });
});

describe('layout and headers', () => {
  test('accepts CRLF line ends', async () => {
    const text =
      LEGACY_HEADER.replace(/\n/g, '\r\n') + legacyLine({ 'sc-range-end': '99' }) + '\r\n';
    const [row] = await rowsOf({ 'a.gz': text });
    expect(row.sc_range_end).toBe(99);
  });

  test('tolerates one trailing empty cell', async () => {
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + legacyLine() + '\t\n' });
    expect(rows).toHaveLength(1);
    expect(loaded!.summary.rejected).toBe(0);
  });

  test('rejects lines with another cell count, never shifting them', async () => {
    const short = legacyLine().split('\t').slice(0, 20).join('\t');
    const long = legacyLine() + '\textra\tcells';
    const rows = await rowsOf({
      'a.gz': LEGACY_HEADER + [legacyLine(), short, long].join('\n') + '\n',
    });
    expect(rows).toHaveLength(1);
    const rejected = rejectedOf();
    expect(rejected.map((r) => r.line_no)).toEqual([4, 5]);
    expect(rejected[0].reason).toBe('expected 33 tab-separated cells, found 20');
    expect(rejected[0].raw).toBe(short);
    expect(loaded!.summary.rejected).toBe(2);
  });

  test('stores a line with a bad number as rejected and keeps the file', async () => {
    const bad = legacyLine({ 'sc-bytes': '12x' });
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + [bad, legacyLine()].join('\n') + '\n' });
    expect(rows).toHaveLength(1);
    expect(rejectedOf()[0].reason).toBe("invalid number in sc-bytes: '12x'");
  });

  test('a second #Fields line changes the mapping from there on', async () => {
    const text =
      LEGACY_HEADER +
      legacyLine({ 'cs-uri-stem': '/first' }) +
      '\n#Fields: time date cs-uri-stem sc-status x-edge-request-id\n' +
      '14:00:00\t2026-02-01\t/second\t404\tr2==\n';
    const rows = await rowsOf({ 'a.gz': text });
    expect(rows.map((r) => [r.uri, r.status, r.timestamp])).toEqual([
      ['/first', 200, '2026-01-31T13:05:09Z'],
      ['/second', 404, '2026-02-01T14:00:00Z'],
    ]);
  });

  test('loads an older layout with fewer fields', async () => {
    const text =
      '#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query\n' +
      '2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/view/my/file.html\t200\twww.displaymyfiles.com\tMozilla/4.0%20(compatible;%20MSIE%205.0b1;%20Mac_PowerPC)\t-\n';
    const [row] = await rowsOf({ 'old.gz': text });
    expect(row.uri).toBe('/view/my/file.html');
    expect(row.user_agent).toBe('Mozilla/4.0 (compatible; MSIE 5.0b1; Mac_PowerPC)');
    expect(row.request_id).toBeNull();
  });

  test('keeps unknown new fields in extras and reports them', async () => {
    const text =
      '#Version: 1.0\n#Fields: date time cs-uri-stem sc-status x-edge-request-id x-future-field\n' +
      '2026-01-31\t13:05:09\t/a.js\t200\tr1==\tsome%20value\n';
    const [row] = await rowsOf({ 'a.gz': text });
    expect(JSON.parse(row.extras as string)).toEqual({ 'x-future-field': 'some%20value' });
    expect(loaded!.summary.unknownFields).toEqual(['x-future-field']);
  });

  test('reads multi-member gzip files', async () => {
    const first = gzipSync(LEGACY_HEADER + legacyLine({ 'cs-uri-stem': '/one' }) + '\n');
    const second = gzipSync(legacyLine({ 'cs-uri-stem': '/two' }) + '\n');
    const rows = await rowsOf({ 'a.gz': Buffer.concat([first, second]) });
    expect(rows.map((r) => r.uri).sort()).toEqual(['/one', '/two']);
  });

  test('loads plain, uncompressed files', async () => {
    const rows = await rowsOf({ 'E1.2026-01-31-13.abcd1234': LEGACY_HEADER + legacyLine() + '\n' });
    expect(rows).toHaveLength(1);
  });
});

describe('standard logging v2', () => {
  test('loads a W3C subset with timestamp(ms) and new fields', async () => {
    const text =
      '#Version: 1.0\n#Fields: timestamp(ms) DistributionId cs-uri-stem sc-status c-country asn cache-behavior-path-pattern x-edge-request-id\n' +
      '1769864709123\tEDFDVBD6EXAMPLE\t/lib/app.js\t200\tDE\t3320\t/lib/*\tv2a==\n';
    const [row] = await rowsOf({ 'v2.gz': text });
    expect(row.timestamp).toBe('2026-01-31T13:05:09.123Z');
    expect(row.date).toBe('2026-01-31');
    expect(row.distribution_id).toBe('EDFDVBD6EXAMPLE');
    expect(row.c_country).toBe('DE');
    expect(row.asn).toBe(3320);
    expect(row.cache_behavior_path_pattern).toBe('/lib/*');
  });

  test('loads JSON-lines output', async () => {
    const record = {
      'timestamp(ms)': '1769864709000',
      'cs-uri-stem': '/docs/a%2520b.html',
      'sc-status': 304,
      'cs(User-Agent)': 'Mozilla/5.0%2520(Mac)',
      'x-edge-request-id': 'json1==',
      'sc-bytes': '-',
    };
    const text = JSON.stringify(record) + '\n' + 'not json\n';
    const [row] = await rowsOf({ 'v2.json.gz': text });
    expect(row.uri).toBe('/docs/a%20b.html');
    expect(row.status).toBe(304);
    expect(row.user_agent).toBe('Mozilla/5.0 (Mac)');
    expect(row.bytes).toBeNull();
    expect(rejectedOf()[0].reason).toBe('invalid JSON');
  });
});

describe('files that are not standard logs', () => {
  test('refuses a real-time log record with a clear message', async () => {
    const realtime =
      '1769864709.123\t192.0.2.10\t0.001\t200\t2048\tGET\thttps\tcdn.example.com\t/a.js\n';
    loaded = await loadLogs({ 'rt.gz': realtime, 'ok.gz': LEGACY_HEADER + legacyLine() + '\n' });
    expect(loaded.summary.filesFailed).toBe(1);
    expect(loaded.summary.failures[0].message).toMatch(/real-time log record/);
    expect(loaded.summary.rows).toBe(1);
  });

  test('fails a file with a field named twice', async () => {
    const repeated =
      '#Version: 1.0\n#Fields: date time cs-uri-stem sc-status cs-uri-stem x-edge-request-id\n' +
      '2026-01-31\t13:05:09\t/first\t200\t/second\tr1==\n';
    loaded = await loadLogs({ 'dup.gz': repeated, 'ok.gz': LEGACY_HEADER + legacyLine() + '\n' });
    expect(loaded.summary.filesFailed).toBe(1);
    expect(loaded.summary.failures[0].key).toBe('dup.gz');
    expect(loaded.summary.failures[0].message).toBe(
      'not a CloudFront standard log: the #Fields header on line 2 names cs-uri-stem twice, ' +
        'which CloudFront never writes. Check that --source holds only CloudFront access logs',
    );
    const failures = loaded.db.prepare('SELECT key, message FROM file_failures').all() as Row[];
    expect(failures.map((f) => f.key)).toEqual(['dup.gz']);
    expect(failures[0].message).toBe(loaded.summary.failures[0].message);
    const files = loaded.db.prepare('SELECT key FROM log_files').pluck().all();
    expect(files).toEqual(['ok.gz']);
    expect(loaded.summary.rows).toBe(1);
  });

  test('later repeated header keeps no rows', async () => {
    const text =
      LEGACY_HEADER +
      legacyLine({ 'cs-uri-stem': '/before' }) +
      '\n#Fields: date time cs(Host) sc-status cs(Host)\n' +
      '2026-02-01\t14:00:00\ta.example\t404\tb.example\n';
    loaded = await loadLogs({ 'late.gz': text, 'ok.gz': LEGACY_HEADER + legacyLine() + '\n' });
    expect(loaded.summary.filesFailed).toBe(1);
    expect(loaded.summary.failures[0].key).toBe('late.gz');
    expect(loaded.summary.failures[0].message).toContain('on line 4 names cs(Host) twice');
    const uris = loaded.db.prepare('SELECT uri FROM requests').pluck().all();
    expect(uris).toEqual(['/lib/app.js']);
    const files = loaded.db.prepare('SELECT key FROM log_files').pluck().all();
    expect(files).toEqual(['ok.gz']);
  });

  test('loads a header-only file with no rows and skips an empty one', async () => {
    loaded = await loadLogs({ 'header.gz': LEGACY_HEADER, 'empty.gz': Buffer.alloc(0) });
    const files = loaded.db.prepare('SELECT key, rows FROM log_files ORDER BY key').all();
    expect(files).toEqual([{ key: 'header.gz', rows: 0 }]);
    expect(loaded.summary.filesFailed).toBe(0);
  });
});

describe('oversized input', () => {
  test('rejects a line longer than 1 MiB and keeps the rest', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const text =
      LEGACY_HEADER +
      legacyLine({ 'cs-uri-stem': '/before' }) +
      '\n' +
      huge +
      '\n' +
      legacyLine({ 'cs-uri-stem': '/after' }) +
      '\n';
    const rows = await rowsOf({ 'a.gz': text });
    expect(rows.map((r) => r.uri).sort()).toEqual(['/after', '/before']);
    const [rejected] = rejectedOf();
    expect(rejected.line_no).toBe(4);
    expect(rejected.reason).toBe('line longer than 1048576 bytes');
    expect((rejected.raw as string).length).toBe(4096);
  });

  test('refuses a file that starts with an endless line', async () => {
    loaded = await loadLogs({ 'blob.gz': 'y'.repeat(2 * 1024 * 1024) });
    expect(loaded.summary.filesFailed).toBe(1);
    expect(loaded.summary.failures[0].message).toMatch(/first line is longer than/);
  });
});

describe('durations', () => {
  test.each([
    ['0.012', 0.012],
    ['0.1', 0.1],
    ['0.25', 0.25],
    ['2', 2],
    ['5.', 5],
    ['0.0005', 0.001],
    ['1e-3', 0.001],
  ])('reads time-taken %s as %p seconds', async (raw, seconds) => {
    const [row] = await rowsOf({
      'a.gz': LEGACY_HEADER + legacyLine({ 'time-taken': raw }) + '\n',
    });
    expect(row.time_taken).toBeCloseTo(seconds, 6);
  });

  test.each(['abc', '.', '1.2.3', ' '])('rejects time-taken %p', async (raw) => {
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + legacyLine({ 'time-taken': raw }) + '\n' });
    expect(rows).toHaveLength(0);
    expect(rejectedOf()[0].reason).toMatch(/^invalid number in time-taken/);
  });
});

describe('odd input', () => {
  test('ignores a byte order mark at the start', async () => {
    const rows = await rowsOf({ 'bom.log': '\uFEFF' + LEGACY_HEADER + legacyLine() + '\n' });
    expect(rows).toHaveLength(1);
  });

  test('rejects negative sizes', async () => {
    const rows = await rowsOf({ 'a.gz': LEGACY_HEADER + legacyLine({ 'sc-bytes': '-1' }) + '\n' });
    expect(rows).toHaveLength(0);
    expect(rejectedOf()[0].reason).toBe("invalid number in sc-bytes: '-1'");
  });

  test('rejects JSON values that are objects', async () => {
    const record = { 'timestamp(ms)': '1769864709000', 'cs-uri-stem': { nested: 1 } };
    const rows = await rowsOf({ 'v2.json': JSON.stringify(record) + '\n' });
    expect(rows).toHaveLength(0);
    expect(rejectedOf()[0].reason).toBe('cs-uri-stem is not a string or number');
  });
});
