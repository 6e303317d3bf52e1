// The built `cdn-analytics` command as a user runs it: exit codes, messages,
// JSON logs, the sample generator's row count, and a rerun that adds nothing.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { LEGACY_HEADER, legacyLine, tempFolder } from './helpers/logs.js';

const CLI = join(process.cwd(), 'build/ingest/cli.js');
let folder: string;

beforeEach(() => {
  folder = tempFolder('cdn-analytics-cli-');
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function cli(...args: string[]) {
  const result = spawnSync('node', [CLI, ...args], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLogs(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

function count(db: string, sql: string): number {
  const handle = new Database(join(folder, db), { readonly: true });
  try {
    return handle.prepare(sql).pluck().get() as number;
  } finally {
    handle.close();
  }
}

test('sample then ingest stores the row count the generator reports', () => {
  const sample = cli(
    'sample',
    '--out',
    'logs',
    '--days',
    '30',
    '--files-per-day',
    '4',
    '--lines-per-file',
    '25',
    '--start',
    '2026-01-01',
  );
  expect(sample.code).toBe(0);
  const generated = JSON.parse(sample.stdout);
  expect(generated.files).toBe(120);

  const first = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(first.code).toBe(0);
  const finished = jsonLogs(first.stderr).find((log) => log.event === 'ingest_finished')!;
  expect(finished.rows).toBe(generated.rows);
  expect(finished.files_loaded).toBe(120);
  expect(count('a.db', 'SELECT count(*) FROM requests')).toBe(generated.rows);

  const second = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(second.code).toBe(0);
  const again = jsonLogs(second.stderr).find((log) => log.event === 'ingest_finished')!;
  expect(again.rows).toBe(0);
  expect(again.files_skipped).toBe(120);
  expect(count('a.db', 'SELECT count(*) FROM request_rows')).toBe(generated.rows);
});

test('sample is deterministic for a seed', () => {
  const options = ['--days', '1', '--files-per-day', '2', '--lines-per-file', '10', '--seed', '5'];
  for (const out of ['one', 'two'])
    cli('sample', '--out', out, ...options, '--start', '2026-03-01');
  const listing = (dir: string) =>
    spawnSync('sh', ['-c', `cd ${dir} && ls && zcat *.gz | sha256sum`], {
      cwd: folder,
      encoding: 'utf8',
    }).stdout;
  expect(listing('one')).toBe(listing('two'));
  expect(listing('one')).toMatch(/^EDFDVBD6EXAMPLE\.2026-03-01-00\.[0-9a-f]{8}\.gz$/m);
});

test('exits 1 naming a corrupt file while loading the others', () => {
  mkdirSync(join(folder, 'logs'));
  writeFileSync(
    join(folder, 'logs', 'bad.gz'),
    Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]),
  );
  writeFileSync(join(folder, 'logs', 'good.gz'), gzipSync(LEGACY_HEADER + legacyLine() + '\n'));
  const result = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/error: file:\S+ bad\.gz: /);
  expect(count('a.db', 'SELECT count(*) FROM request_rows')).toBe(1);
});

test('exits 2 with the fix for a missing folder', () => {
  const result = cli('ingest', '--source', 'nowhere', '--db', 'a.db');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--source nowhere: folder');
  expect(result.stderr).toContain('not found; pass the folder that holds the CloudFront log files');
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

test('exits 2 on an unknown flag or a missing command', () => {
  expect(cli('ingest', '--source', '.', '--bogus').code).toBe(2);
  const none = cli();
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('pass a command: ingest, status or sample');
  expect(cli('sample', '--out', 'x', '--days', '0').code).toBe(2);
});

test('exits 1 with the fix for a file that is not SQLite', () => {
  mkdirSync(join(folder, 'logs'));
  writeFileSync(join(folder, 'notes.db'), 'these are my notes, not a database'.repeat(100));
  const result = cli('ingest', '--source', 'logs', '--db', 'notes.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    'notes.db is not a SQLite database; pass --db with a new file name',
  );
});

test('exits 1 with the fix for a missing database folder', () => {
  mkdirSync(join(folder, 'logs'));
  const result = cli('ingest', '--source', 'logs', '--db', join('missing', 'a.db'));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('not found; create it or pass another --db');
});

// Root may write any file, so file permissions cannot make a database read-only for root.
const asRoot = process.getuid?.() === 0;
(asRoot ? test.skip : test)('exits 1 with the fix for a read-only database', () => {
  mkdirSync(join(folder, 'logs'));
  writeFileSync(join(folder, 'ro.db'), '');
  chmodSync(join(folder, 'ro.db'), 0o444);
  const result = cli('ingest', '--source', 'logs', '--db', 'ro.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('is read-only; make it writable');
});

test('status prints what was loaded', () => {
  mkdirSync(join(folder, 'logs'));
  writeFileSync(join(folder, 'logs', 'a.gz'), gzipSync(LEGACY_HEADER + legacyLine() + '\n'));
  cli('ingest', '--source', 'logs', '--db', 'a.db');
  const status = cli('status', '--db', 'a.db');
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('Rows stored: 1');
  const json = JSON.parse(cli('status', '--db', 'a.db', '--json').stdout);
  expect(json.runs[0].status).toBe('ok');
});

test('every command has help', () => {
  for (const command of ['ingest', 'status', 'sample']) {
    const result = cli(command, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cdn-analytics ${command}`);
  }
});

test('ignores its own database inside the source folder', () => {
  mkdirSync(join(folder, 'logs'));
  writeFileSync(join(folder, 'logs', 'a.gz'), gzipSync(LEGACY_HEADER + legacyLine() + '\n'));
  expect(cli('ingest', '--source', 'logs', '--db', join('logs', 'a.db')).code).toBe(0);
  const again = cli('ingest', '--source', 'logs', '--db', join('logs', 'a.db'));
  expect(again.code).toBe(0);
  expect(again.stderr).not.toContain('not a CloudFront standard log');
});

test('follows symbolic links in the source folder', () => {
  mkdirSync(join(folder, 'real'));
  mkdirSync(join(folder, 'logs'));
  writeFileSync(join(folder, 'real', 'a.gz'), gzipSync(LEGACY_HEADER + legacyLine() + '\n'));
  symlinkSync(join(folder, 'real'), join(folder, 'logs', 'linked'));
  symlinkSync(join(folder, 'logs'), join(folder, 'logs', 'loop'));
  const result = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(result.code).toBe(0);
  expect(count('a.db', 'SELECT count(*) FROM request_rows')).toBe(1);
});

test('refuses a database of another program without changing it', () => {
  mkdirSync(join(folder, 'logs'));
  const other = new Database(join(folder, 'other.db'));
  other.exec('CREATE TABLE log_files (x)');
  other.close();
  const result = cli('ingest', '--source', 'logs', '--db', 'other.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('is a SQLite database of another program');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const journal = new Database(join(folder, 'other.db'));
  expect(journal.pragma('journal_mode', { simple: true })).toBe('delete');
  journal.close();
});

test('names a truncated gzip file and what to do', () => {
  mkdirSync(join(folder, 'logs'));
  const whole = gzipSync(LEGACY_HEADER + legacyLine() + '\n');
  writeFileSync(join(folder, 'logs', 'cut.gz'), whole.subarray(0, whole.length - 10));
  const result = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('cut.gz: truncated gzip data (unexpected end of file)');
  expect(result.stderr).toContain('copy or download it again');
});

test('names a file with a field named twice', () => {
  mkdirSync(join(folder, 'logs'));
  const repeated =
    '#Version: 1.0\n#Fields: date time sc-status sc-status\n2026-01-31\t13:05:09\t200\t404\n';
  writeFileSync(join(folder, 'logs', 'dup.gz'), gzipSync(repeated));
  writeFileSync(join(folder, 'logs', 'ok.gz'), gzipSync(LEGACY_HEADER + legacyLine() + '\n'));
  const result = cli('ingest', '--source', 'logs', '--db', 'a.db');
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: file:\S+ dup\.gz: .*names sc-status twice/m);
  expect(count('a.db', 'SELECT count(*) FROM request_rows')).toBe(1);
  expect(count('a.db', "SELECT count(*) FROM file_failures WHERE key = 'dup.gz'")).toBe(1);
});

test('exits 2 for an empty --source or a --out that is a file', () => {
  const empty = cli('ingest', '--source', '--db', 'q.db');
  expect(empty.code).toBe(2);
  expect(empty.stderr).toContain('--source has no value');
  writeFileSync(join(folder, 'afile'), '');
  expect(cli('sample', '--out', 'afile', '--days', '1').code).toBe(2);
  const days = cli('sample', '--out', 'x', '--days', 'abc');
  expect(days.code).toBe(2);
  expect(days.stderr).toContain('--days abc: expected a whole number from 1 to 3660');
});

// The arguments each command needs besides the flag under test.
const REQUIRED_ARGS: Record<string, string[]> = {
  ingest: ['--source', '.', '--db', 'a.db'],
  status: ['--db', 'a.db'],
  sample: ['--out', 'out'],
};

// Each numeric flag of each command: what it accepts, and a whole number above that range.
const NUMBER_FLAGS: Record<string, Record<string, { expected: string; tooLarge: string }>> = {
  ingest: { '--concurrency': { expected: 'a whole number from 1 to 64', tooLarge: '65' } },
  status: {},
  sample: {
    '--days': { expected: 'a whole number from 1 to 3660', tooLarge: '3661' },
    '--files-per-day': { expected: 'a whole number from 1 to 1440', tooLarge: '1441' },
    '--lines-per-file': { expected: 'a whole number from 1 to 50000', tooLarge: '50001' },
    '--seed': { expected: 'a whole number from 0 to 4294967295', tooLarge: '4294967296' },
  },
};

test('help lists only numeric flags the tests cover', () => {
  for (const command of Object.keys(NUMBER_FLAGS)) {
    const help = cli(command, '--help').stdout;
    const numeric = [...help.matchAll(/^\s+(--[\w-]+)\s[^[]*\[number\]/gm)].map((m) => m[1]);
    expect({ command, flags: numeric.sort() }).toEqual({
      command,
      flags: Object.keys(NUMBER_FLAGS[command]).sort(),
    });
  }
});

test.each(
  Object.entries(NUMBER_FLAGS).flatMap(([command, flags]) =>
    Object.entries(flags).flatMap(([flag, { expected, tooLarge }]) =>
      ['abc', '7x', '2.5', '-1', tooLarge].map((value) => [command, flag, value, expected]),
    ),
  ),
)('%s %s %s exits 2 naming flag and value', (command, flag, value, expected) => {
  const result = cli(command, ...REQUIRED_ARGS[command], flag, value);
  expect(result.code).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe(`error: ${flag} ${value}: expected ${expected}`);
  expect(result.stderr).not.toContain('NaN');
  expect(existsSync(join(folder, 'a.db'))).toBe(false);
  expect(existsSync(join(folder, 'out'))).toBe(false);
});

test('numeric flag without a value exits 2', () => {
  const days = cli('sample', '--out', 'out', '--days', '--seed', '3');
  expect(days.code).toBe(2);
  expect(days.stderr.split('\n')[0]).toBe(
    'error: --days is missing its value: expected a whole number from 1 to 3660',
  );
  const concurrency = cli('ingest', '--source', '.', '--concurrency=');
  expect(concurrency.code).toBe(2);
  expect(concurrency.stderr.split('\n')[0]).toBe(
    'error: --concurrency is missing its value: expected a whole number from 1 to 64',
  );
});

test('numeric flag given twice exits 2', () => {
  const result = cli('sample', '--out', 'out', '--days', '1', '--days', '2');
  expect(result.code).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe(
    'error: --days 1 2: expected a single whole number from 1 to 3660',
  );
});

test('camel-case numeric flag names the given value', () => {
  const result = cli('sample', '--out', 'out', '--filesPerDay', 'lots');
  expect(result.code).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe(
    'error: --files-per-day lots: expected a whole number from 1 to 1440',
  );
});

test('sample rejects sizes over maximum', () => {
  for (const [flag, value, range] of [
    ['--days', '9007199254740991', '1 to 3660'],
    ['--days', '100000', '1 to 3660'],
    ['--files-per-day', '1e6', '1 to 1440'],
    ['--lines-per-file', '1e9', '1 to 50000'],
  ]) {
    const result = cli('sample', '--out', 'out', flag, value);
    expect({ flag, value, code: result.code }).toEqual({ flag, value, code: 2 });
    expect(result.stderr).toBe(
      `error: ${flag} ${value}: expected a whole number from ${range}\n` +
        'Run with --help for usage.\n',
    );
    expect(existsSync(join(folder, 'out'))).toBe(false);
  }
});

test('sample accepts each maximum', () => {
  const start = ['--start', '2026-03-02', '--seed', '3'];
  const sizes = [
    ['--days', '3660', '--files-per-day', '1', '--lines-per-file', '1'],
    ['--days', '1', '--files-per-day', '1440', '--lines-per-file', '1'],
    ['--days', '1', '--files-per-day', '1', '--lines-per-file', '50000'],
  ];
  for (const [index, size] of sizes.entries()) {
    const out = `out${index}`;
    const result = cli('sample', '--out', out, ...start, ...size);
    expect({ size, code: result.code, stderr: result.stderr }).toEqual({
      size,
      code: 0,
      stderr: '',
    });
  }
}, 60_000);

test('numeric flag in both spellings exits 2', () => {
  const valid = cli('sample', '--out', 'out', '--filesPerDay', '2', '--files-per-day', '3');
  expect(valid.code).toBe(2);
  expect(valid.stderr.split('\n')[0]).toBe(
    'error: --files-per-day 2 3: expected a single whole number from 1 to 1440',
  );
  const invalid = cli('sample', '--out', 'out', '--filesPerDay', 'abc', '--files-per-day', '3');
  expect(invalid.code).toBe(2);
  expect(invalid.stderr.split('\n')[0]).toBe(
    'error: --files-per-day abc 3: expected a single whole number from 1 to 1440',
  );
});

test('numeric flag keeps its typed spelling', () => {
  const expected = 'expected --concurrency with a whole number from 1 to 64';
  const dotted = cli('ingest', '--source', '.', '--db', 'a.db', '--concurrency.x', '3');
  expect(dotted.code).toBe(2);
  expect(dotted.stderr.split('\n')[0]).toBe(`error: --concurrency.x: ${expected}`);
  const negated = cli('ingest', '--source', '.', '--db', 'a.db', '--no-concurrency');
  expect(negated.code).toBe(2);
  expect(negated.stderr.split('\n')[0]).toBe(`error: --no-concurrency: ${expected}`);
  expect(dotted.stderr + negated.stderr).not.toContain('[object Object]');
  expect(existsSync(join(folder, 'a.db'))).toBe(false);
});
